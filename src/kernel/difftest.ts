/**
 * The differential harness: the same programs run in the kernel (BPF_PROG_TEST_RUN behind an XDP
 * prolog) and in the interpreter, results compared. Two sources of programs: the bpf_conformance
 * corpus, and a seeded generator of programs the verifier accepts. A generated mismatch is shrunk
 * to a minimal program and written out as JSON so it can be committed as a regression test.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Instruction } from "../isa/instruction.js";
import { encode, toHex } from "../isa/codec.js";
import { execute } from "../vm/index.js";
import { isEbpfError } from "../errors.js";
import * as O from "../isa/opcodes.js";
import { BPF_PROG_TYPE_XDP, BPF_XDP } from "./constants.js";
import { KernelError } from "./errors.js";
import { KernelProgram } from "./program.js";
import { caseProgram, packetFor, parseConformance, xdpProlog, type ConformanceCase } from "./conformance.js";
import { assembleProgram, generate, withoutItems, withoutUnusedFuncs, type GeneratedProgram } from "./difftest-gen.js";

// ---------------------------------------------------------------- one program, both engines

export interface EngineResults {
  kernel: { retval: number; dataOut: Uint8Array } | { rejected: string } | { error: string };
  interpreter: { r0: bigint; memory: Uint8Array } | { error: string };
}

export type Verdict = "pass" | "mismatch" | "rejected";

export interface Comparison extends EngineResults {
  verdict: Verdict;
  /** What differs, for a mismatch. */
  detail?: string;
}

