import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { conformanceHelpers, parseDataFile } from "../../src/conformance/index.js";
import { decode } from "../../src/isa/index.js";
import { execute } from "../../src/vm/index.js";

/** The bpf_conformance corpus, read in place (never copied into the repository). */
export const CORPUS = join(import.meta.dirname, "../../../shared/corpus/conformance");
const present = existsSync(CORPUS);
if (!present) console.warn(`conformance corpus not found at ${CORPUS}: corpus tests skipped`);
const files = present ? readdirSync(CORPUS).filter((f) => f.endsWith(".data")).sort() : [];

describe.skipIf(!present)("bpf_conformance corpus through the assembler and interpreter", () => {
  it("has cases", () => expect(files.length).toBeGreaterThan(100));
  for (const file of files) {
    it(file, () => {
      const c = parseDataFile(readFileSync(join(CORPUS, file), "utf8"), file);
      const insns = c.raw ? decode(c.raw) : assemble(c.asm ?? "", { file, dialect: "ubpf" });
      const run = () => execute(insns, { memory: c.memory, helpers: conformanceHelpers() });
      if (c.error !== undefined) {
        expect(run).toThrow();
        return;
      }
      // The suite's runner compares the low 32 bits of r0.
      expect(BigInt.asUintN(32, run().r0)).toBe(BigInt.asUintN(32, c.result!));
    });
  }
});
