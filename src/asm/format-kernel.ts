/**
 * The kernel's instruction text, as `print_bpf_insn` (kernel/bpf/disasm.c) writes it into the
 * verifier log and bpftool into `prog dump xlated`: `(b7) r0 = 0`. Spacing, signs and the
 * decimal/hex choice of each field follow disasm.c. Where the kernel text loses information
 * (pseudo lddw, callx, kfunc module offsets) the bpftool or documented extension forms are used
 * so the text assembles back to the same instruction.
 */
import type { Instruction } from "../isa/instruction.js";
import * as O from "../isa/opcodes.js";
import { kernelHelperName } from "./kernel-parser.js";
import { ATOMIC_NAMES, ATOMIC_OPS, hex2, ldPseudo, pseudoName, signed, SIZE_S, SIZE_U, wire, type FormatContext } from "./format-common.js";

// disasm.c's operator tables; a missing entry prints as "(null)", as printf does for a NULL %s.
const ALU_STR = ["+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian"];
const JMP_STR = ["jmp", "==", ">", ">=", "&", "!=", "s>", "s>=", "call", "exit", "<", "<=", "s<", "s<="];
const MOVSX_STR: Record<number, string> = { 8: "(s8)", 16: "(s16)", 32: "(s32)" };

const str = (table: readonly string[], i: number): string => table[i] ?? "(null)";

/** One instruction in kernel format, with the `(op) ` prefix and without the pc. */
export function formatKernel(raw: Instruction, pc: number, ctx: FormatContext): string {
  const insn = wire(raw);
  return `(${hex2(insn.op)}) ${kernelBody(insn, pc, ctx)}`;
}

