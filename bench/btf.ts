/**
 * Whole-process `btf dump … format c` of the running kernel's vmlinux BTF: ebpf-ts against
 * bpftool, side by side in one run. Skipped where either is missing.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const VMLINUX = "/sys/kernel/btf/vmlinux";
const BIN = join(import.meta.dirname, "../bin/ebpf.js");

function timeCommand(cmd: string, args: string[], runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

export interface BtfBenchRow {
  format: string;
  ebpfMs: number;
  bpftoolMs: number;
}

export function runBtfBench(runs = 5): BtfBenchRow[] | string {
  if (!existsSync(VMLINUX)) return `skipped: ${VMLINUX} not present`;
  if (spawnSync("bpftool", ["version"]).status !== 0) return "skipped: bpftool not installed";
  return ["raw", "c"].map((format) => ({
    format,
    ebpfMs: timeCommand(process.execPath, [BIN, "btf", "dump", "file", VMLINUX, "format", format], runs),
    bpftoolMs: timeCommand("bpftool", ["btf", "dump", "file", VMLINUX, "format", format], runs),
  }));
}
