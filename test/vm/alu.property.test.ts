import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { build as b, checkInstruction, type Instruction } from "../../src/isa/index.js";
import { execute } from "../../src/vm/index.js";
import { refAlu, refJmp } from "./reference.js";

const EDGE = [0n, 1n, 2n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n,
  0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0xfffffffffffffffen, 0x123456789abcdef0n, 0xffffffff80000000n];
const EDGE_IMM = [0, 1, -1, 2, 31, 32, 63, 64, 0x7fffffff, -0x80000000, 0xff, -2, 7, 16];

const value = fc.oneof(fc.constantFrom(...EDGE), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));
const imm = fc.oneof(fc.constantFrom(...EDGE_IMM), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
const reg = fc.integer({ min: 0, max: 9 });

const aluInsn: fc.Arbitrary<Instruction> = fc
  .record({
    cls: fc.constantFrom(4, 7),
    code: fc.constantFrom(0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0),
    x: fc.boolean(),
    dst: reg,
    src: reg,
    imm,
    off: fc.constantFrom(0, 1, 8, 16, 32),
    bits: fc.constantFrom(16, 32, 64),
  })
  .map(({ cls, code, x, dst, src, imm, off, bits }) => {
    let insn: Instruction;
    if (code === 0x80) insn = { op: cls | code, dst, src: 0, off: 0, imm: 0 };
    else if (code === 0xd0) insn = { op: cls | code | (cls === 4 && x ? 8 : 0), dst, src: 0, off: 0, imm: bits };
    else if (code === 0xb0) insn = { op: cls | code | (x ? 8 : 0), dst, src: x ? src : 0, off: x && (off !== 1 && (off !== 32 || cls === 7)) ? off : 0, imm: x ? 0 : imm };
    else if (code === 0x30 || code === 0x90) insn = { op: cls | code | (x ? 8 : 0), dst, src: x ? src : 0, off: off === 1 ? 1 : 0, imm: x ? 0 : imm };
    else insn = { op: cls | code | (x ? 8 : 0), dst, src: x ? src : 0, off: 0, imm: x ? 0 : imm };
    return insn;
  })
  .filter((i) => checkInstruction(i) === null);

function run(init: bigint[], body: Instruction[]): bigint {
  const prologue = init.map((v, r) => b.ldImm64(r, v));
  // Fold every register into r0 so a wrong value anywhere shows.
  const fold: Instruction[] = [];
  for (let r = 1; r <= 9; r++) {
    fold.push(b.alu64Imm(0x20, 0, 31)); // r0 *= 31
    fold.push(b.alu64Reg(0xa0, 0, r)); // r0 ^= rN
  }
  return execute([...prologue, ...body, ...fold, b.exit()]).r0;
}

function ref(init: bigint[], body: Instruction[]): bigint {
  const regs = [...init];
  let i = 0;
  while (i < body.length) {
    const insn = body[i]!;
    const c = insn.op & 7;
    if (c === 5 || c === 6) {
      i += 1 + (refJmp(insn, regs) ? insn.off : 0);
      continue;
    }
    refAlu(insn, regs);
    i++;
  }
  let r0 = regs[0]!;
  for (let r = 1; r <= 9; r++) r0 = BigInt.asUintN(64, BigInt.asUintN(64, r0 * 31n) ^ regs[r]!);
  return r0;
}

describe("interpreter ALU and JMP against a BigInt reference", () => {
  it("random ALU sequences", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 10, maxLength: 10 }), fc.array(aluInsn, { minLength: 1, maxLength: 12 }), (init, body) => {
        expect(run(init, body)).toBe(ref(init, body));
      }),
      { numRuns: 3000 },
    );
  });

  it("random conditional jumps over ALU instructions", () => {
    const jmp = fc
      .record({ cls: fc.constantFrom(5, 6), code: fc.constantFrom(0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0), x: fc.boolean(), dst: reg, src: reg, imm })
      .map(({ cls, code, x, dst, src, imm }) => ({ op: cls | code | (x ? 8 : 0), dst, src: x ? src : 0, off: 1, imm: x ? 0 : imm }) as Instruction);
    fc.assert(
      fc.property(fc.array(value, { minLength: 10, maxLength: 10 }), fc.array(fc.tuple(jmp, aluInsn)), (init, pairs) => {
        const body = pairs.flat();
        expect(run(init, body)).toBe(ref(init, body));
      }),
      { numRuns: 2000 },
    );
  });
});
