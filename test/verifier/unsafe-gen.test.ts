/**
 * Generated unsafe programs against the kernel: same verdict and, on rejection, the same message.
 * EBPF_GEN_COUNT raises the count (default 60), EBPF_GEN_SEED moves the seeds.
 */
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { verify } from "../../src/verifier/index.js";
import { MAPS } from "./cases.js";
import { kernelAvailable, kernelVerify } from "./oracle.js";
import { generate } from "./unsafe-gen.js";

const count = Number(process.env.EBPF_GEN_COUNT ?? 60);
const base = Number(process.env.EBPF_GEN_SEED ?? 1);

describe.skipIf(!kernelAvailable)("generated unsafe programs agree with the kernel", () => {
  for (let i = 0; i < count; i++) {
    const c = generate(base + i * 7919);
    it(`#${i} ${c.name}`, () => {
      const insns = assemble(c.asm);
      const ours = verify({ insns, progType: c.type, maps: MAPS }, { logLevel: 1, nrCpus: 2 });
      const kernel = kernelVerify(insns, c.type, MAPS, 1);
      expect(ours.ok, `kernel: ${kernel.ok ? "accepts" : kernel.message}; ours: ${ours.error?.message ?? "accepts"}`).toBe(kernel.ok);
      if (!kernel.ok) expect(ours.error?.message).toBe(kernel.message);
    });
  }
});
