/**
 * Whole-process `btf dump … format c|raw` of the running kernel's vmlinux BTF: ebpf-ts against
 * bpftool, side by side in one run; plus, per format, the time each phase takes in a fresh
 * process (module loading, parse, dump) — a one-shot CLI runs mostly cold code, so these are
 * measured once per process, not in a warmed-up loop. Skipped where either tool is missing.
 * Needs the build (`npx tsc -p tsconfig.build.json`): the CLI runs from dist/.
 *
 * Run on its own: `npx tsx bench/btf.ts [runs]`.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const VMLINUX = "/sys/kernel/btf/vmlinux";
const BIN = join(import.meta.dirname, "../bin/ebpf.js");
const DIST = join(import.meta.dirname, "../dist");

function median(xs: number[]): number {
  return xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

function timeCommand(cmd: string, args: string[], runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

export interface BtfBenchRow {
  format: string;
  ebpfMs: number;
  bpftoolMs: number;
}

function available(): string | undefined {
  if (!existsSync(VMLINUX)) return `skipped: ${VMLINUX} not present`;
  if (spawnSync("bpftool", ["version"]).status !== 0) return "skipped: bpftool not installed";
  if (!existsSync(join(DIST, "cli/main.js"))) return "skipped: not built (npx tsc -p tsconfig.build.json)";
  return undefined;
}

export function runBtfBench(runs = 5): BtfBenchRow[] | string {
  const skip = available();
  if (skip) return skip;
  return ["raw", "c"].map((format) => ({
    format,
    ebpfMs: timeCommand(process.execPath, [BIN, "btf", "dump", "file", VMLINUX, "format", format], runs),
    bpftoolMs: timeCommand("bpftool", ["btf", "dump", "file", VMLINUX, "format", format], runs),
  }));
}

export interface BtfPhaseRow {
  format: string;
  /** Importing the whole CLI (every command) vs only the BTF code. */
  cliImportMs: number;
  btfImportMs: number;
  parseMs: number;
  dumpMs: number;
}

/** In a fresh process: import times, then parse and dump (output discarded), median of `runs`. */
export function runBtfPhases(runs = 5): BtfPhaseRow[] | string {
  const skip = available();
  if (skip) return skip;
  const script = `
    const t0 = performance.now();
    await import(${JSON.stringify(pathToFileURL(join(DIST, "cli/main.js")).href)});
    const t1 = performance.now();
    const m = await import(${JSON.stringify(pathToFileURL(join(DIST, "btf/index.js")).href)});
    const { readFileSync } = await import("node:fs");
    const bytes = new Uint8Array(readFileSync(${JSON.stringify(VMLINUX)}));
    const t2 = performance.now();
    const { btf } = m.btfFromFile(bytes);
    const t3 = performance.now();
    let n = 0;
    for (const chunk of process.argv[1] === "c" ? m.btfCChunks(btf) : m.btfRawChunks(btf)) n += chunk.length;
    const t4 = performance.now();
    console.log(JSON.stringify([t1 - t0, t3 - t2, t4 - t3, n]));`;
  const btfOnly = `
    const t0 = performance.now();
    await import(${JSON.stringify(pathToFileURL(join(DIST, "btf/index.js")).href)});
    console.log(JSON.stringify([performance.now() - t0]));`;
  const run = (src: string, arg: string): number[] => {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", src, arg], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`phase run failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as number[];
  };
  return ["raw", "c"].map((format) => {
    const rows = Array.from({ length: runs }, () => run(script, format));
    const btfImport = Array.from({ length: runs }, () => run(btfOnly, format)[0]!);
    return {
      format,
      cliImportMs: median(rows.map((r) => r[0]!)),
      btfImportMs: median(btfImport),
      parseMs: median(rows.map((r) => r[1]!)),
      dumpMs: median(rows.map((r) => r[2]!)),
    };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const runs = Number(process.argv[2] ?? 5);
  const whole = runBtfBench(runs);
  if (typeof whole === "string") console.log(whole);
  else {
    console.log(`btf dump of ${VMLINUX}, whole process, median of ${runs}`);
    console.log("| format | ebpf-ts ms | bpftool ms | ratio |");
    console.log("|---|---:|---:|---:|");
    for (const r of whole) console.log(`| ${r.format} | ${r.ebpfMs.toFixed(0)} | ${r.bpftoolMs.toFixed(0)} | ${(r.ebpfMs / r.bpftoolMs).toFixed(2)}x |`);
    const phases = runBtfPhases(runs);
    if (typeof phases !== "string") {
      console.log("\nphases in a fresh process (ms): import of the whole CLI / of src/btf only, parse, dump");
      console.log("| format | CLI import | btf import | parse | dump |");
      console.log("|---|---:|---:|---:|---:|");
      for (const r of phases) {
        console.log(`| ${r.format} | ${r.cliImportMs.toFixed(0)} | ${r.btfImportMs.toFixed(0)} | ${r.parseMs.toFixed(0)} | ${r.dumpMs.toFixed(0)} |`);
      }
    }
  }
}
