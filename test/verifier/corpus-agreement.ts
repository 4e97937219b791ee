/**
 * Agreement with the kernel on the shared samples corpus (../shared/corpus/ebpf-samples): every
 * program of every object is loaded into the kernel (src/runtime/kernel.ts, as libbpf would) and
 * verified by us; prints a table and the disagreements. Run as root:
 *   npx tsx test/verifier/corpus-agreement.ts [DIR]
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { relocateObjectCore } from "../../src/btf/core-apply.js";
import { loadObject } from "../../src/elf/index.js";
import type { MapSpec } from "../../src/elf/spec.js";
import { KernelError } from "../../src/kernel/errors.js";
import { PROGRAM_TYPES } from "../../src/progtypes/index.js";
import { KernelCollection } from "../../src/runtime/kernel.js";
import { hostBtfLoader } from "../../src/runtime/node.js";
import { verify, type VerifierMap } from "../../src/verifier/index.js";
import { lastMessage } from "./oracle.js";

const dir = process.argv[2] ?? new URL("../../../shared/corpus/ebpf-samples", import.meta.url).pathname;
const files: string[] = [];
const walk = (d: string): void => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith(".o") && !p.includes("/invalid/")) files.push(p);
  }
};
walk(dir);
const btf = hostBtfLoader();
const supported = new Set(PROGRAM_TYPES.map((t) => t.name));

function toMap(m: MapSpec): VerifierMap {
  const data = m.contents?.find((c) => c.key === 0)?.value;
  return {
    name: m.name, type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags,
    frozen: m.frozen === true, data: data instanceof Uint8Array ? data : undefined,
    innerMap: m.innerMap ? toMap(m.innerMap) : undefined,
  };
}

const stats = { programs: 0, agree: 0, bothOk: 0, bothRej: 0, sameMsg: 0, oursOnlyRej: 0, oursOnlyOk: 0, skipped: 0 };
const disagreements: string[] = [];
for (const file of files.sort()) {
  let spec;
  try {
    spec = loadObject(new Uint8Array(readFileSync(file)));
  } catch {
    continue;
  }
  for (const p of spec.programs) {
    if (!supported.has(p.type)) {
      stats.skipped++;
      continue;
    }
    let kernelOk: boolean;
    let kernelMsg = "";
    try {
      KernelCollection.load(spec, { programs: [p.name], targetBtf: btf }).close();
      kernelOk = true;
    } catch (e) {
      if (!(e instanceof KernelError) || e.command !== "BPF_PROG_LOAD") {
        stats.skipped++;
        continue;
      }
      kernelOk = false;
      kernelMsg = lastMessage(e.log ?? "");
    }
    let prog = p;
    if (p.coreRelos?.length) {
      const target = btf();
      if (!target) { stats.skipped++; continue; }
      prog = relocateObjectCore({ ...spec, programs: [p] }, target).programs[0]!;
    }
    stats.programs++;
    let r;
    try {
      r = verify({ insns: prog.instructions, progType: p.type, maps: spec.maps.map(toMap), attachType: p.attachType, hasFuncInfo: (p.funcInfo?.length ?? 0) > 0 }, { nrCpus: 2 });
    } catch (e) {
      disagreements.push(`${file} ${p.name}: CRASH ${(e as Error).message}`);
      continue;
    }
    const rel = file.slice(dir.length + 1);
    if (r.ok === kernelOk) {
      stats.agree++;
      if (kernelOk) stats.bothOk++;
      else {
        stats.bothRej++;
        if (r.error?.message === kernelMsg) stats.sameMsg++;
        else disagreements.push(`${rel} ${p.name}: both reject; kernel [${kernelMsg}] ours [${r.error?.message}]`);
      }
    } else if (kernelOk) {
      stats.oursOnlyRej++;
      disagreements.push(`${rel} ${p.name} (${p.type}): kernel accepts, ours rejects at ${r.error?.pc}: ${r.error?.message}`);
    } else {
      stats.oursOnlyOk++;
      disagreements.push(`${rel} ${p.name} (${p.type}): KERNEL REJECTS [${kernelMsg}], ours accepts`);
    }
  }
}
console.log(disagreements.join("\n"));
console.log(JSON.stringify(stats));
