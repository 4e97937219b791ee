/**
 * One test run reduced to what the differential tests compare — retval, data_out, ctx_out, or the
 * errno — in the kernel (BPF_PROG_TEST_RUN) and in the interpreter with the base helpers.
 */
import { baseHelpers } from "../../src/helpers/base.js";
import { HelperRegistry } from "../../src/helpers/registry.js";
import type { Instruction } from "../../src/isa/instruction.js";
import { runInKernel } from "../../src/kernel/engine.js";
import { testRun, type TestRunOptions } from "../../src/progtypes/test-run.js";
import { AddressSpace, createImage, Interpreter } from "../../src/vm/index.js";

export type Outcome = { retval: number; dataOut: string; ctxOut?: string } | { errno: string };

export const hex = (b: Uint8Array | undefined): string => (b ? Buffer.from(b).toString("hex") : "");

export function engine(): Interpreter {
  const reg = new HelperRegistry();
  for (const h of baseHelpers({ seed: 1 })) reg.register(h);
  return new Interpreter(new AddressSpace(), reg);
}

export function ours(type: string, insns: Instruction[], o: TestRunOptions): Outcome {
  try {
    const r = testRun(engine(), createImage(insns), type, o);
    const out: Outcome = { retval: r.retval, dataOut: hex(r.dataOut) };
    if (r.ctxOut) out.ctxOut = hex(r.ctxOut);
    return out;
  } catch (e) {
    return { errno: (e as { code: string }).code };
  }
}

export function kernel(type: string, insns: Instruction[], o: TestRunOptions): Outcome {
  try {
    const input: Parameters<typeof runInKernel>[1] = {};
    if (o.dataIn) input.data = o.dataIn;
    if (o.ctxIn) input.ctx = o.ctxIn;
    if (o.flags) input.flags = o.flags;
    const r = runInKernel({ type, instructions: insns }, input);
    const out: Outcome = { retval: r.retval, dataOut: hex(r.dataOut) };
    if (r.ctxOut) out.ctxOut = hex(r.ctxOut);
    return out;
  } catch (e) {
    if ((e as { log?: string }).log) throw e; // a verifier rejection is a bug in the test program
    return { errno: (e as { code: string }).code };
  }
}
