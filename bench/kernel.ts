/**
 * The issue's programs (bench/programs/*.c, committed as .o) side by side in one process:
 * interpreter, JIT (checked and unchecked) and the kernel, all through BPF_PROG_TEST_RUN with
 * `repeat` — the runtime's `program.testRun({ dataIn, repeat })` for ours, `KernelCollection`
 * for the kernel — so every number is the same thing: the average time of one run measured
 * inside the test-run loop (the kernel's `duration`; ours `durationNs`), without the syscall or
 * the set-up of the packet and context. Each figure is the median of several samples (the
 * machine is shared). Before timing, every engine runs each program once on fresh maps and the
 * results (return value and every map) must agree with the kernel's.
 *
 * Also: `ebpf run FILE.o --engine jit --repeat N` beside `bpftool prog run … repeat N` for the
 * compute loop, whole commands, comparing the `duration (average)` each prints.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadObject } from "../src/elf/index.js";
import { isEbpfError } from "../src/errors.js";
import { JitEngine } from "../src/jit/index.js";
import { bpfStatus, jitEnabled } from "../src/kernel/index.js";
import type { DumpEntry } from "../src/runtime/dump.js";
import { KernelCollection } from "../src/runtime/kernel.js";
import { Runtime, type EngineFactory } from "../src/runtime/runtime.js";
import type { ProgramImage } from "../src/vm/image.js";

const here = dirname(fileURLToPath(import.meta.url));
const programsDir = join(here, "programs");

export interface KernelBenchProgram {
  /** Row label. */
  label: string;
  file: string;
  prog: string;
  /** "compute" (goal 1.5x of the kernel) or "map" (goal 3x). */
  kind: "compute" | "map";
  /** Map contents to set before running (host updates): map name → [key, value]. */
  init?: (set: (map: string, key: Uint8Array, value: Uint8Array) => void) => void;
}

const u32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);

export const PROGRAMS: readonly KernelBenchProgram[] = [
  { label: "compute loop over a 1500-byte packet (FNV-1a + mix)", file: "compute.o", prog: "compute", kind: "compute" },
  { label: "hash-map counting (128 lookups + atomic add)", file: "hashmap.o", prog: "hashmap", kind: "map" },
  { label: "array-map counting (128 lookups + atomic add; extra)", file: "arraymap.o", prog: "arraymap", kind: "map" },
  { label: "log2 of 8192 numbers", file: "log2.o", prog: "log2_8192", kind: "compute" },
  { label: "primes below 10,000 (sieve)", file: "primes.o", prog: "primes", kind: "compute" },
  {
    label: "1 MiB memcpy (map value to map value)",
    file: "memcpy.o",
    prog: "memcpy_1m",
    kind: "compute",
    init: (set) => {
      const v = new Uint8Array(1 << 20);
      for (let i = 0; i < v.length; i++) v[i] = (i * 131 + (i >> 10)) & 0xff;
      set("bufs", u32(0), v);
    },
  },
  { label: "string compare (1395 bytes, packet vs .rodata)", file: "strcmp.o", prog: "str_cmp", kind: "compute" },
];

/** The packet every program runs on: the string-compare text (last character changed), padded to 1500 bytes. */
export function benchPacket(): Uint8Array {
  const text = "The quick brown fox jumps over the lazy dog. ".repeat(31);
  const p = new Uint8Array(1500);
  for (let i = 0; i < text.length; i++) p[i] = text.charCodeAt(i);
  p[text.length - 1] = 0x21; // '!' where the string has ' '
  for (let i = text.length; i < p.length; i++) p[i] = (i * 7 + 3) & 0xff;
  return p;
}

export interface EngineTiming {
  /** Median ns per run (the test run's average duration), over `samples` samples. */
  ns: number;
  /** Smallest and largest sample. */
  min: number;
  max: number;
  repeat: number;
  samples: number;
}

