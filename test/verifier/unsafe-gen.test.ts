/**
 * Generated unsafe programs against the kernel: same verdict and, on rejection, the same message.
 * The kinds of unsafe-gen.ts take turns, so every kind runs. EBPF_GEN_COUNT raises the count
 * (default 100), EBPF_GEN_SEED moves the seeds. For thousands of programs with a mismatch table,
 * run test/verifier/unsafe-run.ts instead.
 */
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { verify } from "../../src/verifier/index.js";
import { MAPS } from "./cases.js";
import { kernelAvailable, kernelVerify } from "./oracle.js";
import { generateKind, KIND_NAMES } from "./unsafe-gen.js";

const count = Number(process.env.EBPF_GEN_COUNT ?? 100);
const base = Number(process.env.EBPF_GEN_SEED ?? 1);

describe.skipIf(!kernelAvailable)("generated unsafe programs agree with the kernel", () => {
  for (let i = 0; i < count; i++) {
    const c = generateKind(i % KIND_NAMES.length, base + i * 7919);
    it(`#${i} ${c.kind}: ${c.name}`, () => {
      const insns = assemble(c.asm);
      const funcInfo = c.funcInfo === true;
      const ours = verify({ insns, progType: c.type, maps: MAPS, hasFuncInfo: funcInfo, ...(c.attachType ? { attachType: c.attachType } : {}) }, { logLevel: 1, nrCpus: 2 });
      const kernel = kernelVerify(insns, c.type, MAPS, 1, c.attachType, undefined, funcInfo);
      expect(ours.ok, `kernel: ${kernel.ok ? "accepts" : kernel.message}; ours: ${ours.error?.message ?? "accepts"}`).toBe(kernel.ok);
      if (!kernel.ok) expect(ours.error?.message).toBe(kernel.message);
    });
  }
});
