/**
 * Small constructors for instructions, for tests, generators and code that emits programs.
 * Naming follows the kernel's BPF_* macros (BPF_MOV64_IMM → mov64Imm …).
 */
import type { Instruction } from "./instruction.js";
import { splitImm64 } from "./instruction.js";
import * as O from "./opcodes.js";

const I = (op: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ op, dst, src, off, imm });

export const alu64Imm = (aluop: number, dst: number, imm: number, off = 0): Instruction => I(O.BPF_ALU64 | aluop | O.BPF_K, dst, 0, off, imm);
export const alu64Reg = (aluop: number, dst: number, src: number, off = 0): Instruction => I(O.BPF_ALU64 | aluop | O.BPF_X, dst, src, off, 0);
export const alu32Imm = (aluop: number, dst: number, imm: number, off = 0): Instruction => I(O.BPF_ALU | aluop | O.BPF_K, dst, 0, off, imm);
export const alu32Reg = (aluop: number, dst: number, src: number, off = 0): Instruction => I(O.BPF_ALU | aluop | O.BPF_X, dst, src, off, 0);
export const mov64Imm = (dst: number, imm: number): Instruction => alu64Imm(O.BPF_MOV, dst, imm);
export const mov64Reg = (dst: number, src: number): Instruction => alu64Reg(O.BPF_MOV, dst, src);
export const mov32Imm = (dst: number, imm: number): Instruction => alu32Imm(O.BPF_MOV, dst, imm);
export const mov32Reg = (dst: number, src: number): Instruction => alu32Reg(O.BPF_MOV, dst, src);
export const endian = (toBe: boolean, dst: number, bits: 16 | 32 | 64): Instruction => I(O.BPF_ALU | O.BPF_END | (toBe ? O.BPF_TO_BE : O.BPF_TO_LE), dst, 0, 0, bits);
export const bswap = (dst: number, bits: 16 | 32 | 64): Instruction => I(O.BPF_ALU64 | O.BPF_END, dst, 0, 0, bits);
export const ldImm64 = (dst: number, value: bigint, src = 0): Instruction => {
  const { imm, imm2 } = splitImm64(value);
  return { op: O.OP_LDDW, dst, src, off: 0, imm, imm2 };
};
export const ldMapFd = (dst: number, fd: number): Instruction => ({ op: O.OP_LDDW, dst, src: O.BPF_PSEUDO_MAP_FD, off: 0, imm: fd, imm2: 0 });
export const ldx = (size: number, dst: number, src: number, off: number): Instruction => I(O.BPF_LDX | O.BPF_MEM | size, dst, src, off, 0);
export const ldxsx = (size: number, dst: number, src: number, off: number): Instruction => I(O.BPF_LDX | O.BPF_MEMSX | size, dst, src, off, 0);
export const st = (size: number, dst: number, off: number, imm: number): Instruction => I(O.BPF_ST | O.BPF_MEM | size, dst, 0, off, imm);
export const stx = (size: number, dst: number, src: number, off: number): Instruction => I(O.BPF_STX | O.BPF_MEM | size, dst, src, off, 0);
export const atomic = (size: number, atomicOp: number, dst: number, src: number, off: number): Instruction => I(O.BPF_STX | O.BPF_ATOMIC | size, dst, src, off, atomicOp);
export const jmpImm = (jop: number, dst: number, imm: number, off: number): Instruction => I(O.BPF_JMP | jop | O.BPF_K, dst, 0, off, imm);
export const jmpReg = (jop: number, dst: number, src: number, off: number): Instruction => I(O.BPF_JMP | jop | O.BPF_X, dst, src, off, 0);
export const jmp32Imm = (jop: number, dst: number, imm: number, off: number): Instruction => I(O.BPF_JMP32 | jop | O.BPF_K, dst, 0, off, imm);
export const jmp32Reg = (jop: number, dst: number, src: number, off: number): Instruction => I(O.BPF_JMP32 | jop | O.BPF_X, dst, src, off, 0);
export const ja = (off: number): Instruction => I(O.BPF_JMP | O.BPF_JA, 0, 0, off, 0);
export const gotol = (imm: number): Instruction => I(O.BPF_JMP32 | O.BPF_JA, 0, 0, 0, imm);
export const callHelper = (id: number): Instruction => I(O.OP_CALL, 0, 0, 0, id);
export const callLocal = (relative: number): Instruction => I(O.OP_CALL, 0, O.BPF_PSEUDO_CALL, 0, relative);
export const callKfunc = (btfId: number, moduleIdx = 0): Instruction => I(O.OP_CALL, 0, O.BPF_PSEUDO_KFUNC_CALL, moduleIdx, btfId);
export const callx = (reg: number): Instruction => I(O.OP_CALLX, reg, 0, 0, 0);
export const exit = (): Instruction => I(O.OP_EXIT);
export const ldAbs = (size: number, imm: number): Instruction => I(O.BPF_LD | O.BPF_ABS | size, 0, 0, 0, imm);
export const ldInd = (size: number, src: number, imm: number): Instruction => I(O.BPF_LD | O.BPF_IND | size, 0, src, 0, imm);