export interface KernelBenchRow {
  program: KernelBenchProgram;
  interp: EngineTiming;
  jit: EngineTiming;
  jitUnchecked: EngineTiming;
  /** Undefined when bpf(2) is not available (see `kernelNote`). */
  kernel: EngineTiming | undefined;
  /** JIT compile time (eBPF → wasm → instance), ms, checked / unchecked. */
  compileMs: number;
  compileUncheckedMs: number;
  wasmBytes: number;
  /** "ok" or what disagreed. */
  agreement: string;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Samples `run(repeat)` (which returns the average ns per run) with repeat sized to ~`sampleMs`. */
function sample(run: (repeat: number) => number, sampleMs: number, samples: number, warmMs: number): EngineTiming {
  // Calibrate (and warm up: V8 tiers wasm up from Liftoff to TurboFan as it runs).
  let repeat = 1;
  let t0 = performance.now();
  for (;;) {
    const ns = run(repeat);
    const elapsed = performance.now() - t0;
    if (elapsed >= warmMs || ns * repeat >= warmMs * 1e6) {
      repeat = Math.max(1, Math.round((sampleMs * 1e6) / Math.max(ns, 1)));
      break;
    }
    repeat = Math.min(repeat * 4, 1 << 24);
    t0 = performance.now() - elapsed;
  }
  const xs: number[] = [];
  for (let i = 0; i < samples; i++) xs.push(run(repeat));
  return { ns: median(xs), min: Math.min(...xs), max: Math.max(...xs), repeat, samples };
}

type Engine = "interp" | "jit" | "jit-unchecked";

function runtimeFor(engine: Engine): Runtime {
  const factory: EngineFactory | "interp" =
    engine === "interp" ? "interp" : (space, helpers) => new JitEngine(space, helpers, { checked: engine === "jit" });
  // seed fixed so nothing depends on time; budget: the runtime's default (1,000,000 instructions)
  return new Runtime({ engine: factory, seed: 1, perfBuffers: false });
}

interface Outcome {
  retval: number;
  maps: Record<string, DumpEntry[]>;
}

/** Map dumps with elements sorted by key (hash maps have a random seed, so no fixed order). */
function canonical(o: Outcome): string {
  const maps: Record<string, DumpEntry[]> = {};
  for (const [k, v] of Object.entries(o.maps)) maps[k] = [...v].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return JSON.stringify({ retval: o.retval, maps });
}

function userspace(p: KernelBenchProgram, engine: Engine, bytes: Uint8Array): { rt: Runtime; image: ProgramImage; run: (data: Uint8Array, repeat: number) => { retval: number; durationNs: number }; maps: () => Record<string, DumpEntry[]> } {
  const rt = runtimeFor(engine);
  const coll = rt.load(loadObject(bytes));
  p.init?.((m, k, v) => coll.map(m).update(k, v));
  const prog = coll.program(p.prog);
  return { rt, image: prog.image, run: (dataIn, repeat) => prog.testRun({ dataIn, repeat }), maps: () => coll.dumpMaps() };
}

function kernelSide(p: KernelBenchProgram, bytes: Uint8Array): { kc: KernelCollection; run: (data: Uint8Array, repeat: number) => { retval: number; durationNs: number }; maps: () => Record<string, DumpEntry[]> } {
  const kc = KernelCollection.load(loadObject(bytes));
  p.init?.((m, k, v) => kc.maps.get(m)!.update(k, v));
  return { kc, run: (dataIn, repeat) => kc.testRun(p.prog, { dataIn, repeat }), maps: () => kc.dumpMaps() };
}

export interface KernelBenchOptions {
  /** Length of one sample, ms (default 150). */
  sampleMs?: number;
  /** Samples per engine (default 5; the median is reported). */
  samples?: number;
  /** Only these programs (by .o name without extension). */
  only?: readonly string[];
}

export interface KernelBenchResult {
  rows: KernelBenchRow[];
  /** Why the kernel column is empty, when it is. */
  kernelNote: string | undefined;
  kernelJit: number | undefined;
}

export function runKernelBench(options: KernelBenchOptions = {}): KernelBenchResult {
  const sampleMs = options.sampleMs ?? 150;
  const samples = options.samples ?? 5;
  const status = bpfStatus();
  const kernelNote = status.available ? undefined : `kernel: not measured — ${status.reason ?? "bpf(2) is not available"}`;
  const packet = benchPacket();
  const rows: KernelBenchRow[] = [];
  for (const p of PROGRAMS) {
    if (options.only && !options.only.includes(p.file.replace(/\.o$/, ""))) continue;
    const bytes = readFileSync(join(programsDir, p.file));

    // One run each on fresh maps: every engine must agree with the kernel (or the interpreter).
    const outcomes: [string, string][] = [];
    for (const engine of ["interp", "jit", "jit-unchecked"] as const) {
      const u = userspace(p, engine, bytes);
      try {
        const r = u.run(packet, 1);
        outcomes.push([engine, canonical({ retval: r.retval, maps: u.maps() })]);
      } finally {
        u.rt.close();
      }
    }
    if (status.available) {
      const k = kernelSide(p, bytes);
      try {
        const r = k.run(packet, 1);
        outcomes.push(["kernel", canonical({ retval: r.retval, maps: k.maps() })]);
      } finally {
        k.kc.close();
      }
    }
    const ref = outcomes[outcomes.length - 1]!;
    const differ = outcomes.filter(([, o]) => o !== ref[1]).map(([e]) => e);
    const agreement = differ.length ? `DIFFERS from ${ref[0]}: ${differ.join(", ")}` : "ok";

    const time = (engine: Engine): { t: EngineTiming; compileMs: number; wasmBytes: number } => {
      const u = userspace(p, engine, bytes);
      try {
        const t = sample((repeat) => u.run(packet, repeat).durationNs, engine === "interp" ? Math.max(sampleMs, 300) : sampleMs, engine === "interp" ? 3 : samples, engine === "interp" ? 300 : 500);
        let compileMs = 0;
        let wasmBytes = 0;
        if (engine !== "interp") {
          // Compile time in a fresh engine (the compiler itself warm), best of 3.
          compileMs = Infinity;
          const image = u.image;
          for (let i = 0; i < 3; i++) {
            const c = new JitEngine(u.rt.space, u.rt.helpers, { checked: engine === "jit" }).compile(image);
            compileMs = Math.min(compileMs, c.compileMs);
            wasmBytes = c.wasmBytes;
          }
        }
        return { t, compileMs, wasmBytes };
      } finally {
        u.rt.close();
      }
    };
    const interp = time("interp");
    const jit = time("jit");
    const jitU = time("jit-unchecked");
    let kernel: EngineTiming | undefined;
    if (status.available) {
      const k = kernelSide(p, bytes);
      try {
        kernel = sample((repeat) => k.run(packet, repeat).durationNs, sampleMs, samples, 200);
      } finally {
        k.kc.close();
      }
    }
    rows.push({ program: p, interp: interp.t, jit: jit.t, jitUnchecked: jitU.t, kernel, compileMs: jit.compileMs, compileUncheckedMs: jitU.compileMs, wasmBytes: jit.wasmBytes, agreement });
  }
  return { rows, kernelNote, kernelJit: jitEnabled() };
}

const fmtNs = (ns: number): string => (ns >= 100_000 ? `${(ns / 1000).toFixed(0)} µs` : ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${Math.round(ns)} ns`);
const ratio = (a: number, b: number | undefined): string => (b === undefined || b <= 0 ? "–" : `${(a / b).toFixed(2)}x`);

/** The Markdown table and its notes. */
export function formatKernelBench(r: KernelBenchResult): string {
  const out = [
    "| program | interpreter | JIT (checked) | JIT (unchecked) | kernel JIT | interp / kernel | JIT / kernel | JIT unchecked / kernel | goal | JIT compile ms (checked / unchecked) | results |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const row of r.rows) {
    const k = row.kernel?.ns;
    out.push(
      `| ${row.program.label} | ${fmtNs(row.interp.ns)} | ${fmtNs(row.jit.ns)} | ${fmtNs(row.jitUnchecked.ns)} | ${k === undefined ? "not measured" : fmtNs(k)} | ${ratio(row.interp.ns, k)} | ${ratio(row.jit.ns, k)} | ${ratio(row.jitUnchecked.ns, k)} | ${row.program.kind === "map" ? "3x" : "1.5x"} | ${row.compileMs.toFixed(2)} / ${row.compileUncheckedMs.toFixed(2)} | ${row.agreement} |`,
    );
  }
  out.push("");
  out.push(
    "Time per run: the average duration of one run inside BPF_PROG_TEST_RUN's repeat loop — the kernel's `duration` (measured in the kernel, no syscall or copy of data_in/out), ours the runtime's `testRun({ dataIn, repeat }).durationNs` (measured around the repeat loop; it includes each run's entry into the engine: zeroing the stack, registers in, r0 out, but not building the packet or context nor compiling). " +
      "Median of the samples (samples of ~150 ms each, 5 per engine, 3 for the interpreter; the 2-core machine is shared with other work, so single samples vary by ±20%). " +
      "XDP programs on one 1500-byte packet, all engines in one process, one after the other. " +
      "JIT checked: every memory access checked against the region table (what runs unverified programs: `ebpf run --no-verify --engine jit`, or `--checked`); unchecked: what `ebpf run` uses for programs its verifier accepted. " +
      "Compile time: eBPF → wasm bytes → WebAssembly.Module → instance, best of 3 in a fresh engine (V8 compiles with Liftoff first and tiers up to TurboFan in the background while the program runs). " +
      "Results: every engine ran each program once on fresh maps; the return value and every map (hash maps sorted by key) must equal the kernel's.",
  );
  if (r.kernelNote) out.push("", r.kernelNote);
  else if (r.kernelJit !== undefined) out.push("", `Kernel: /proc/sys/net/core/bpf_jit_enable = ${r.kernelJit}${r.kernelJit === 0 ? " (the kernel interprets)" : " (the kernel JIT-compiles)"}.`);
  return out.join("\n");
}

// ---- ebpf run vs bpftool prog run ---------------------------------------------------------------

export interface CliComparison {
  repeat: number;
  /** `duration (average)` printed by each, ns (medians of `runs` invocations). */
  ebpfNs: number;
  bpftoolNs: number;
  ebpfSamples: number[];
  bpftoolSamples: number[];
  retvals: [number, number];
}

const DURATION = /Return value: (\d+), duration \(average\): (\d+)ns/;

/**
 * `ebpf run FILE.o --engine jit --repeat N --data-in PKT` beside `bpftool prog run pinned … data_in
 * PKT repeat N` (the program loaded and pinned with `bpftool prog load` first, unpinned after).
 */
export function compareCli(file = "compute.o", repeat = 100_000, runs = 3): CliComparison | string {
  const status = bpfStatus();
  if (!status.available) return `not measured — ${status.reason ?? "bpf(2) is not available"}`;
  const obj = join(programsDir, file);
  const dir = mkdtempSync(join(tmpdir(), "ebpf-bench-"));
  const pkt = join(dir, "packet.bin");
  writeFileSync(pkt, benchPacket());
  const pin = `/sys/fs/bpf/ebpf_ts_bench_${process.pid}`;
  const cli = join(here, "..", "bin", "ebpf.js");
  try {
    try {
      execFileSync("bpftool", ["prog", "load", obj, pin], { stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      return `not measured — bpftool prog load failed: ${String((e as { stderr?: Buffer }).stderr ?? e).split("\n")[0]}`;
    }
    const ebpf: number[] = [];
    const bpftool: number[] = [];
    const retvals: [number, number] = [0, 0];
    for (let i = 0; i < runs; i++) {
      const a = DURATION.exec(execFileSync(process.execPath, [cli, "run", obj, "--engine", "jit", "--repeat", String(repeat), "--data-in", pkt], { encoding: "utf8" }));
      const b = DURATION.exec(execFileSync("bpftool", ["prog", "run", "pinned", pin, "data_in", pkt, "repeat", String(repeat)], { encoding: "utf8" }));
      if (!a || !b) return "not measured — could not read `duration (average)` from the output";
      ebpf.push(Number(a[2]));
      bpftool.push(Number(b[2]));
      retvals[0] = Number(a[1]);
      retvals[1] = Number(b[1]);
    }
    return { repeat, ebpfNs: median(ebpf), bpftoolNs: median(bpftool), ebpfSamples: ebpf, bpftoolSamples: bpftool, retvals };
  } catch (e) {
    return `not measured — ${isEbpfError(e) ? e.message : String(e).split("\n")[0]}`;
  } finally {
    rmSync(pin, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatCliComparison(c: CliComparison | string): string {
  if (typeof c === "string") return c;
  return [
    "| command | duration (average), median of 3 | samples | return value |",
    "|---|---:|---|---:|",
    `| \`ebpf run compute.o --engine jit --repeat ${c.repeat}\` | ${c.ebpfNs} ns | ${c.ebpfSamples.join(", ")} | ${c.retvals[0]} |`,
    `| \`bpftool prog run pinned … repeat ${c.repeat}\` | ${c.bpftoolNs} ns | ${c.bpftoolSamples.join(", ")} | ${c.retvals[1]} |`,
    `| ratio | ${ratio(c.ebpfNs, c.bpftoolNs)} | | |`,
    "",
    "Whole commands (a fresh process each), each printing its own `duration (average)` over the repeat loop; `ebpf run --engine jit` verifies the program and then runs it unchecked, and its average includes V8's tier-up from Liftoff to TurboFan during the first runs.",
  ].join("\n");
}

// `tsx bench/kernel.ts [name …]`: just this benchmark.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const only = process.argv.slice(2);
  console.log(formatKernelBench(runKernelBench(only.length ? { only } : {})));
}
