import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assemble, disassemble } from "../../src/asm/index.js";
import { AsmError, EbpfError } from "../../src/errors.js";
import { allForms } from "./forms.js";

function error(text: string, options: Parameters<typeof assemble>[1] = {}): AsmError {
  try {
    assemble(text, options);
  } catch (e) {
    expect(e).toBeInstanceOf(AsmError);
    return e as AsmError;
  }
  throw new Error(`'${text}' assembled without error`);
}

describe("assembly errors name line and column", () => {
  const cases: [string, RegExp, number, number][] = [
    // text, message, line, column
    ["ldxq %r0, [%r1]", /unknown mnemonic 'ldxq'/, 1, 1],
    ["frob r0", /unknown mnemonic 'frob'/, 1, 1],
    ["frob = r0", /unknown instruction 'frob'/, 1, 1],
    ["r0 = 1\nr11 = 2", /invalid register 'r11'/, 2, 1],
    ["or %r0, %r12", /invalid register '%r12'/, 1, 9],
    ["or %r0, %r50", /invalid register '%r50'/, 1, 9],
    ["lddw %r0", /'lddw' takes 2 operands .*found 1/, 1, 9],
    ["exit %r0", /'exit' takes 0 operands/, 1, 6],
    ["lock or [%r10-8]", /'lock' takes 2 operands/, 1, 17],
    ["lock", /'lock' needs an operation/, 1, 5],
    ["mov32 %r0, 2147483648", /immediate 2147483648 does not fit in 32 bits/, 1, 12],
    ["mov32 %r0, 0x100000000", /immediate 0x100000000 does not fit in 32 bits/, 1, 12],
    ["r0 += 0x100000000", /does not fit in 32 bits/, 1, 7],
    ["w0 = 0x100000000", /immediate 0x100000000 does not fit in 32 bits/, 1, 6],
    ["w0 = 1 ll", /64-bit constant needs a 64-bit register/, 1, 1],
    ["ldxb %r0, [%r1+0x10000]", /offset 0x10000 does not fit in 16 bits/, 1, 16],
    ["r0 = *(u8 *)(r1 + 40000)", /offset 40000 does not fit in 16 bits/, 1, 19],
    ["ldxb %r0, %r1", /expected a memory operand/, 1, 11],
    ["ja NOT_A_LABEL\nexit", /undefined label 'NOT_A_LABEL'/, 1, 4],
    ["goto nowhere", /undefined label 'nowhere'/, 1, 6],
    ["a:\nexit\na:\nexit", /duplicate label 'a' \(first defined on line 1\)/, 3, 1],
    ["goto 3", /jump offset needs a sign/, 1, 6],
    ["r0 = (s8)w1", /register width mismatch/, 1, 10],
    ["w1 += r2", /register width mismatch/, 1, 7],
    ["if r1 == w2 goto +1", /register width mismatch/, 1, 10],
    ["r1 = -r2", /negation must name the destination register again/, 1, 7],
    ["if r1 ~ r2 goto +1", /unexpected character '~'/, 1, 7],
    ["if r1 = r2 goto +1", /expected a comparison/, 1, 7],
    ["r0 = *(u128 *)(r1 + 0)", /expected a size/, 1, 8],
    ["lock *(u8 *)(r1 + 0) += r2", /u32 or u64/, 1, 8],
    ["r0 = 1 2", /unexpected '2' after the instruction/, 1, 8],
    ["r0 = 12abc", /invalid number '12abc'/, 1, 6],
    ["call", /expected a call target/, 1, 5],
    ["(b7) r0 = r1", /the line says opcode \(b7\) but the instruction encodes as \(bf\)/, 1, 1],
    ["mov %r0, 1", /bpf_conformance\/ubpf syntax, but the dialect is "kernel"/, 1, 1],
    ["0: (b7) r0 = 0\n2: (95) exit", /no instruction for pc 1/, 2, 1],
    ["0: (b7) r0 = 0\n0: (b7) r0 = 1", /pc 0 already holds a different instruction/, 2, 9],
    ["r0 = 0 ll\n1: exit", /pc 1 is already taken/, 2, 4],
  ];
  for (const [text, message, line, column] of cases) {
    it(JSON.stringify(text), () => {
      const e = error(text, text.startsWith("mov %r0, 1") ? { dialect: "kernel" } : {});
      expect(e.message).toMatch(message);
      expect({ line: e.line, column: e.column }).toEqual({ line, column });
      expect(e.code).toBe("EINVAL");
    });
  }

  it("the file name appears in the message", () => {
    expect(error("bogus", { file: "prog.s" }).message).toBe("prog.s:1:1: unknown mnemonic 'bogus'");
  });

  it("a jump beyond 16 bits says to use gotol", () => {
    const text = "goto far\n" + "r0 = 0\n".repeat(40000) + "far: exit";
    expect(error(text).message).toMatch(/beyond a 16-bit jump offset \(use gotol\)/);
    expect(() => assemble(text.replace("goto far", "gotol far"))).not.toThrow();
  });
});

describe("fuzz: assemble throws nothing but EbpfError", () => {
  const onlyEbpfErrors = (text: string): void => {
    try {
      assemble(text);
    } catch (e) {
      if (!(e instanceof EbpfError)) throw e;
      if (e instanceof AsmError) {
        expect(e.line).toBeGreaterThanOrEqual(1);
        expect(e.column).toBeGreaterThanOrEqual(1);
      }
    }
  };

  it("random strings", () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), onlyEbpfErrors), { numRuns: 1500 });
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 60 }), onlyEbpfErrors), { numRuns: 500 });
  });

  const valid = allForms().flatMap((insn) => (["kernel", "objdump", "ubpf"] as const).map((format) => disassemble([insn], { format, noPc: true }).trim()));
  const pieces = ["r", "w", "%r", "(", ")", "[", "]", "*", "+", "-", ",", ":", "#", "@", " ", "0x", "99999999999", "ll", "goto", "pc", "u64", "s8", "skb", "map", "=", "<", "s", "\t", "\n", "lock", "fetch", "call", "local"];

  it("mutated valid lines", () => {
    const mutated = fc
      .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...pieces)), { minLength: 1, maxLength: 4 }))
      .map(([line, edits]) => {
        let s = line;
        for (const [at, del, piece] of edits) {
          const i = at % (s.length + 1);
          s = s.slice(0, i) + piece + s.slice(i + (del % 3));
        }
        return s;
      });
    fc.assert(fc.property(mutated, onlyEbpfErrors), { numRuns: 3000 });
  });

  it("truncated valid lines", () => {
    for (let k = 0; k < valid.length; k += 3) {
      const line = valid[k]!;
      for (let n = 0; n < line.length; n++) onlyEbpfErrors(line.slice(0, n));
    }
  });
});
