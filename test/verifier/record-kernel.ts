/**
 * Records the kernel's verdicts for the hand-written cases into fixtures/kernel-verdicts.json, so
 * the differential test also runs (against the recording) where bpf(2) is unavailable.
 * Run as root: npx tsx test/verifier/record-kernel.ts
 */
import { writeFileSync } from "node:fs";
import { release } from "node:os";
import { assemble } from "../../src/asm/index.js";
import { CASES, MAPS } from "./cases.js";
import { kernelVerify, tracingTarget } from "./oracle.js";

const out: Record<string, { ok: boolean; message: string }> = {};
for (const c of CASES) {
  const k = kernelVerify(assemble(c.asm), c.type ?? "socket_filter", MAPS, 1, c.attachType, tracingTarget(c)?.attachBtfId, c.funcInfo === true);
  out[c.name] = { ok: k.ok, message: k.message };
}
writeFileSync(new URL("./fixtures/kernel-verdicts.json", import.meta.url), JSON.stringify({ kernel: release(), verdicts: out }, null, 1) + "\n");
console.log(`recorded ${Object.keys(out).length} verdicts from ${release()}`);
