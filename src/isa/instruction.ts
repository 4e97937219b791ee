import { OP_LDDW } from "./opcodes.js";

/** Where an instruction came from in the source, from BTF line_info or an assembly file. */
export interface SourceLocation {
  file?: string;
  line: number;
  column?: number;
  text?: string;
}

/**
 * Data that travels with an instruction through loading and relocation but is never encoded.
 * cilium/ebpf keeps the same kind of metadata on its asm.Instruction.
 */
export interface InstructionMeta {
  /** This instruction starts the function or label of this name. */
  symbol?: string;
  /** This instruction refers to a symbol (a map, a function, a global) that must be resolved. */
  reference?: string;
  source?: SourceLocation;
}

/**
 * One eBPF instruction as plain, serialisable data. `lddw` is a single Instruction that occupies
 * two 8-byte slots: `imm` is the low half of its constant (first slot), `imm2` the second slot's imm.
 * Jump and call offsets count slots, as the kernel does.
 */
export interface Instruction {
  /** The opcode byte. */
  op: number;
  /** Destination register, 0–15 on the wire (0–10 valid). */
  dst: number;
  /** Source register, or the pseudo kind of lddw/call. */
  src: number;
  /** Signed 16-bit offset. */
  off: number;
  /** Signed 32-bit immediate. */
  imm: number;
  /** Signed 32-bit imm of lddw's second slot; present only on lddw. */
  imm2?: number;
  meta?: InstructionMeta;
}

export function isLdImm64(insn: Pick<Instruction, "op">): boolean {
  return insn.op === OP_LDDW;
}

/** Number of 8-byte slots an instruction occupies. */
export function slotCount(insn: Pick<Instruction, "op">): 1 | 2 {
  return insn.op === OP_LDDW ? 2 : 1;
}

/** The slot index (pc) of each instruction, plus the total slot count as the last element. */
export function slotOffsets(insns: readonly Instruction[]): number[] {
  const out = new Array<number>(insns.length + 1);
  let pc = 0;
  for (let i = 0; i < insns.length; i++) {
    out[i] = pc;
    pc += slotCount(insns[i]!);
  }
  out[insns.length] = pc;
  return out;
}

/** The 64-bit constant of an lddw, as an unsigned BigInt. */
export function ldImm64Value(insn: Instruction): bigint {
  return (BigInt(insn.imm2 ?? 0) << 32n) | BigInt(insn.imm >>> 0);
}

/** Splits a 64-bit value into lddw's imm (low) and imm2 (high), both as signed 32-bit numbers. */
export function splitImm64(value: bigint): { imm: number; imm2: number } {
  const v = BigInt.asUintN(64, value);
  return { imm: Number(BigInt.asIntN(32, v)), imm2: Number(BigInt.asIntN(32, v >> 32n)) };
}
