import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecodeError } from "../../src/errors.js";
import { build as b, checkInstruction, decode, encode, ldImm64Value, parseHex, slotOffsets, splitImm64, toHex, validateProgram, type Instruction } from "../../src/isa/index.js";
import * as O from "../../src/isa/opcodes.js";

describe("decode/encode", () => {
  it("round-trips every slot layout in both byte orders", () => {
    const insn = fc.record({
      op: fc.integer({ min: 0, max: 255 }).filter((op) => op !== O.OP_LDDW),
      dst: fc.integer({ min: 0, max: 15 }),
      src: fc.integer({ min: 0, max: 15 }),
      off: fc.integer({ min: -32768, max: 32767 }),
      imm: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    });
    fc.assert(
      fc.property(fc.array(insn, { maxLength: 20 }), fc.boolean(), (insns, bigEndian) => {
        const bytes = encode(insns, { bigEndian });
        expect(decode(bytes, { bigEndian })).toEqual(insns);
        expect(encode(decode(bytes, { bigEndian }), { bigEndian })).toEqual(bytes);
      }),
    );
  });

  it("lays out fields as the kernel does", () => {
    const le = encode([{ op: 0x61, dst: 1, src: 2, off: -4, imm: 0x11223344 }]);
    expect(toHex(le)).toBe("6121fcff44332211");
    const be = encode([{ op: 0x61, dst: 1, src: 2, off: -4, imm: 0x11223344 }], { bigEndian: true });
    expect(toHex(be)).toBe("6112fffc11223344");
  });

  it("keeps lddw as one instruction of two slots", () => {
    const insn = b.ldImm64(3, 0x1122334455667788n);
    const bytes = encode([insn, b.exit()]);
    expect(bytes.length).toBe(24);
    expect(toHex(bytes)).toBe("18030000887766550000000044332211" + "9500000000000000");
    const [d] = decode(bytes);
    expect(ldImm64Value(d!)).toBe(0x1122334455667788n);
    expect(slotOffsets([insn, b.exit()])).toEqual([0, 2, 3]);
    expect(splitImm64(-1n)).toEqual({ imm: -1, imm2: -1 });
  });

  it("rejects truncated bytecode and broken lddw pairs with DecodeError", () => {
    expect(() => decode(new Uint8Array(12))).toThrow(/length 12 is not a multiple of 8/);
    expect(() => decode(parseHex("1800000001000000"))).toThrow(/pc 0: lddw is missing its second half/);
    expect(() => decode(parseHex("18000000010000009500000000000000"))).toThrow(DecodeError);
    expect(() => parseHex("b7 0g")).toThrow(/invalid hex digit 'g'/);
    expect(() => parseHex("b7 0")).toThrow(/odd number/);
  });

  it("parses the hex forms the conformance runner and users write", () => {
    expect([...parseHex("b7  00  01  0x02")]).toEqual([0xb7, 0x00, 0x01, 0x02]);
    expect([...parseHex("b70001\n02")]).toEqual([0xb7, 0x00, 0x01, 0x02]);
  });
});