/** Runs `body` behind the XDP prolog in the kernel and bare in the interpreter; compares r0 (low 32 bits) and memory. */
export function compareEngines(body: readonly Instruction[], memory: Uint8Array): Comparison {
  const kernelProgram = [...xdpProlog(memory.length), ...body];
  let kernel: EngineResults["kernel"];
  try {
    using prog = KernelProgram.load({ type: BPF_PROG_TYPE_XDP, expectedAttachType: BPF_XDP, instructions: kernelProgram, license: "GPL", name: "difftest" });
    const packet = packetFor(memory);
    const res = prog.testRun({ data: packet, dataOutSize: packet.length });
    kernel = { retval: res.retval, dataOut: (res.dataOut ?? new Uint8Array(0)).slice(0, memory.length) };
  } catch (e) {
    if (e instanceof KernelError && e.command === "BPF_PROG_LOAD") kernel = { rejected: firstLines(e.log ?? e.message) };
    else kernel = { error: errorText(e) };
  }
  let interpreter: EngineResults["interpreter"];
  try {
    const res = execute(body, { memory: memory.slice() });
    interpreter = { r0: res.r0, memory: res.memory };
  } catch (e) {
    interpreter = { error: errorText(e) };
  }
  const out: Comparison = { kernel, interpreter, verdict: "pass" };
  if ("rejected" in kernel) out.verdict = "rejected";
  else if ("error" in kernel) {
    out.verdict = "mismatch";
    out.detail = `kernel test run failed: ${kernel.error}`;
  } else if ("error" in interpreter) {
    out.verdict = "mismatch";
    out.detail = `interpreter failed: ${interpreter.error}`;
  } else {
    const low = Number(interpreter.r0 & 0xffffffffn);
    if (low !== kernel.retval) {
      out.verdict = "mismatch";
      out.detail = `r0: kernel 0x${kernel.retval.toString(16)}, interpreter 0x${interpreter.r0.toString(16)} (low 32 bits compared)`;
    } else {
      const at = firstDifference(kernel.dataOut, interpreter.memory);
      if (at >= 0) {
        out.verdict = "mismatch";
        out.detail = `memory differs from byte ${at}: kernel ${toHex(kernel.dataOut.subarray(at, at + 8), " ")}, interpreter ${toHex(interpreter.memory.subarray(at, at + 8), " ")}`;
      }
    }
  }
  return out;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function firstLines(text: string, n = 6): string {
  const lines = text.trim().split("\n");
  return lines.length <= n ? lines.join("\n") : [...lines.slice(-n)].join("\n");
}

function errorText(e: unknown): string {
  if (isEbpfError(e)) return `${e.code}: ${e.message}`;
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

// ---------------------------------------------------------------- conformance corpus

export interface ConformanceReport {
  total: number;
  /** Cases run in both engines. */
  run: number;
  passed: number;
  failed: { name: string; detail: string }[];
  /** Cases not run, with the reason (kernel rejects the program, no assembler, expects an error). */
  skipped: { name: string; reason: string }[];
  /** Run cases where the kernel's r0 differs from the file's `-- result` (the corpus, not us). */
  kernelDisagreesWithExpected: string[];
}

type Assemble = (text: string) => Instruction[];

/** Loads the assembler of src/asm when it is there (it is written in parallel); undefined otherwise. */
export async function loadAssembler(): Promise<Assemble | undefined> {
  const url = new URL("../asm/index.js", import.meta.url);
  try {
    const mod = (await import(url.href)) as { assemble?: (text: string) => Instruction[] | { instructions: Instruction[] } };
    const fn = mod.assemble;
    if (typeof fn !== "function") return undefined;
    return (text: string) => {
      const r = fn(text);
      return Array.isArray(r) ? r : r.instructions;
    };
  } catch {
    return undefined;
  }
}

export function runConformance(dir: string, assemble: Assemble | undefined): ConformanceReport {
  const report: ConformanceReport = { total: 0, run: 0, passed: 0, failed: [], skipped: [], kernelDisagreesWithExpected: [] };
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".data"))
    .sort();
  for (const file of files) {
    report.total++;
    const name = file.replace(/\.data$/, "");
    let c: ConformanceCase;
    let body: Instruction[] | undefined;
    try {
      c = parseConformance(name, readFileSync(join(dir, file), "utf8"));
      body = caseProgram(c, assemble);
    } catch (e) {
      report.skipped.push({ name, reason: `does not assemble: ${errorText(e)}` });
      continue;
    }
    if (!body) {
      report.skipped.push({ name, reason: assemble ? "no program" : "no assembler (src/asm) yet" });
      continue;
    }
    if (body.some((i) => i.op === O.OP_CALL && i.src === 0)) {
      // Helper ids mean different things to the kernel and to bpf_conformance plugins (5 is unwind there).
      report.skipped.push({ name, reason: "calls a helper (ids differ between the kernel and bpf_conformance)" });
      continue;
    }
    if (c.error !== undefined) {
      report.skipped.push({ name, reason: `expects an error (${c.error})` });
      continue;
    }
    const cmp = compareEngines(body, c.memory);
    if (cmp.verdict === "rejected") {
      const k = cmp.kernel as { rejected: string };
      report.skipped.push({ name, reason: `kernel rejects it: ${k.rejected.split("\n").filter(Boolean).slice(-2, -1)[0] ?? k.rejected}` });
      continue;
    }
    report.run++;
    if (cmp.verdict === "pass") report.passed++;
    else report.failed.push({ name, detail: cmp.detail ?? "mismatch" });
    if (c.result !== undefined && "retval" in cmp.kernel && cmp.kernel.retval !== Number(c.result & 0xffffffffn)) {
      report.kernelDisagreesWithExpected.push(name);
    }
  }
  return report;
}

// ---------------------------------------------------------------- generated programs

export interface GeneratedFailure {
  seed: number;
  detail: string;
  /** Where the shrunk regression case was written, if it was. */
  file?: string;
  instructions: number;
}

export interface GeneratedReport {
  total: number;
  passed: number;
  failed: GeneratedFailure[];
  /** Programs the kernel rejected: generator bugs, not mismatches. */
  rejected: { seed: number; log: string }[];
}

/** The seed of program `i` of a run seeded with `seed`. */
export function programSeed(seed: number, i: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) + i) >>> 0;
}

export interface GeneratedOptions {
  count: number;
  seed: number;
  /** Where shrunk failures go (default: difftest-failures; undefined with write=false). */
  failuresDir?: string;
  write?: boolean;
  shrink?: boolean;
  onProgress?: (done: number, report: GeneratedReport) => void;
}

export function runGenerated(o: GeneratedOptions): GeneratedReport {
  const report: GeneratedReport = { total: 0, passed: 0, failed: [], rejected: [] };
  for (let i = 0; i < o.count; i++) {
    const seed = programSeed(o.seed, i);
    const program = generate(seed);
    const body = assembleProgram(program);
    const cmp = compareEngines(body, program.memory);
    report.total++;
    if (cmp.verdict === "pass") report.passed++;
    else if (cmp.verdict === "rejected") report.rejected.push({ seed, log: (cmp.kernel as { rejected: string }).rejected });
    else {
      const small = o.shrink === false ? program : shrink(program);
      const smallBody = assembleProgram(small);
      const smallCmp = compareEngines(smallBody, small.memory);
      const failure: GeneratedFailure = { seed, detail: smallCmp.detail ?? cmp.detail ?? "mismatch", instructions: smallBody.length };
      if (o.write !== false) failure.file = writeFailure(o.failuresDir ?? "difftest-failures", seed, smallBody, small.memory, smallCmp);
      report.failed.push(failure);
    }
    if (o.onProgress && (i + 1) % 1000 === 0) o.onProgress(i + 1, report);
  }
  return report;
}

