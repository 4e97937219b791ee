/**
 * The bpf_conformance/ubpf dialect (`mov %r0, 1`, `ldxw %r0, [%r1+4]`, `jne %r0, 15, +3`,
 * `lock fetch add32 [%r10-8], %r1`, `call local +3`). Immediates are printed as bpf_conformance's
 * disassembler does (small and negative values in decimal, the rest in hex). Instructions the
 * dialect has no mnemonic for (pseudo lddw, may_goto, addr_space_cast, load_acquire,
 * store_release, gotox) fall back to the kernel/LLVM spelling, which the assembler also reads.
 */
import type { Instruction } from "../isa/instruction.js";
import * as O from "../isa/opcodes.js";
import { ATOMIC_NAMES, imm64, targetLabel, wire, type FormatContext } from "./format-common.js";
import { formatObjdump } from "./format-objdump.js";

const ALU_NAMES: Record<number, string> = {
  [O.BPF_ADD]: "add",
  [O.BPF_SUB]: "sub",
  [O.BPF_MUL]: "mul",
  [O.BPF_DIV]: "div",
  [O.BPF_OR]: "or",
  [O.BPF_AND]: "and",
  [O.BPF_LSH]: "lsh",
  [O.BPF_RSH]: "rsh",
  [O.BPF_MOD]: "mod",
  [O.BPF_XOR]: "xor",
  [O.BPF_MOV]: "mov",
  [O.BPF_ARSH]: "arsh",
};

const JMP_NAMES: Record<number, string> = {
  [O.BPF_JEQ]: "jeq",
  [O.BPF_JGT]: "jgt",
  [O.BPF_JGE]: "jge",
  [O.BPF_JSET]: "jset",
  [O.BPF_JNE]: "jne",
  [O.BPF_JSGT]: "jsgt",
  [O.BPF_JSGE]: "jsge",
  [O.BPF_JLT]: "jlt",
  [O.BPF_JLE]: "jle",
  [O.BPF_JSLT]: "jslt",
  [O.BPF_JSLE]: "jsle",
};

const SIZE_SUFFIX: Record<number, string> = { [O.BPF_B]: "b", [O.BPF_H]: "h", [O.BPF_W]: "w", [O.BPF_DW]: "dw" };

/** bpf_conformance's immediate style: decimal for negatives and -10..10, hex otherwise. */
export function ubpfImm(imm: number): string {
  if ((imm < 0 && imm !== -0x80000000) || (imm >= -10 && imm <= 10)) return String(imm);
  return "0x" + (imm >>> 0).toString(16);
}

const reg = (n: number): string => `%r${n}`;
const memOp = (r: number, off: number): string => (off === 0 ? `[%r${r}]` : `[%r${r}${off > 0 ? "+" : ""}${off}]`);
const rel = (v: number): string => (v >= 0 ? `+${v}` : `${v}`);