describe("validation", () => {
  it("accepts every valid form and rejects reserved-field misuse in the kernel's words", () => {
    const ok: Instruction[] = [
      b.mov64Imm(1, 1), b.mov64Reg(1, 2), b.alu64Reg(O.BPF_MOV, 1, 2, 8), b.alu64Reg(O.BPF_MOV, 1, 2, 32), b.alu32Reg(O.BPF_MOV, 1, 2, 16),
      b.alu64Imm(O.BPF_DIV, 1, 3, 1), b.alu32Reg(O.BPF_MOD, 1, 3, 1), b.endian(true, 1, 16), b.endian(false, 1, 64), b.bswap(1, 32),
      { op: O.BPF_ALU64 | O.BPF_NEG, dst: 1, src: 0, off: 0, imm: 0 }, b.ja(0), b.gotol(0), b.jmp32Reg(O.BPF_JSLT, 1, 2, 0),
      b.ldx(O.BPF_DW, 1, 2, 0), b.ldxsx(O.BPF_W, 1, 2, 0), b.st(O.BPF_B, 1, 0, 1), b.stx(O.BPF_H, 1, 2, 0),
      b.atomic(O.BPF_W, O.BPF_ADD, 1, 2, 0), b.atomic(O.BPF_DW, O.BPF_CMPXCHG, 1, 2, 0), b.ldAbs(O.BPF_B, 1), b.ldInd(O.BPF_W, 2, 0),
      b.callHelper(1), b.callLocal(0), b.callKfunc(5, 1), b.exit(), b.ldImm64(1, 5n),
    ];
    for (const insn of ok) expect(checkInstruction(insn), JSON.stringify(insn)).toBeNull();
    const bad: [Instruction, string][] = [
      [{ ...b.mov64Imm(1, 1), src: 1 }, "BPF_MOV uses reserved fields"],
      [{ ...b.mov64Reg(1, 2), imm: 1 }, "BPF_MOV uses reserved fields"],
      [b.alu32Reg(O.BPF_MOV, 1, 2, 32), "BPF_MOV uses reserved fields"],
      [b.alu64Imm(O.BPF_ADD, 1, 1, 1), "BPF_ALU uses reserved fields"],
      [{ ...b.alu64Reg(O.BPF_ADD, 1, 2), imm: 3 }, "BPF_ALU uses reserved fields"],
      [{ op: O.BPF_ALU64 | O.BPF_NEG, dst: 1, src: 0, off: 0, imm: 1 }, "BPF_NEG uses reserved fields"],
      [b.endian(true, 1, 8 as 16), "BPF_END uses reserved fields"],
      [{ ...b.ja(0), imm: 1 }, "BPF_JA uses reserved fields"],
      [{ ...b.exit(), off: 1 }, "BPF_EXIT uses reserved fields"],
      [{ ...b.callHelper(1), dst: 1 }, "BPF_CALL uses reserved fields"],
      [{ ...b.jmpImm(O.BPF_JEQ, 1, 0, 0), src: 1 }, "BPF_JMP/JMP32 uses reserved fields"],
      [{ ...b.ldx(O.BPF_W, 1, 2, 0), imm: 1 }, "BPF_LDX uses reserved fields"],
      [{ ...b.st(O.BPF_W, 1, 0, 0), src: 1 }, "BPF_ST uses reserved fields"],
      [{ ...b.stx(O.BPF_W, 1, 2, 0), imm: 1 }, "BPF_STX uses reserved fields"],
      [b.atomic(O.BPF_B, O.BPF_ADD, 1, 2, 0), "invalid atomic operand size"],
      [b.atomic(O.BPF_DW, 0x33, 1, 2, 0), "BPF_ATOMIC uses invalid atomic opcode 33"],
      [{ op: 0xff, dst: 0, src: 0, off: 0, imm: 0 }, "unknown opcode ff"],
      [{ op: 0x8e, dst: 0, src: 0, off: 0, imm: 0 }, "unknown opcode 8e"],
      [b.mov64Reg(1, 12), "R12 is invalid"],
      [{ ...b.ldImm64(1, 0n), src: 7 }, "unrecognized bpf_ld_imm64 insn"],
      [b.callx(2), "unknown opcode 8d"],
    ];
    for (const [insn, msg] of bad) expect(checkInstruction(insn), JSON.stringify(insn)).toBe(msg);
    expect(checkInstruction(b.callx(2), { allowCallx: true })).toBeNull();
  });

  it("checks targets and the frame pointer across a program", () => {
    expect(() => validateProgram([])).toThrow(/no instructions/);
    expect(() => validateProgram([b.ldImm64(1, 0n), b.ja(-2), b.exit()])).toThrow(/pc 2: jump out of range from insn 2 to 1/);
    expect(() => validateProgram([b.ja(1), b.ldImm64(1, 0n), b.exit()])).toThrow(/pc 0: jump out of range from insn 0 to 2/);
    expect(() => validateProgram([b.callLocal(5), b.exit()])).toThrow(/call out of range/);
    expect(() => validateProgram([b.alu64Imm(O.BPF_ADD, 10, 1), b.exit()])).toThrow(/frame pointer is read only/);
  });
});
