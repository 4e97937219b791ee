/**
 * JIT speed on the interpreter benchmark's three loops (imported from bench/interpreter.ts, so
 * the numbers compare directly), in checked mode (unverified programs: every access checked) and
 * unchecked mode (what verified programs will get), plus compile time per program.
 */
import { HelperRegistry } from "../src/helpers/registry.js";
import { build as b, BPF_ADD, BPF_DW, BPF_JEQ, type Instruction } from "../src/isa/index.js";
import { JitEngine } from "../src/jit/index.js";
import { AddressSpace, createImage, PERM_RW } from "../src/vm/index.js";
import { aluLoop, callLoop, memcpyLoop, type BenchRow } from "./interpreter.js";

export interface JitBenchRow extends BenchRow {
  /** "checked" or "unchecked". */
  mode: string;
  /** eBPF → wasm bytes → WebAssembly.Module → instance, best of 5 compilations in fresh engines. */
  compileMs: number;
  wasmBytes: number;
}

/** Best-of-5 compile time of a program in fresh engines (the compiler itself already warm). */
export function compileTime(insns: Instruction[], checked: boolean): { ms: number; wasmBytes: number } {
  let ms = Infinity;
  let wasmBytes = 0;
  for (let i = 0; i < 6; i++) {
    const c = new JitEngine(new AddressSpace(), new HelperRegistry(), { checked }).compile(createImage(insns));
    if (i > 0) ms = Math.min(ms, c.compileMs);
    wasmBytes = c.wasmBytes;
  }
  return { ms, wasmBytes };
}

/** A large straight-line program with branches and stack traffic: compile time at scale. */
export const bigProgram = (blocks: number): Instruction[] => {
  const p = [b.mov64Imm(0, 0), b.mov64Imm(1, 7)];
  for (let i = 0; i < blocks; i++) {
    p.push(b.jmpImm(BPF_JEQ, 1, i % 13, 2), b.alu64Imm(BPF_ADD, 0, i & 0xff), b.stx(BPF_DW, 10, 0, -8), b.ldx(BPF_DW, 2, 10, -8));
  }
  p.push(b.exit());
  return p;
};

/** Compile times of large programs (instructions, ms, wasm bytes). */
export function runJitCompileBench(): { name: string; insns: number; mode: string; ms: number; wasmBytes: number }[] {
  const out = [];
  for (const n of [250, 2500, 25000]) {
    const insns = bigProgram(n);
    for (const checked of [true, false]) {
      const t = compileTime(insns, checked);
      out.push({ name: `${n} diamonds with stack traffic`, insns: insns.length, mode: checked ? "checked" : "unchecked", ...t });
    }
  }
  return out;
}

function measure(name: string, checked: boolean, insns: Instruction[], args: (space: AddressSpace) => number[], minSeconds: number): JitBenchRow {
  const space = new AddressSpace();
  const jit = new JitEngine(space, new HelperRegistry(), { checked });
  const a = args(space);
  const image = createImage(insns);
  const compiled = compileTime(insns, checked);
  // Unchecked runs count nothing (verified programs run without a budget): the steps of one
  // run come from an engine that counts them exactly (every run executes the same instructions).
  const perRun = checked ? 0 : new JitEngine(space, new HelperRegistry(), { checked, budgetMode: "exact" }).run(image, { args: a, budget: 1e12 }).steps;
  jit.run(image, { args: a, budget: 1e12 }); // warm-up (V8 tiers wasm up from Liftoff to TurboFan)
  let steps = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < minSeconds * 1000) {
    steps += checked ? jit.run(image, { args: a, budget: 1e12 }).steps : (jit.run(image, { args: a }), perRun);
    elapsed = performance.now() - t0;
  }
  const seconds = elapsed / 1000;
  return { name, mode: checked ? "checked" : "unchecked", steps, seconds, mips: steps / seconds / 1e6, compileMs: compiled.ms, wasmBytes: compiled.wasmBytes };
}

export function runJitBench(minSeconds = 1): JitBenchRow[] {
  const mem = (space: AddressSpace) => {
    const r = space.map(65536, "memory", PERM_RW);
    return [r.start, r.size];
  };
  const rows: JitBenchRow[] = [];
  for (const checked of [true, false]) {
    rows.push(
      measure("ALU loop (xorshift-multiply, 1M iterations)", checked, aluLoop(1_000_000), () => [], minSeconds),
      measure("memory-copy loop (32 KiB, byte by byte)", checked, memcpyLoop(), mem, minSeconds),
      measure("call-heavy loop (bpf-to-bpf call per iteration)", checked, callLoop(200_000), () => [], minSeconds),
    );
  }
  return rows;
}

/** Markdown table of the rows, for bench/run.ts. */
export function formatJitBench(rows: readonly JitBenchRow[]): string {
  const out = ["| loop | mode | instructions | seconds | M insn/s | compile ms | wasm bytes |", "|---|---|---:|---:|---:|---:|---:|"];
  for (const r of rows) {
    out.push(`| ${r.name} | ${r.mode} | ${r.steps.toLocaleString("en")} | ${r.seconds.toFixed(2)} | ${r.mips.toFixed(1)} | ${r.compileMs.toFixed(2)} | ${r.wasmBytes} |`);
  }
  return out.join("\n");
}

export function formatJitCompileBench(rows: ReturnType<typeof runJitCompileBench>): string {
  const out = ["| program | instructions | mode | compile ms | wasm bytes |", "|---|---:|---|---:|---:|"];
  for (const r of rows) out.push(`| ${r.name} | ${r.insns} | ${r.mode} | ${r.ms.toFixed(2)} | ${r.wasmBytes} |`);
  return out.join("\n");
}
