/**
 * llvm-objdump's BPF instruction text (`r0 = 0`, `if r1 > r2 goto +3`, `*(u32 *)(r10 - 4) = r1`,
 * `r1 = 0x1122334455667788 ll`). Immediates are decimal as llvm-objdump prints them by default,
 * except lddw constants, which are hex. Forms LLVM prints ambiguously or not at all use the
 * kernel's spelling (`call pc+3` for a local call, `call kernel-function#7` for a kfunc,
 * `may_goto +3`, `skb[r1 + 4]`) so the text assembles back to the same instruction.
 */
import type { Instruction } from "../isa/instruction.js";
import * as O from "../isa/opcodes.js";
import { ATOMIC_NAMES, ATOMIC_OPS, imm64, ldPseudo, signed, SIZE_S, SIZE_U, targetLabel, wire, type FormatContext } from "./format-common.js";

const ALU_STR: Record<number, string> = {
  [O.BPF_ADD]: "+=",
  [O.BPF_SUB]: "-=",
  [O.BPF_MUL]: "*=",
  [O.BPF_DIV]: "/=",
  [O.BPF_OR]: "|=",
  [O.BPF_AND]: "&=",
  [O.BPF_LSH]: "<<=",
  [O.BPF_RSH]: ">>=",
  [O.BPF_MOD]: "%=",
  [O.BPF_XOR]: "^=",
  [O.BPF_ARSH]: "s>>=",
};

const JMP_STR: Record<number, string> = {
  [O.BPF_JEQ]: "==",
  [O.BPF_JGT]: ">",
  [O.BPF_JGE]: ">=",
  [O.BPF_JSET]: "&",
  [O.BPF_JNE]: "!=",
  [O.BPF_JSGT]: "s>",
  [O.BPF_JSGE]: "s>=",
  [O.BPF_JLT]: "<",
  [O.BPF_JLE]: "<=",
  [O.BPF_JSLT]: "s<",
  [O.BPF_JSLE]: "s<=",
};

const UNKNOWN = "<unknown>";

/** `r1 + 8` / `r10 - 4`, as printMemOperand writes it. */
const addr = (reg: number, off: number): string => (off >= 0 ? `r${reg} + ${off}` : `r${reg} - ${-off}`);

