import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assemble, disassemble, type DisasmFormat } from "../../src/asm/index.js";
import { checkInstruction, encode, toHex, type Instruction } from "../../src/isa/index.js";
import { allForms, fields, validInstruction } from "./forms.js";

const FORMATS: DisasmFormat[] = ["kernel", "objdump", "ubpf"];

function roundTrip(insns: Instruction[], format: DisasmFormat, extra: Parameters<typeof disassemble>[1] = {}): Instruction[] {
  const text = disassemble(insns, { format, ...extra });
  try {
    return assemble(text).map(fields);
  } catch (e) {
    throw new Error(`${format}: cannot reassemble:\n${text}\n${String(e)}`);
  }
}

describe("round trip assemble(disassemble(x)) == x", () => {
  const forms = allForms();

  it("covers only valid instructions", () => {
    for (const insn of forms) expect(checkInstruction(insn, { allowCallx: true }), JSON.stringify(insn)).toBeNull();
    expect(forms.length).toBeGreaterThan(400);
  });

  for (const format of FORMATS) {
    it(`every form, ${format} format`, () => {
      for (const insn of forms) {
        const text = disassemble([insn], { format });
        let back: Instruction[];
        try {
          back = assemble(text).map(fields);
        } catch (e) {
          throw new Error(`${toHex(encode([insn]), " ")}: '${text.trim()}': ${String(e)}`);
        }
        expect(back, `${toHex(encode([insn]), " ")}: '${text.trim()}'`).toEqual([fields(insn)]);
      }
    });

    it(`the whole table as one program, ${format} format, with pcs and opcodes`, () => {
      expect(roundTrip(forms, format, { opcodes: true })).toEqual(forms.map(fields));
      if (format === "kernel") expect(roundTrip(forms, format, { xlated: true, opcodes: true })).toEqual(forms.map(fields));
      else expect(roundTrip(forms, format, { labels: true })).toEqual(forms.map(fields));
    });

    it(`random valid instructions, ${format} format`, () => {
      fc.assert(
        fc.property(fc.array(validInstruction, { minLength: 1, maxLength: 8 }), (insns) => {
          expect(roundTrip(insns, format)).toEqual(insns.map(fields));
        }),
        { numRuns: 1500 },
      );
    });
  }
});
