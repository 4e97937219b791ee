/** Pieces shared by the three text formats. */
import type { Instruction } from "../isa/instruction.js";
import * as O from "../isa/opcodes.js";

/** Called for an instruction that names something (call target, jump target, lddw value); see DisassembleOptions. */
export type Symbolizer = (insn: Instruction, pc: number) => string | undefined;

export interface FormatContext {
  symbolize?: Symbolizer | undefined;
  /** Label names by pc, used for jump and local-call targets when the caller asked for labels. */
  labels?: ReadonlyMap<number, string> | undefined;
}

export const SIZE_U: Record<number, string> = { [O.BPF_W]: "u32", [O.BPF_H]: "u16", [O.BPF_B]: "u8", [O.BPF_DW]: "u64" };
export const SIZE_S: Record<number, string> = { [O.BPF_W]: "s32", [O.BPF_H]: "s16", [O.BPF_B]: "s8" };

export const hex2 = (v: number): string => (v & 0xff).toString(16).padStart(2, "0");

/** C's `%+d`. */
export const signed = (v: number): string => (v >= 0 ? `+${v}` : `${v}`);

/** The instruction's fields reduced to their wire widths, so formatting never sees out-of-range values. */
export function wire(insn: Instruction): Instruction {
  return {
    op: insn.op & 0xff,
    dst: insn.dst & 0xf,
    src: insn.src & 0xf,
    off: (insn.off << 16) >> 16,
    imm: insn.imm | 0,
    imm2: (insn.imm2 ?? 0) | 0,
  };
}

/** The 64-bit constant of an lddw as an unsigned BigInt. */
export function imm64(insn: Instruction): bigint {
  return (BigInt((insn.imm2 ?? 0) >>> 0) << 32n) | BigInt(insn.imm >>> 0);
}

export type Atomic = "add" | "and" | "or" | "xor";
export const ATOMIC_NAMES: Record<number, Atomic> = { [O.BPF_ADD]: "add", [O.BPF_AND]: "and", [O.BPF_OR]: "or", [O.BPF_XOR]: "xor" };
export const ATOMIC_OPS: Record<Atomic, string> = { add: "+=", and: "&=", or: "|=", xor: "^=" };

/** The label for a branch from `pc` landing `rel` slots after the next instruction, if one is known. */
export function targetLabel(ctx: FormatContext, insn: Instruction, pc: number, rel: number): string | undefined {
  return ctx.symbolize?.(insn, pc) ?? ctx.labels?.get(pc + 1 + rel);
}

/**
 * lddw forms that bpftool prints by name (`map[id:5]`, `map[id:5][0]+8`, `map[idx:5]`,
 * `map[idx:5]+8`, `subprog[+3]`); undefined when the form has no such name (or would lose imm2).
 */
export function pseudoName(insn: Instruction, ctx: FormatContext, pc: number): string | undefined {
  const imm = insn.imm >>> 0;
  const imm2 = (insn.imm2 ?? 0) >>> 0;
  switch (insn.src) {
    case O.BPF_PSEUDO_MAP_FD:
      return imm2 === 0 ? `map[id:${imm}]` : undefined;
    case O.BPF_PSEUDO_MAP_VALUE:
      return `map[id:${imm}][0]+${imm2}`;
    case O.BPF_PSEUDO_MAP_IDX:
      return imm2 === 0 ? `map[idx:${imm}]` : undefined;
    case O.BPF_PSEUDO_MAP_IDX_VALUE:
      return `map[idx:${imm}]+${imm2}`;
    case O.BPF_PSEUDO_FUNC: {
      if (imm2 !== 0) return undefined;
      const label = ctx.labels?.get(pc + 1 + insn.imm);
      return `subprog[${label ?? signed(insn.imm)}]`;
    }
  }
  return undefined;
}

/** LLVM's lossless spelling of any lddw with a pseudo source: `ld_pseudo r1, 2, 5`. */
export function ldPseudo(insn: Instruction): string {
  const v = imm64(insn);
  return `ld_pseudo r${insn.dst}, ${insn.src}, ${(insn.imm2 ?? 0) === 0 ? v.toString() : "0x" + v.toString(16)}`;
}
