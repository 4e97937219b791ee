/** Every instruction form of the ISA with representative field values, for round-trip and differential tests. */
import fc from "fast-check";
import { build as B, checkInstruction, type Instruction } from "../../src/isa/index.js";
import * as O from "../../src/isa/opcodes.js";

const ALU_BINARY = [O.BPF_ADD, O.BPF_SUB, O.BPF_MUL, O.BPF_DIV, O.BPF_OR, O.BPF_AND, O.BPF_LSH, O.BPF_RSH, O.BPF_MOD, O.BPF_XOR, O.BPF_ARSH];
const JMP_COND = [O.BPF_JEQ, O.BPF_JGT, O.BPF_JGE, O.BPF_JSET, O.BPF_JNE, O.BPF_JSGT, O.BPF_JSGE, O.BPF_JLT, O.BPF_JLE, O.BPF_JSLT, O.BPF_JSLE];
const SIZES = [O.BPF_B, O.BPF_H, O.BPF_W, O.BPF_DW];
const ATOMIC = [O.BPF_ADD, O.BPF_AND, O.BPF_OR, O.BPF_XOR];
const IMMS = [0, 1, -1, 7, 10, 11, -11, 0x7fffffff, -0x80000000, 0x1234];
const OFFS = [0, 1, -1, 8, -4, 0x7fff, -0x8000];

/** A table of valid instructions covering every form (each valid under checkInstruction with callx allowed). */
export function allForms(): Instruction[] {
  const out: Instruction[] = [];
  for (const is64 of [true, false]) {
    const imm = is64 ? B.alu64Imm : B.alu32Imm;
    const reg = is64 ? B.alu64Reg : B.alu32Reg;
    for (const op of ALU_BINARY) {
      for (const v of IMMS) out.push(imm(op, 3, v));
      out.push(reg(op, 1, 9));
    }
    for (const op of [O.BPF_DIV, O.BPF_MOD]) {
      out.push(imm(op, 2, -3, 1), reg(op, 2, 3, 1));
    }
    out.push(imm(O.BPF_NEG, 4, 0));
    for (const v of IMMS) out.push(imm(O.BPF_MOV, 5, v));
    out.push(reg(O.BPF_MOV, 0, 10), reg(O.BPF_MOV, 6, 7, 8), reg(O.BPF_MOV, 6, 7, 16));
  }
  out.push(B.alu64Reg(O.BPF_MOV, 6, 7, 32));
  out.push({ ...B.alu64Reg(O.BPF_MOV, 1, 2, O.BPF_ADDR_SPACE_CAST), imm: 1 });
  out.push({ ...B.alu64Reg(O.BPF_MOV, 1, 2, O.BPF_ADDR_SPACE_CAST), imm: 1 << 16 });
  for (const bits of [16, 32, 64] as const) out.push(B.endian(false, 1, bits), B.endian(true, 2, bits), B.bswap(3, bits));
  for (const size of SIZES) {
    for (const off of OFFS) out.push(B.ldx(size, 0, 1, off), B.stx(size, 10, 1, off), B.st(size, 10, off, 7));
    out.push(B.st(size, 1, 2, -1), B.st(size, 1, 2, 0x7fffffff));
    if (size !== O.BPF_DW) out.push(B.ldxsx(size, 2, 3, -2));
    out.push(B.atomic(size, O.BPF_LOAD_ACQ, 0, 1, 8), B.atomic(size, O.BPF_STORE_REL, 1, 2, -8));
  }
  for (const size of [O.BPF_W, O.BPF_DW]) {
    for (const a of ATOMIC) out.push(B.atomic(size, a, 1, 2, 0), B.atomic(size, a | O.BPF_FETCH, 10, 3, -8));
    out.push(B.atomic(size, O.BPF_XCHG, 1, 2, 4), B.atomic(size, O.BPF_CMPXCHG, 1, 2, -4));
  }
  for (const size of [O.BPF_B, O.BPF_H, O.BPF_W]) {
    out.push(B.ldAbs(size, 12), B.ldAbs(size, -1), B.ldInd(size, 1, 4), B.ldInd(size, 7, -4), B.ldInd(size, 3, 0));
  }
  for (const v of [0n, 1n, 0xffffffffn, 0x100000000n, 0x1122334455667788n, 0xffffffffffffffffn, 0x8000000000000000n]) out.push(B.ldImm64(2, v));
  out.push(B.ldMapFd(1, 5), B.ldMapFd(1, -1));
  const lddw = (src: number, imm: number, imm2: number): Instruction => ({ op: O.OP_LDDW, dst: 1, src, off: 0, imm, imm2 });
  out.push(lddw(O.BPF_PSEUDO_MAP_VALUE, 5, 8), lddw(O.BPF_PSEUDO_MAP_VALUE, 7, 0), lddw(O.BPF_PSEUDO_BTF_ID, 100, 0), lddw(O.BPF_PSEUDO_BTF_ID, 100, 3));
  out.push(lddw(O.BPF_PSEUDO_FUNC, 3, 0), lddw(O.BPF_PSEUDO_FUNC, -3, 0), lddw(O.BPF_PSEUDO_MAP_IDX, 2, 0), lddw(O.BPF_PSEUDO_MAP_IDX_VALUE, 2, 16));
  out.push(lddw(O.BPF_PSEUDO_MAP_FD, 5, 9), lddw(O.BPF_PSEUDO_FUNC, 1, 1));
  for (const is32 of [false, true]) {
    for (const op of JMP_COND) {
      for (const v of [0, -1, 15, 0x7fffffff]) out.push((is32 ? B.jmp32Imm : B.jmpImm)(op, 1, v, 3));
      out.push((is32 ? B.jmp32Reg : B.jmpReg)(op, 1, 2, -2));
    }
  }
  for (const off of OFFS) out.push(B.ja(off));
  out.push(B.gotol(70000), B.gotol(-1), B.gotol(0));
  out.push({ op: O.BPF_JMP | O.BPF_JCOND, dst: 0, src: 0, off: 3, imm: 0 });
  out.push(B.callHelper(1), B.callHelper(0), B.callHelper(209), B.callHelper(5000), B.callHelper(-1));
  out.push(B.callLocal(3), B.callLocal(-5), B.callKfunc(77), B.callKfunc(77, 2), B.callx(2), B.exit());
  return out;
}