/** One instruction as llvm-objdump prints it (without address and bytes). */
export function formatObjdump(raw: Instruction, pc: number, ctx: FormatContext): string {
  const insn = wire(raw);
  const { op, dst, src, off, imm } = insn;
  const cls = O.cls(op);
  const code = O.aluOp(op);
  const target = (rel: number): string => targetLabel(ctx, insn, pc, rel) ?? signed(rel);
  switch (cls) {
    case O.BPF_ALU:
    case O.BPF_ALU64: {
      const p = cls === O.BPF_ALU ? "w" : "r";
      const isX = O.srcBit(op) === O.BPF_X;
      if (code === O.BPF_END) {
        if (cls === O.BPF_ALU64) return isX ? UNKNOWN : `r${dst} = bswap${imm} r${dst}`;
        return `r${dst} = ${isX ? "be" : "le"}${imm} r${dst}`;
      }
      if (code === O.BPF_NEG) return `${p}${dst} = -${p}${dst}`;
      if (code === O.BPF_MOV) {
        if (!isX) return `${p}${dst} = ${imm}`;
        if (cls === O.BPF_ALU64 && off === O.BPF_ADDR_SPACE_CAST) return `r${dst} = addr_space_cast(r${src}, ${imm >>> 16}, ${imm & 0xffff})`;
        if (cls === O.BPF_ALU64 && off === -1) return `r${dst} = &(void __percpu *)(r${src})`;
        const sx = off === 8 || off === 16 || (off === 32 && cls === O.BPF_ALU64) ? `(s${off})` : off === 0 ? "" : undefined;
        return sx === undefined ? UNKNOWN : `${p}${dst} = ${sx}${p}${src}`;
      }
      let opStr = ALU_STR[code];
      if (off === 1 && (code === O.BPF_DIV || code === O.BPF_MOD)) opStr = code === O.BPF_DIV ? "s/=" : "s%=";
      else if (off !== 0) return UNKNOWN;
      if (opStr === undefined) return UNKNOWN;
      return isX ? `${p}${dst} ${opStr} ${p}${src}` : `${p}${dst} ${opStr} ${imm}`;
    }
    case O.BPF_LDX: {
      const m = O.mode(op);
      const size = m === O.BPF_MEM ? SIZE_U[O.size(op)] : m === O.BPF_MEMSX ? SIZE_S[O.size(op)] : undefined;
      return size === undefined ? UNKNOWN : `r${dst} = *(${size} *)(${addr(src, off)})`;
    }
    case O.BPF_ST:
      if (O.mode(op) === O.BPF_MEM) return `*(${SIZE_U[O.size(op)]} *)(${addr(dst, off)}) = ${imm}`;
      return O.mode(op) === 0xc0 ? "nospec" : UNKNOWN;
    case O.BPF_STX: {
      const size = SIZE_U[O.size(op)]!;
      const m = O.mode(op);
      if (m === O.BPF_MEM) return `*(${size} *)(${addr(dst, off)}) = r${src}`;
      if (m !== O.BPF_ATOMIC) return UNKNOWN;
      const is64 = O.size(op) === O.BPF_DW;
      // LLVM types 32-bit atomics on w registers (its alu32 view), and only has u32/u64 ones.
      const p = is64 ? "r" : "w";
      if (imm === O.BPF_LOAD_ACQ) return `${is64 ? "r" : "w"}${dst} = load_acquire((${size} *)(${addr(src, off)}))`;
      if (imm === O.BPF_STORE_REL) return `store_release((${size} *)(${addr(dst, off)}), ${p}${src})`;
      if (!is64 && O.size(op) !== O.BPF_W) return UNKNOWN;
      const name = ATOMIC_NAMES[imm & ~O.BPF_FETCH];
      if (name && (imm & O.BPF_FETCH) === 0) return `lock *(${size} *)(${addr(dst, off)}) ${ATOMIC_OPS[name]} ${p}${src}`;
      if (name) return `${p}${src} = atomic_fetch_${name}((${size} *)(${addr(dst, off)}), ${p}${src})`;
      if (imm === O.BPF_XCHG) return is64 ? `r${src} = xchg_64(${addr(dst, off)}, r${src})` : `w${src} = xchg32_32(${addr(dst, off)}, w${src})`;
      if (imm === O.BPF_CMPXCHG) {
        return is64 ? `r0 = cmpxchg_64(${addr(dst, off)}, r0, r${src})` : `w0 = cmpxchg32_32(${addr(dst, off)}, w0, w${src})`;
      }
      return UNKNOWN;
    }
    case O.BPF_LD: {
      const m = O.mode(op);
      const size = SIZE_U[O.size(op)];
      if (m === O.BPF_ABS && O.size(op) !== O.BPF_DW) return `r0 = *(${size} *)skb[${imm}]`;
      if (m === O.BPF_IND && O.size(op) !== O.BPF_DW) {
        return `r0 = *(${size} *)skb[r${src}${imm === 0 ? "" : imm > 0 ? ` + ${imm}` : ` - ${-imm}`}]`;
      }
      if (op !== O.OP_LDDW) return UNKNOWN;
      const custom = ctx.symbolize?.(insn, pc);
      if (custom !== undefined) return `r${dst} = ${custom} ll`;
      if (src === 0) return `r${dst} = 0x${imm64(insn).toString(16)} ll`;
      return ldPseudo(insn);
    }
    default: {
      // BPF_JMP and BPF_JMP32
      const is32 = cls === O.BPF_JMP32;
      if (op === O.OP_CALL) {
        if (src === O.BPF_PSEUDO_CALL) {
          const label = targetLabel(ctx, insn, pc, imm);
          return label !== undefined ? `call ${label}` : `call pc${signed(imm)}`;
        }
        if (src === O.BPF_PSEUDO_KFUNC_CALL) {
          return `call ${ctx.symbolize?.(insn, pc) ?? "kernel-function"}#${imm}${off !== 0 ? `@${off}` : ""}`;
        }
        const name = ctx.symbolize?.(insn, pc);
        if (name !== undefined) return `call ${name}`;
        return src === 0 ? `call ${imm}` : UNKNOWN;
      }
      if (op === O.OP_CALLX) return `callx r${dst}`;
      if (op === O.OP_EXIT) return "exit";
      if (op === (O.BPF_JMP | O.BPF_JA)) return `goto ${target(off)}`;
      if (op === (O.BPF_JMP32 | O.BPF_JA)) return `gotol ${target(imm)}`;
      if (op === (O.BPF_JMP | O.BPF_JA | O.BPF_X)) return `gotox r${dst}`;
      if (op === (O.BPF_JMP | O.BPF_JCOND)) return src === 0 ? `may_goto ${target(off)}` : UNKNOWN;
      const cmp = JMP_STR[code];
      if (cmp === undefined) return UNKNOWN;
      const p = is32 ? "w" : "r";
      const rhs = O.srcBit(op) === O.BPF_X ? `${p}${src}` : `${imm}`;
      return `if ${p}${dst} ${cmp} ${rhs} goto ${target(off)}`;
    }
  }
}
