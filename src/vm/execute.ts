import { HelperRegistry } from "../helpers/registry.js";
import type { Instruction } from "../isa/instruction.js";
import { createImage, type ImageOptions, type ProgramImage } from "./image.js";
import { Interpreter, type RunOptions, type RunResult } from "./interpreter.js";
import { AddressSpace, PERM_RW } from "./memory.js";

/** Anything that runs program images the way the Interpreter does (the JIT engine too). */
export interface Engine {
  readonly space: AddressSpace;
  run(image: ProgramImage, options: RunOptions): RunResult;
}

export interface ExecuteOptions extends Omit<RunOptions, "args">, ImageOptions {
  /** Bytes mapped read/write for the program: r1 = their address (0 when absent), r2 = length. */
  memory?: Uint8Array;
  helpers?: HelperRegistry;
  /** Which engine runs it (default: a new Interpreter). */
  engine?: (space: AddressSpace, helpers: HelperRegistry) => Engine;
}

export interface ExecuteResult {
  r0: bigint;
  /** The memory's bytes after the run. */
  memory: Uint8Array;
  steps: number;
}

/**
 * Runs a bare program the way bpf_conformance and ubpf do: r1 = memory, r2 = its length,
 * r10 = top of a fresh stack. A one-shot convenience; runtimes keep an Interpreter instead.
 */
export function execute(insns: readonly Instruction[], options: ExecuteOptions = {}): ExecuteResult {
  const space = new AddressSpace();
  const helpers = options.helpers ?? new HelperRegistry();
  const engine = options.engine ? options.engine(space, helpers) : new Interpreter(space, helpers);
  const image = createImage(insns, options);
  const mem = options.memory;
  const region = mem && mem.length > 0 ? space.mapBytes(mem, "memory", PERM_RW) : undefined;
  const res = engine.run(image, {
    ...options,
    args: region ? [region.start, region.size] : [0, 0],
  });
  return { r0: res.r0, memory: region ? space.read(region.start, region.size) : new Uint8Array(0), steps: res.steps };
}
