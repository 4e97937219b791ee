/**
 * Verification time: our verifier against the kernel's own `verification time N usec` (the
 * BPF_LOG_STATS line of a level-4 log) on the largest programs of the Cilium objects in the
 * samples corpus, plus the repository's benchmark programs. Kernel loads go through
 * KernelCollection (relocated as libbpf would); ours verify the same object's program with its
 * map specs. Needs root for the kernel column; without it only our times are printed.
 *   npx tsx bench/verifier.ts
 */
import { existsSync, readFileSync } from "node:fs";
import { relocateObjectCore } from "../src/btf/core-apply.js";
import { loadObject } from "../src/elf/index.js";
import type { ObjectSpec } from "../src/elf/spec.js";
import { KernelProgram } from "../src/kernel/program.js";
import { bpfStatus } from "../src/kernel/status.js";
import { KernelCollection } from "../src/runtime/kernel.js";
import { hostBtfLoader, hostKconfig } from "../src/runtime/node.js";
import * as srcVerifier from "../src/verifier/index.js";

// The compiled verifier (dist/, what the CLI runs) when it is built: under tsx every imported
// constant is read through a getter, which costs a third of the verifier's time.
type VerifierModule = typeof srcVerifier;
const distPath = new URL("../dist/verifier/index.js", import.meta.url);
const V: VerifierModule = existsSync(distPath) ? ((await import(distPath.href)) as VerifierModule) : srcVerifier;
const { verifierMapFromSpec, verify } = V;

const root = new URL("../", import.meta.url).pathname;
const corpus = `${root}../shared/corpus/ebpf-samples/cilium`;

/** Programs measured: object (relative to the repository or the corpus) and program names. */
const TARGETS: { file: string; type?: string; progs: string[] }[] = [
  { file: `${corpus}/bpf_lxc.o`, type: "sched_cls", progs: ["tail_handle_ipv4", "tail_handle_ipv6", "tail_ipv6_policy", "tail_ipv4_policy", "tail_ipv6_to_ipv4"] },
  { file: `${corpus}/bpf_netdev.o`, type: "sched_cls", progs: ["tail_handle_ipv4", "from_netdev"] },
  { file: `${corpus}/bpf_overlay.o`, type: "sched_cls", progs: ["from_overlay", "tail_icmp6_send_time_exceeded"] },
  { file: `${corpus}/bpf_lb.o`, type: "sched_cls", progs: ["from_netdev"] },
  { file: `${root}bench/programs/arraymap.o`, progs: ["arraymap"] },
  { file: `${root}bench/programs/hashmap.o`, progs: ["hashmap"] },
  { file: `${root}test/fixtures/runtime/callbacks.o`, progs: ["loop_sum"] },
];

export interface VerifierBenchRow {
  name: string;
  oursInsns: number;
  oursMs: number;
  ok: boolean;
  kernelInsns?: number;
  kernelMs?: number;
}

function kernelStats(spec: ObjectSpec, prog: string): { insns: number; ms: number } | undefined {
  const orig = KernelProgram.load.bind(KernelProgram);
  let log: string | undefined;
  (KernelProgram as unknown as { load: typeof KernelProgram.load }).load = (o) => {
    const p = orig({ ...o, logLevel: 4 });
    log = p.verifierLog;
    return p;
  };
  try {
    KernelCollection.load(spec, { programs: [prog], targetBtf: hostBtfLoader(), kconfig: hostKconfig() }).close();
  } catch {
    return undefined;
  } finally {
    (KernelProgram as unknown as { load: typeof KernelProgram.load }).load = orig;
  }
  const t = /verification time (\d+) usec/.exec(log ?? "");
  const n = /processed (\d+) insns/.exec(log ?? "");
  return t && n ? { insns: Number(n[1]), ms: Number(t[1]) / 1000 } : undefined;
}

export function runVerifierBench(repeat = 3): VerifierBenchRow[] | string {
  const kernel = bpfStatus().available;
  const rows: VerifierBenchRow[] = [];
  for (const t of TARGETS) {
    if (!existsSync(t.file)) continue;
    const spec = loadObject(new Uint8Array(readFileSync(t.file)));
    for (const p of spec.programs) if (t.type && p.type === "unspec") (p as { type: string }).type = t.type;
    const maps = spec.maps.map(verifierMapFromSpec);
    for (const name of t.progs) {
      let p = spec.programs.find((x) => x.name === name);
      if (!p) continue;
      if (p.coreRelos?.length) {
        const target = hostBtfLoader()();
        if (!target) continue;
        p = relocateObjectCore({ ...spec, programs: [p] }, target).programs[0]!;
      }
      let best = Infinity;
      let r;
      for (let i = 0; i < repeat; i++) {
        const t0 = performance.now();
        r = verify({ insns: p.instructions, progType: p.type, maps, hasFuncInfo: (p.funcInfo?.length ?? 0) > 0, ...(p.attachType ? { attachType: p.attachType } : {}) }, { logLevel: 0, nrCpus: 2 });
        best = Math.min(best, performance.now() - t0);
      }
      const row: VerifierBenchRow = { name: `${t.file.split("/").pop()} ${name}`, oursInsns: r!.stats.processedInsns, oursMs: best, ok: r!.ok };
      if (kernel) {
        let k: { insns: number; ms: number } | undefined;
        for (let i = 0; i < repeat; i++) {
          const s = kernelStats(spec, name);
          if (s && (!k || s.ms < k.ms)) k = s;
        }
        if (k) {
          row.kernelInsns = k.insns;
          row.kernelMs = k.ms;
        }
      }
      rows.push(row);
    }
  }
  return rows.length ? rows : "no objects found (../shared/corpus/ebpf-samples is not here)";
}

export function formatVerifierBench(rows: VerifierBenchRow[] | string): string {
  if (typeof rows === "string") return rows;
  const out = ["| program | verdict | insns (ours) | insns (kernel) | ms (ours) | ms (kernel) | ratio | µs/insn (ours) |", "|---|---|---:|---:|---:|---:|---:|---:|"];
  for (const r of rows) {
    const ratio = r.kernelMs ? `${(r.oursMs / r.kernelMs).toFixed(1)}x` : "–";
    out.push(
      `| ${r.name} | ${r.ok ? "accept" : "reject"} | ${r.oursInsns.toLocaleString("en")} | ${r.kernelInsns?.toLocaleString("en") ?? "–"} | ${r.oursMs.toFixed(1)} | ${r.kernelMs?.toFixed(1) ?? "–"} | ${ratio} | ${((r.oursMs * 1000) / Math.max(1, r.oursInsns)).toFixed(2)} |`,
    );
  }
  return out.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(formatVerifierBench(runVerifierBench(Number(process.env.BENCH_REPEAT ?? 3))));
}