function kernelBody(insn: Instruction, pc: number, ctx: FormatContext): string {
  const { op, dst, src, off, imm } = insn;
  const cls = O.cls(op);
  const code = O.aluOp(op);
  const mem = (reg: number): string => `(r${reg} ${signed(off)})`;
  switch (cls) {
    case O.BPF_ALU:
    case O.BPF_ALU64: {
      const p = cls === O.BPF_ALU ? "w" : "r";
      if (code === O.BPF_END) {
        if (cls === O.BPF_ALU64) return `r${dst} = bswap${imm} r${dst}`;
        return `r${dst} = ${O.srcBit(op) === O.BPF_TO_BE ? "be" : "le"}${imm} r${dst}`;
      }
      if (code === O.BPF_NEG) return `${p}${dst} = -${p}${dst}`;
      if (op === (O.BPF_ALU64 | O.BPF_MOV | O.BPF_X) && off === O.BPF_ADDR_SPACE_CAST) {
        return `r${dst} = addr_space_cast(r${src}, ${imm >>> 16}, ${imm & 0xffff})`;
      }
      if (op === (O.BPF_ALU64 | O.BPF_MOV | O.BPF_X) && off === -1) return `r${dst} = &(void __percpu *)(r${src})`;
      const sdivSmod = (code === O.BPF_DIV || code === O.BPF_MOD) && off === 1;
      const opStr = sdivSmod ? (code === O.BPF_DIV ? "s/=" : "s%=") : str(ALU_STR, code >> 4);
      if (O.srcBit(op) === O.BPF_X) {
        const sx = code === O.BPF_MOV ? (MOVSX_STR[off] ?? "") : "";
        return `${p}${dst} ${opStr} ${sx}${p}${src}`;
      }
      return `${p}${dst} ${opStr} ${imm}`;
    }
    case O.BPF_STX: {
      const size = SIZE_U[O.size(op)]!;
      const m = O.mode(op);
      if (m === O.BPF_MEM) return `*(${size} *)${mem(dst)} = r${src}`;
      if (m !== O.BPF_ATOMIC) return `BUG_${hex2(op)}`;
      const wide = O.size(op) === O.BPF_DW ? "64" : "";
      const name = ATOMIC_NAMES[imm & ~O.BPF_FETCH];
      if (name && (imm & O.BPF_FETCH) === 0) return `lock *(${size} *)${mem(dst)} ${ATOMIC_OPS[name]} r${src}`;
      if (name) return `r${src} = atomic${wide}_fetch_${name}((${size} *)${mem(dst)}, r${src})`;
      if (imm === O.BPF_CMPXCHG) return `r0 = atomic${wide}_cmpxchg((${size} *)${mem(dst)}, r0, r${src})`;
      if (imm === O.BPF_XCHG) return `r${src} = atomic${wide}_xchg((${size} *)${mem(dst)}, r${src})`;
      if (imm === O.BPF_LOAD_ACQ) return `r${dst} = load_acquire((${size} *)${mem(src)})`;
      if (imm === O.BPF_STORE_REL) return `store_release((${size} *)${mem(dst)}, r${src})`;
      return `BUG_${hex2(op)}`;
    }
    case O.BPF_ST:
      if (O.mode(op) === O.BPF_MEM) return `*(${SIZE_U[O.size(op)]} *)${mem(dst)} = ${imm}`;
      if (O.mode(op) === 0xc0) return "nospec";
      return `BUG_st_${hex2(op)}`;
    case O.BPF_LDX: {
      const m = O.mode(op);
      if (m !== O.BPF_MEM && m !== O.BPF_MEMSX) return `BUG_ldx_${hex2(op)}`;
      const size = m === O.BPF_MEM ? SIZE_U[O.size(op)] : (SIZE_S[O.size(op)] ?? "(null)");
      return `r${dst} = *(${size} *)${mem(src)}`;
    }
    case O.BPF_LD: {
      const m = O.mode(op);
      const size = SIZE_U[O.size(op)];
      if (m === O.BPF_ABS) return `r0 = *(${size} *)skb[${imm}]`;
      if (m === O.BPF_IND) return `r0 = *(${size} *)skb[r${src} + ${imm}]`;
      if (m === O.BPF_IMM && O.size(op) === O.BPF_DW) {
        if (insn.src === 0) {
          const custom = ctx.symbolize?.(insn, pc);
          if (custom !== undefined) return `r${dst} = ${custom}`;
          return `r${dst} = 0x${((BigInt(insn.imm2! >>> 0) << 32n) | BigInt(imm >>> 0)).toString(16)}`;
        }
        const named = ctx.symbolize?.(insn, pc) ?? pseudoName(insn, ctx, pc);
        return named !== undefined ? `r${dst} = ${named}` : ldPseudo(insn);
      }
      return `BUG_ld_${hex2(op)}`;
    }
    default: {
      // BPF_JMP and BPF_JMP32
      if (code === O.BPF_CALL) {
        if (op === O.OP_CALLX) return `callx r${dst}`;
        if (src === O.BPF_PSEUDO_CALL) return `call pc${ctx.symbolize?.(insn, pc) ?? signed(imm)}`;
        const name =
          ctx.symbolize?.(insn, pc) ??
          (src === 0 ? (kernelHelperName(imm) ?? "unknown") : src === O.BPF_PSEUDO_KFUNC_CALL ? "kernel-function" : "unknown");
        return `call ${name}#${imm}${src === O.BPF_PSEUDO_KFUNC_CALL && off !== 0 ? `@${off}` : ""}`;
      }
      if (op === (O.BPF_JMP | O.BPF_JA)) return `goto pc${signed(off)}`;
      if (op === (O.BPF_JMP | O.BPF_JA | O.BPF_X)) return `gotox r${dst}`;
      if (op === (O.BPF_JMP | O.BPF_JCOND) && src === 0) return `may_goto pc${signed(off)}`;
      if (op === (O.BPF_JMP32 | O.BPF_JA)) return `gotol pc${signed(imm)}`;
      if (op === O.OP_EXIT) return "exit";
      const p = cls === O.BPF_JMP32 ? "w" : "r";
      if (O.srcBit(op) === O.BPF_X) return `if ${p}${dst} ${str(JMP_STR, code >> 4)} ${p}${src} goto pc${signed(off)}`;
      return `if ${p}${dst} ${str(JMP_STR, code >> 4)} 0x${(imm >>> 0).toString(16)} goto pc${signed(off)}`;
    }
  }
}
