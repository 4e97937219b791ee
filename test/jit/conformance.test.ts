import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { conformanceHelpers, parseDataFile } from "../../src/conformance/index.js";
import { decode, type Instruction } from "../../src/isa/index.js";
import { executeJit } from "../../src/jit/index.js";
import { execute } from "../../src/vm/index.js";

/** The bpf_conformance corpus, read in place, run on the JIT and compared with the expected r0. */
const CORPUS = join(import.meta.dirname, "../../../shared/corpus/conformance");
const present = existsSync(CORPUS);
if (!present) console.warn(`conformance corpus not found at ${CORPUS}: JIT corpus tests skipped`);
const files = present ? readdirSync(CORPUS).filter((f) => f.endsWith(".data")).sort() : [];

// The assembler is written in parallel; without it only `-- raw` cases could run.
type Assemble = (text: string, options: { file?: string; dialect?: "ubpf" }) => Instruction[];
let assemble: Assemble | undefined;
try {
  assemble = ((await import("../../src/asm/index.js")) as { assemble: Assemble }).assemble;
} catch {
  console.warn("src/asm is not available: JIT corpus tests skipped");
}

describe.skipIf(!present || !assemble)("bpf_conformance corpus on the JIT", () => {
  it("has cases", () => expect(files.length).toBeGreaterThan(100));
  for (const file of files) {
    it(file, () => {
      const c = parseDataFile(readFileSync(join(CORPUS, file), "utf8"), file);
      const insns = c.raw ? decode(c.raw) : assemble!(c.asm ?? "", { file, dialect: "ubpf" });
      const opts = { memory: c.memory, helpers: conformanceHelpers() };
      if (c.error !== undefined) {
        expect(() => executeJit(insns, opts)).toThrow();
        return;
      }
      const jit = executeJit(insns, opts);
      // The suite's runner compares the low 32 bits of r0; against the interpreter, everything.
      expect(BigInt.asUintN(32, jit.r0)).toBe(BigInt.asUintN(32, c.result!));
      const ref = execute(insns, opts);
      expect(jit).toEqual(ref);
      // Valid programs give the same result without checks, counting exactly…
      expect(executeJit(insns, { ...opts, checked: false, budgetMode: "exact" })).toEqual(ref);
      // …and as verified programs run (no budget: nothing counted).
      expect(executeJit(insns, { ...opts, checked: false })).toEqual({ ...ref, steps: 0 });
    });
  }
});