/**
 * Greedy shrinking: drop chunks of items, then single items, keeping a drop when the program
 * still verifies and still mismatches. Subprograms no call uses any more go too.
 */
export function shrink(
  program: GeneratedProgram,
  stillFails: (p: GeneratedProgram) => boolean = (p) => compareEngines(assembleProgram(p), p.memory).verdict === "mismatch",
): GeneratedProgram {
  let best = program;
  for (let pass = 0; pass < 4; pass++) {
    let progress = false;
    const ids = best.funcs.flatMap((f) => f.items.filter((it) => !(it.kind === "insn" && it.keep)).map((it) => it.id));
    for (let chunk = Math.max(1, ids.length >> 1); chunk >= 1; chunk >>= 1) {
      for (let start = ids.length - chunk; start >= 0; start -= chunk) {
        const drop = new Set(ids.slice(start, start + chunk));
        if (![...drop].some((id) => best.funcs.some((f) => f.items.some((it) => it.id === id)))) continue;
        const candidate = withoutUnusedFuncs(withoutItems(best, drop));
        if (stillFails(candidate)) {
          best = candidate;
          progress = true;
        }
      }
    }
    if (!progress) break;
  }
  return best;
}

export function writeFailure(dir: string, seed: number, body: Instruction[], memory: Uint8Array, cmp: Comparison): string {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const file = join(dir, `${seed}.json`);
  const kernel =
    "retval" in cmp.kernel ? { retval: cmp.kernel.retval, dataOut: toHex(cmp.kernel.dataOut) } : "rejected" in cmp.kernel ? { rejected: cmp.kernel.rejected } : { error: cmp.kernel.error };
  const interpreter = "r0" in cmp.interpreter ? { r0: `0x${cmp.interpreter.r0.toString(16)}`, memory: toHex(cmp.interpreter.memory) } : { error: cmp.interpreter.error };
  const record = {
    seed,
    detail: cmp.detail,
    // How to run it: interpreter = execute(instructions, { memory }); kernel = the bpf_conformance XDP
    // prolog for memory.length bytes, then these instructions, with memory as packet data.
    instructions: body.map(({ op, dst, src, off, imm, imm2 }) => (imm2 === undefined ? { op, dst, src, off, imm } : { op, dst, src, off, imm, imm2 })),
    bytecode: toHex(encode(body)),
    memory: toHex(memory),
    kernel,
    interpreter,
  };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

// ---------------------------------------------------------------- the whole run

export interface DifftestOptions {
  count: number;
  seed: number;
  /** Directory of bpf_conformance `.data` files; skipped when absent. */
  conformanceDir?: string;
  failuresDir?: string;
  write?: boolean;
  shrink?: boolean;
  onProgress?: GeneratedOptions["onProgress"];
}

export interface DifftestReport {
  conformance?: ConformanceReport;
  generated: GeneratedReport;
  passed: number;
  failed: number;
  ms: number;
}

export async function runDifftest(o: DifftestOptions): Promise<DifftestReport> {
  const t0 = performance.now();
  let conformance: ConformanceReport | undefined;
  if (o.conformanceDir && existsSync(o.conformanceDir)) conformance = runConformance(o.conformanceDir, await loadAssembler());
  const generated = runGenerated({ count: o.count, seed: o.seed, failuresDir: o.failuresDir, write: o.write, shrink: o.shrink, onProgress: o.onProgress });
  const passed = (conformance?.passed ?? 0) + generated.passed;
  const failed = (conformance?.failed.length ?? 0) + generated.failed.length;
  return { conformance, generated, passed, failed, ms: performance.now() - t0 };
}

/** The default corpus location relative to the repository (../shared/corpus/conformance). */
export function defaultConformanceDir(cwd = process.cwd()): string {
  return join(cwd, "..", "shared", "corpus", "conformance");
}