const reg = fc.integer({ min: 0, max: 10 });
const int16 = fc.oneof(fc.constantFrom(0, 1, -1, 8, 16, 32), fc.integer({ min: -0x8000, max: 0x7fff }));
const int32 = fc.oneof(
  fc.constantFrom(0, 1, -1, 16, 32, 64, 0xe1, 0xf1, 0x100, 0x110, 0x10000, O.BPF_ADD | O.BPF_FETCH),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
);
const VALID_OPS = Array.from({ length: 256 }, (_, op) => op).filter((op) =>
  [0, 1, 2, 8, 16, 32, 0xe1, 0xf1, 0x100, 0x110].some((imm) =>
    [0, 1, 2, 8, 16, 32].some((off) => [0, 1, 2, 4].some((src) => checkInstruction({ op, dst: 0, src, off, imm, imm2: 0 }, { allowCallx: true }) === null)),
  ),
);

/** Random instructions that checkInstruction accepts (callx allowed). */
export const validInstruction: fc.Arbitrary<Instruction> = fc
  .record({
    op: fc.constantFrom(...VALID_OPS),
    dst: reg,
    src: fc.oneof(reg, fc.integer({ min: 0, max: 6 })),
    off: int16,
    imm: int32,
    imm2: int32,
  })
  .map((r) => {
    const insn: Instruction = { op: r.op, dst: r.dst, src: r.src, off: r.off, imm: r.imm };
    if (r.op === O.OP_LDDW) insn.imm2 = r.imm2;
    // Most forms need zero in the fields they do not use; zero them often so the filter keeps enough.
    return insn;
  })
  .chain((insn) =>
    fc.constantFrom(
      insn,
      { ...insn, src: 0 },
      { ...insn, off: 0 },
      { ...insn, imm: 0 },
      { ...insn, src: 0, off: 0 },
      { ...insn, off: 0, imm: 0 },
      { ...insn, dst: 0, off: 0 },
      { ...insn, dst: 0, imm: 0 },
      { ...insn, dst: 0, src: 0, imm: 0 },
      { ...insn, dst: 0, src: 0, off: 0 },
      { ...insn, dst: 0, src: 0, off: 0, imm: 0 },
    ),
  )
  .filter((insn) => checkInstruction(insn, { allowCallx: true }) === null);

/** The encoded fields only (no metadata), for comparisons. */
export function fields(insn: Instruction): Instruction {
  const out: Instruction = { op: insn.op, dst: insn.dst, src: insn.src, off: insn.off, imm: insn.imm };
  if (insn.op === O.OP_LDDW) out.imm2 = insn.imm2 ?? 0;
  return out;
}
