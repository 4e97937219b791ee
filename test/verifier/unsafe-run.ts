/**
 * Runs many generated programs (unsafe-gen.ts) against the kernel and prints the mismatches
 * grouped by kind and by the first differing message, with one example program each.
 * Run as root: npx tsx test/verifier/unsafe-run.ts [count=2000] [seed=1] [kind-filter]
 * EBPF_GEN_VERBOSE=1 prints every mismatching program, EBPF_GEN_ALL=1 every program's verdict.
 */
import { assemble } from "../../src/asm/index.js";
import { verify } from "../../src/verifier/index.js";
import { MAPS } from "./cases.js";
import { kernelAvailable, kernelVerify } from "./oracle.js";
import { generateKind, KIND_NAMES, type GenCase } from "./unsafe-gen.js";

if (!kernelAvailable) {
  console.error("bpf(2) is not available here");
  process.exit(2);
}

const count = Number(process.argv[2] ?? 2000);
const base = Number(process.argv[3] ?? 1);
const filter = process.argv[4];
const kinds = KIND_NAMES.map((n, i) => [n, i] as const).filter(([n]) => !filter || n.includes(filter));

interface Row {
  kind: string;
  ours: string;
  kernel: string;
  n: number;
  example: GenCase;
}
const rows = new Map<string, Row>();
const perKind = new Map<string, { run: number; bad: number; accepted: number; crashed: number }>();
let mismatches = 0;

for (let i = 0; i < count; i++) {
  const [, k] = kinds[i % kinds.length]!;
  const c = generateKind(k, base + i * 7919);
  const stat = perKind.get(c.kind) ?? { run: 0, bad: 0, accepted: 0, crashed: 0 };
  perKind.set(c.kind, stat);
  stat.run++;
  const insns = assemble(c.asm);
  let ours: string;
  try {
    const r = verify({ insns, progType: c.type, maps: MAPS, hasFuncInfo: c.funcInfo === true, ...(c.attachType ? { attachType: c.attachType } : {}) }, { logLevel: 1, nrCpus: 2 });
    ours = r.ok ? "accepts" : r.error!.message;
  } catch (e) {
    stat.crashed++;
    ours = `CRASH ${(e as Error).message}`;
  }
  const kr = kernelVerify(insns, c.type, MAPS, 1, c.attachType, undefined, c.funcInfo === true);
  const kernel = kr.ok ? "accepts" : kr.message;
  if (kr.ok) stat.accepted++;
  if (process.env.EBPF_GEN_ALL === "1") console.log(`${c.kind}: ${c.name} => ${kernel}${ours === kernel ? "" : `  [ours: ${ours}]`}`);
  if (ours === kernel) continue;
  mismatches++;
  stat.bad++;
  const key = `${c.kind}\u0000${ours}\u0000${kernel}`;
  const row = rows.get(key);
  if (row) row.n++;
  else rows.set(key, { kind: c.kind, ours, kernel, n: 1, example: c });
  if (process.env.EBPF_GEN_VERBOSE === "1") console.log(`--- ${c.kind}: ${c.name}\n${c.asm}\n  ours:   ${ours}\n  kernel: ${kernel}`);
}

console.log(`${count} programs, ${mismatches} mismatches\n`);
console.log("kind".padEnd(24), "run".padStart(5), "kernel-ok".padStart(10), "mismatch".padStart(9), "crash".padStart(6));
for (const [k, s] of perKind) console.log(k.padEnd(24), String(s.run).padStart(5), String(s.accepted).padStart(10), String(s.bad).padStart(9), String(s.crashed).padStart(6));
for (const r of [...rows.values()].sort((a, b) => a.kind.localeCompare(b.kind) || b.n - a.n)) {
  console.log(`\n[${r.kind}] x${r.n}\n  ours:   ${r.ours}\n  kernel: ${r.kernel}\n  e.g. ${r.example.name} (${r.example.type}${r.example.attachType ? `/${r.example.attachType}` : ""})\n    ${r.example.asm.replace(/\n/g, "\n    ")}`);
}
