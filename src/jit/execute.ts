import type { Instruction } from "../isa/instruction.js";
import { execute, type ExecuteOptions, type ExecuteResult } from "../vm/execute.js";
import { JitEngine, type JitOptions } from "./engine.js";

/**
 * `execute` (src/vm/execute.ts) on the JIT: r1 = memory, r2 = its length, r10 = top of a fresh
 * stack, as bpf_conformance and ubpf run bare programs. A one-shot convenience.
 */
export function executeJit(insns: readonly Instruction[], options: ExecuteOptions & JitOptions = {}): ExecuteResult {
  const jitOptions: JitOptions = {};
  if (options.checked !== undefined) jitOptions.checked = options.checked;
  if (options.budgetMode !== undefined) jitOptions.budgetMode = options.budgetMode;
  return execute(insns, { ...options, engine: (space, helpers) => new JitEngine(space, helpers, jitOptions) });
}