/** One instruction in the ubpf dialect. */
export function formatUbpf(raw: Instruction, pc: number, ctx: FormatContext): string {
  const insn = wire(raw);
  const { op, dst, src, off, imm } = insn;
  const cls = O.cls(op);
  const code = O.aluOp(op);
  const fallback = (): string => formatObjdump(insn, pc, ctx);
  const target = (v: number): string => targetLabel(ctx, insn, pc, v) ?? rel(v);
  switch (cls) {
    case O.BPF_ALU:
    case O.BPF_ALU64: {
      const is64 = cls === O.BPF_ALU64;
      const sfx = is64 ? "" : "32";
      const isX = O.srcBit(op) === O.BPF_X;
      if (code === O.BPF_END) {
        if (is64) return isX ? fallback() : `bswap${imm} ${reg(dst)}`;
        return `${isX ? "be" : "le"}${imm} ${reg(dst)}`;
      }
      if (code === O.BPF_NEG) return `neg${sfx} ${reg(dst)}`;
      if (code === O.BPF_MOV && isX && off !== 0) {
        if (off === 8 || off === 16 || (off === 32 && is64)) return `movsx${off}${is64 ? "64" : "32"} ${reg(dst)}, ${reg(src)}`;
        return fallback();
      }
      let name = ALU_NAMES[code];
      if (off === 1 && (code === O.BPF_DIV || code === O.BPF_MOD)) name = code === O.BPF_DIV ? "sdiv" : "smod";
      else if (off !== 0 && code !== O.BPF_MOV) return fallback();
      if (name === undefined) return fallback();
      return `${name}${sfx} ${reg(dst)}, ${isX ? reg(src) : ubpfImm(imm)}`;
    }
    case O.BPF_LDX: {
      const m = O.mode(op);
      if (m !== O.BPF_MEM && !(m === O.BPF_MEMSX && O.size(op) !== O.BPF_DW)) return fallback();
      return `ldx${m === O.BPF_MEMSX ? "s" : ""}${SIZE_SUFFIX[O.size(op)]} ${reg(dst)}, ${memOp(src, off)}`;
    }
    case O.BPF_ST:
      if (O.mode(op) !== O.BPF_MEM) return fallback();
      return `st${SIZE_SUFFIX[O.size(op)]} ${memOp(dst, off)}, ${ubpfImm(imm)}`;
    case O.BPF_STX: {
      const m = O.mode(op);
      if (m === O.BPF_MEM) return `stx${SIZE_SUFFIX[O.size(op)]} ${memOp(dst, off)}, ${reg(src)}`;
      const sz = O.size(op);
      if (m !== O.BPF_ATOMIC || (sz !== O.BPF_W && sz !== O.BPF_DW)) return fallback();
      const w = sz === O.BPF_W ? "32" : "";
      const operands = `${memOp(dst, off)}, ${reg(src)}`;
      if (imm === O.BPF_XCHG) return `lock xchg${w} ${operands}`;
      if (imm === O.BPF_CMPXCHG) return `lock cmpxchg${w} ${operands}`;
      const name = ATOMIC_NAMES[imm & ~O.BPF_FETCH];
      if (!name) return fallback();
      return `lock ${imm & O.BPF_FETCH ? "fetch " : ""}${name}${w} ${operands}`;
    }
    case O.BPF_LD: {
      const m = O.mode(op);
      const sz = O.size(op);
      if (m === O.BPF_ABS && sz !== O.BPF_DW) return `ldabs${SIZE_SUFFIX[sz]} ${ubpfImm(imm)}`;
      if (m === O.BPF_IND && sz !== O.BPF_DW) return `ldind${SIZE_SUFFIX[sz]} ${reg(src)}, ${ubpfImm(imm)}`;
      if (op === O.OP_LDDW && src === 0 && ctx.symbolize?.(insn, pc) === undefined) return `lddw ${reg(dst)}, 0x${imm64(insn).toString(16)}`;
      return fallback();
    }
    default: {
      const is32 = cls === O.BPF_JMP32;
      if (op === O.OP_EXIT) return "exit";
      if (op === O.OP_CALLX) return `call ${reg(dst)}`;
      if (op === O.OP_CALL) {
        const name = ctx.symbolize?.(insn, pc);
        if (src === O.BPF_PSEUDO_CALL) return `call local ${targetLabel(ctx, insn, pc, imm) ?? rel(imm)}`;
        if (src === O.BPF_PSEUDO_KFUNC_CALL && name === undefined) return `call runtime ${ubpfImm(imm)}${off !== 0 ? `@${off}` : ""}`;
        if (src === 0 && name === undefined) return `call ${ubpfImm(imm)}`;
        return fallback();
      }
      if (op === (O.BPF_JMP | O.BPF_JA)) return `ja ${target(off)}`;
      if (op === (O.BPF_JMP32 | O.BPF_JA)) return `ja32 ${target(imm)}`;
      const name = JMP_NAMES[code];
      if (name === undefined) return fallback();
      return `${name}${is32 ? "32" : ""} ${reg(dst)}, ${O.srcBit(op) === O.BPF_X ? reg(src) : ubpfImm(imm)}, ${target(off)}`;
    }
  }
}
