/**
 * ALU instructions (check_alu_op): moves with scalar ids, sign-extending moves, scalar
 * arithmetic through the bounds module, and pointer arithmetic with the kernel's rules and
 * messages (adjust_ptr_min_max_vals, check_reg_sane_offset).
 */
import * as O from "../isa/opcodes.js";
import { markChainPrecision } from "./precision.js";
import type { Instruction } from "../isa/instruction.js";
import {
  assignReg,
  coerceRegToSize,
  coerceRegToSizeSx,
  coerceSubregToSizeSx,
  constReg,
  copyReg,
  markReg32Unbounded,
  markReg32Known,
  markRegKnown,
  markRegUnbounded,
  markRegUnknown,
  regBoundsSync,
  regWidth,
  S64_MAX,
  S64_MIN,
  scalarAlu,
  U64_MAX,
  u32,
  zext32To64,
} from "./bounds.js";
import type { Env } from "./env.js";
import { assignScalarIdBeforeMov, BPF_MAX_VAR_OFF } from "./mem.js";
import { tnum, tnumAdd, tnumIsConst, tnumSub, tnumSubreg } from "./tnum.js";
import {
  CONST_PTR_TO_DYNPTR,
  CONST_PTR_TO_MAP,
  PTR_MAYBE_NULL,
  PTR_TO_BTF_ID,
  PTR_TO_BUF,
  PTR_TO_CTX,
  PTR_TO_FLOW_KEYS,
  PTR_TO_FUNC,
  PTR_TO_MAP_KEY,
  PTR_TO_MAP_VALUE,
  PTR_TO_MEM,
  PTR_TO_PACKET,
  PTR_TO_PACKET_META,
  PTR_TO_STACK,
  PTR_TO_TP_BUFFER,
  SCALAR_VALUE,
  baseType,
  regTypeStr,
  type Reg,
  BPF_ADD_CONST32,
  BPF_ADD_CONST64,
  baseScalarId,
  hasAddConst,
} from "./types.js";

const ALU_STRING = ["+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian"];
const aluString = (op: number): string => ALU_STRING[op >> 4] ?? "?";

function checkRegSaneOffset(env: Env, reg: Reg, type: number): void {
  const known = tnumIsConst(reg.varOff);
  const val = BigInt.asIntN(64, reg.varOff.value);
  if (known && (val >= BPF_MAX_VAR_OFF || val <= -BPF_MAX_VAR_OFF)) {
    env.fail(`math between ${regTypeStr(type)} pointer and ${val} is not allowed`, "EACCES");
  }
  if (reg.off >= Number(BPF_MAX_VAR_OFF) || reg.off <= -Number(BPF_MAX_VAR_OFF)) {
    env.fail(`${regTypeStr(type)} pointer offset ${reg.off} is not allowed`, "EACCES");
  }
  if (reg.smin === S64_MIN) {
    env.fail(`math between ${regTypeStr(type)} pointer and register with unbounded min value is not allowed`, "EACCES");
  }
  if (reg.smin >= BPF_MAX_VAR_OFF || reg.smin <= -BPF_MAX_VAR_OFF) {
    env.fail(`value ${reg.smin} makes ${regTypeStr(type)} pointer be out of bounds`, "EACCES");
  }
}

const isPktPtr = (t: number): boolean => t === PTR_TO_PACKET || t === PTR_TO_PACKET_META;

/** adjust_ptr_min_max_vals: ptr <op> scalar (or scalar += ptr). */
function adjustPtrMinMaxVals(env: Env, insn: Instruction, ptrReg: Reg, offReg: Reg): void {
  const dst = insn.dst;
  const dstReg = env.regs[dst]!;
  const op = O.aluOp(insn.op);
  const known = tnumIsConst(offReg.varOff);
  const { smin: sminVal, smax: smaxVal, umin: uminVal, umax: umaxVal } = offReg;
  const ptr = copyReg(ptrReg);
  const off = copyReg(offReg);
  const scalarMinusPtr = offReg === dstReg;
  if ((known && (sminVal !== smaxVal || uminVal !== umaxVal)) || sminVal > smaxVal || uminVal > umaxVal) {
    markRegUnknown(dstReg);
    return;
  }
  if (O.cls(insn.op) !== O.BPF_ALU64) {
    if (op === O.BPF_SUB && env.allowPtrLeaks) {
      markRegUnknown(dstReg);
      return;
    }
    env.fail(`R${dst} 32-bit pointer arithmetic prohibited`);
  }
  if (ptr.type & PTR_MAYBE_NULL) {
    env.fail(`R${dst} pointer arithmetic on ${regTypeStr(ptr.type)} prohibited, null-check it first`);
  }
  switch (baseType(ptr.type)) {
    case PTR_TO_CTX:
    case PTR_TO_MAP_VALUE:
    case PTR_TO_MAP_KEY:
    case PTR_TO_STACK:
    case PTR_TO_PACKET_META:
    case PTR_TO_PACKET:
    case PTR_TO_TP_BUFFER:
    case PTR_TO_BTF_ID:
    case PTR_TO_MEM:
    case PTR_TO_BUF:
    case PTR_TO_FUNC:
    case CONST_PTR_TO_DYNPTR:
      break;
    default: {
      const t = baseType(ptr.type);
      const ok = (t === PTR_TO_FLOW_KEYS && known) || ((t === PTR_TO_FLOW_KEYS || t === CONST_PTR_TO_MAP) && known && sminVal === 0n && op === O.BPF_ADD);
      if (!ok) env.fail(`R${dst} pointer arithmetic on ${regTypeStr(ptr.type)} prohibited`);
    }
  }
  // scalar += pointer: dst takes the pointer's type and id.
  assignReg(dstReg, copyReg(ptr));
  dstReg.type = ptr.type;
  dstReg.id = ptr.id;
  checkRegSaneOffset(env, off, ptr.type);
  checkRegSaneOffset(env, ptr, ptr.type);
  markReg32Unbounded(dstReg);

  switch (op) {
    case O.BPF_ADD: {
      const sum = BigInt(ptr.off) + sminVal;
      if (known && sum === BigInt.asIntN(32, sum)) {
        dstReg.smin = ptr.smin;
        dstReg.smax = ptr.smax;
        dstReg.umin = ptr.umin;
        dstReg.umax = ptr.umax;
        dstReg.varOff = ptr.varOff;
        dstReg.off = Number(sum);
        break;
      }
      let smin = ptr.smin + sminVal;
      let smax = ptr.smax + smaxVal;
      if (smin < S64_MIN || smin > S64_MAX || smax < S64_MIN || smax > S64_MAX) {
        smin = S64_MIN;
        smax = S64_MAX;
      }
      let umin = ptr.umin + uminVal;
      let umax = ptr.umax + umaxVal;
      if (umin > U64_MAX || umax > U64_MAX) {
        umin = 0n;
        umax = U64_MAX;
      }
      dstReg.smin = smin;
      dstReg.smax = smax;
      dstReg.umin = umin;
      dstReg.umax = umax;
      dstReg.varOff = tnumAdd(ptr.varOff, off.varOff);
      dstReg.off = ptr.off;
      if (isPktPtr(ptr.type)) {
        dstReg.id = env.newId();
        dstReg.range = 0;
      }
      break;
    }
    case O.BPF_SUB: {
      if (scalarMinusPtr) env.fail(`R${dst} tried to subtract pointer from scalar`);
      if (ptr.type === PTR_TO_STACK) env.fail(`R${dst} subtraction from stack pointer prohibited`);
      const diff = BigInt(ptr.off) - sminVal;
      if (known && diff === BigInt.asIntN(32, diff)) {
        dstReg.smin = ptr.smin;
        dstReg.smax = ptr.smax;
        dstReg.umin = ptr.umin;
        dstReg.umax = ptr.umax;
        dstReg.varOff = ptr.varOff;
        dstReg.id = ptr.id;
        dstReg.off = Number(diff);
        break;
      }
      let smin = ptr.smin - smaxVal;
      let smax = ptr.smax - sminVal;
      if (smin < S64_MIN || smin > S64_MAX || smax < S64_MIN || smax > S64_MAX) {
        smin = S64_MIN;
        smax = S64_MAX;
      }
      dstReg.smin = smin;
      dstReg.smax = smax;
      if (ptr.umin < umaxVal) {
        dstReg.umin = 0n;
        dstReg.umax = U64_MAX;
      } else {
        dstReg.umin = ptr.umin - umaxVal;
        dstReg.umax = ptr.umax - uminVal;
      }
      dstReg.varOff = tnumSub(ptr.varOff, off.varOff);
      dstReg.off = ptr.off;
      if (isPktPtr(ptr.type)) {
        dstReg.id = env.newId();
        if (sminVal < 0n) dstReg.range = 0;
      }
      break;
    }
    case O.BPF_AND:
    case O.BPF_OR:
    case O.BPF_XOR:
      return env.fail(`R${dst} bitwise operator ${aluString(op)} on pointer prohibited`);
    default:
      env.fail(`R${dst} pointer arithmetic with ${aluString(op)} operator prohibited`);
  }
  checkRegSaneOffset(env, dstReg, ptr.type);
  regBoundsSync(dstReg);
  if (!env.privileged) sanitizeCheckBounds(env, dst, dstReg);
}

/** sanitize_check_bounds for unprivileged programs: the result must stay in bounds. */
function sanitizeCheckBounds(env: Env, dst: number, reg: Reg): void {
  if (reg.type === PTR_TO_STACK) {
    const off = reg.off + Number(BigInt.asIntN(64, reg.varOff.value));
    if (!tnumIsConst(reg.varOff)) env.fail(`R${dst} variable stack access prohibited for !root, var_off=(${reg.varOff.value}; ${reg.varOff.mask}) off=${off}`);
    if (off >= 0 || off < -512) env.fail(`R${dst} stack pointer arithmetic goes out of range, prohibited for !root; off=${off}`);
  } else if (reg.type === PTR_TO_MAP_VALUE) {
    const map = reg.map!;
    if (reg.smin + BigInt(reg.off) < 0n || reg.umax + BigInt(reg.off) + 1n > BigInt(map.valueSize)) {
      env.fail(`R${dst} pointer arithmetic of map value goes out of range, prohibited for !root`);
    }
  }
}

/**
 * maybe_fork_scalars (Linux 6.18 stable, "bpf: Recognize special arithmetic shift in the
 * verifier" with the BPF_OR fix): `x s>> 63; x &= K` / `x |= K` with x in [-1, 0] splits the
 * state. The pushed branch re-runs this instruction with x = 0; this path goes on with x = -1.
 * The 64-bit range decides before the 32-bit one, whatever the instruction's width.
 */
function maybeForkScalars(env: Env, insn: Instruction, dst: Reg): void {
  let alu32: boolean;
  if (dst.smin === -1n && dst.smax === 0n) alu32 = false;
  else if (dst.s32min === -1n && dst.s32max === 0n) alu32 = true;
  else return;
  const branch = env.pushStack(env.insnIdx, env.insnIdx);
  // The branch re-runs this instruction: its path must not already contain it (the kernel's
  // history holds jumps only, so there a re-run leaves no trace twice).
  if (branch.hist && branch.hist.idx === env.insnIdx) branch.hist = branch.hist.prev;
  const other = branch.frames[branch.curframe]!.regs[insn.dst]!;
  if (alu32) {
    markReg32Known(other, 0n);
    markReg32Known(dst, 0xffff_ffffn);
  } else {
    markRegKnown(other, 0n);
    markRegKnown(dst, U64_MAX);
  }
}

/** adjust_reg_min_max_vals. */
/**
 * Constant registers of ALU immediates, shared and never written: the scalar path below only
 * reads its source (scalarAlu gets a copy). Saves a register and its bounds per `rX op= K`.
 */
const IMM_REGS = new Map<number, Reg>();

function immReg(imm: number): Reg {
  let r = IMM_REGS.get(imm);
  if (!r) {
    if (IMM_REGS.size >= 4096) IMM_REGS.clear();
    r = constReg(BigInt(imm));
    IMM_REGS.set(imm, r);
  }
  return r;
}

function adjustRegMinMaxVals(env: Env, insn: Instruction): void {
  const regs = env.regs;
  const dstReg = regs[insn.dst]!;
  const op = O.aluOp(insn.op);
  const alu32 = O.cls(insn.op) !== O.BPF_ALU64;
  let srcReg: Reg;
  const ptrReg = dstReg.type !== SCALAR_VALUE ? dstReg : null;
  if (O.srcBit(insn.op) === O.BPF_X) {
    srcReg = regs[insn.src]!;
    if (srcReg.type !== SCALAR_VALUE) {
      if (dstReg.type !== SCALAR_VALUE) {
        if (op === O.BPF_SUB && env.allowPtrLeaks) {
          markRegUnknown(dstReg);
          return;
        }
        env.fail(`R${insn.dst} pointer ${aluString(op)} pointer prohibited`);
      }
      markChainPrecision(env, insn.dst);
      adjustPtrMinMaxVals(env, insn, srcReg, dstReg);
      return;
    } else if (ptrReg) {
      markChainPrecision(env, insn.src);
      adjustPtrMinMaxVals(env, insn, ptrReg, srcReg);
      return;
    }
  } else if (ptrReg) {
    adjustPtrMinMaxVals(env, insn, ptrReg, constReg(BigInt(insn.imm)));
    return;
  } else {
    srcReg = immReg(insn.imm);
  }
  if ((op === O.BPF_AND || op === O.BPF_OR) && tnumIsConst(srcReg.varOff)) maybeForkScalars(env, insn, dstReg);
  // alu32 links need the upper half zero before the operation (the result is zero-extended)
  const dstUmax = dstReg.umax;
  scalarAlu(dstReg, copyReg(srcReg), op, alu32);
  // `r1 = r2; r1 += K; if r2 < N ...; use r1`: for adds and subs of a constant remember the
  // signed delta in off so sync_linked_regs can move r2's new bounds onto r1.
  // (rX += rX is never linked: src is dst after the add; the kernel fixed this in d7f14173c0d5.)
  const selfAdd = O.srcBit(insn.op) === O.BPF_X && insn.src === insn.dst;
  const constSrc = alu32 ? tnumIsConst(tnumSubreg(srcReg.varOff)) : tnumIsConst(srcReg.varOff);
  if (env.privileged && (op === O.BPF_ADD || op === O.BPF_SUB) && !selfAdd && dstReg.id && constSrc) {
    const raw = alu32 ? BigInt.asUintN(32, srcReg.varOff.value) : srcReg.varOff.value;
    const sval = BigInt.asIntN(64, raw);
    let off = Number(BigInt.asIntN(32, raw));
    let link = true;
    if (!alu32 && (sval < -0x80000000n || sval > 0x7fffffffn)) link = false;
    if (alu32 && dstUmax > 0xffffffffn) link = false;
    if (link && op === O.BPF_SUB) {
      if (off === -0x80000000) link = false; // negating S32_MIN overflows
      else off = -off;
    }
    if (!link || hasAddConst(dstReg.id)) {
      // An offset that does not fit, or already rX += val once (off cannot accumulate).
      dstReg.off = 0;
      dstReg.id = 0;
    } else {
      dstReg.id = baseScalarId(dstReg.id) + (alu32 ? BPF_ADD_CONST32 : BPF_ADD_CONST64);
      dstReg.off = off;
    }
  } else {
    // Otherwise dst's bounds must not be propagated into its former copies.
    dstReg.id = 0;
  }
}

/** swab16/32/64 of the low `bytes` bytes of x. */
function swab(x: bigint, bytes: number): bigint {
  let out = 0n;
  for (let i = 0; i < bytes; i++) out = (out << 8n) | ((x >> BigInt(8 * i)) & 0xffn);
  return out;
}

/**
 * scalar_byte_swap (Linux 6.18 stable, "bpf: Add bitwise tracking for BPF_END"): the tnum's bytes
 * are swapped where the instruction swaps on this (little-endian) machine — bswap always, be* on
 * little-endian — and the bounds are re-derived from it; 16/32-bit forms truncate. le64 is a no-op.
 */
function scalarByteSwap(d: Reg, insn: Instruction): void {
  const alu64 = O.cls(insn.op) === O.BPF_ALU64;
  const toLe = O.srcBit(insn.op) === O.BPF_TO_LE;
  const needSwap = alu64 || !toLe;
  if (needSwap || insn.imm === 16 || insn.imm === 32) d.id = 0;
  if (needSwap) {
    const bytes = insn.imm / 8;
    d.varOff = tnum(swab(d.varOff.value, bytes), swab(d.varOff.mask, bytes));
    markRegUnbounded(d);
  }
  if (insn.imm === 16 || insn.imm === 32) coerceRegToSize(d, insn.imm / 8);
  regBoundsSync(d);
}

/** check_alu_op. */
export function checkAluOp(env: Env, insn: Instruction): void {
  const regs = env.regs;
  const op = O.aluOp(insn.op);
  const is64 = O.cls(insn.op) === O.BPF_ALU64;
  const isX = O.srcBit(insn.op) === O.BPF_X;
  if (op === O.BPF_END || op === O.BPF_NEG) {
    if (op === O.BPF_NEG) {
      if (isX || insn.src !== 0 || insn.off !== 0 || insn.imm !== 0) env.fail("BPF_NEG uses reserved fields", "EINVAL");
    } else if (insn.src !== 0 || insn.off !== 0 || (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64) || (is64 && isX)) {
      env.fail("BPF_END uses reserved fields", "EINVAL");
    }
    env.checkRegArg(insn.dst, "src");
    if (env.isPointerValue(insn.dst)) env.fail(`R${insn.dst} pointer arithmetic prohibited`);
    if (op === O.BPF_NEG && regs[insn.dst]!.type === SCALAR_VALUE) {
      env.checkRegArg(insn.dst, "dst_no_mark");
      const d = regs[insn.dst]!;
      scalarAlu(d, copyReg(d), O.BPF_NEG, !is64);
      d.id = 0;
    } else if (op === O.BPF_END && regs[insn.dst]!.type === SCALAR_VALUE) {
      env.checkRegArg(insn.dst, "dst_no_mark");
      scalarByteSwap(regs[insn.dst]!, insn);
    } else {
      env.checkRegArg(insn.dst, "dst");
    }
    return;
  }
  if (op === O.BPF_MOV) {
    if (isX) {
      if (!is64) {
        if ((insn.off !== 0 && insn.off !== 8 && insn.off !== 16) || insn.imm) env.fail("BPF_MOV uses reserved fields", "EINVAL");
      } else if (insn.off === O.BPF_ADDR_SPACE_CAST) {
        env.fail("addr_space_cast insn can only be used in a program that has an associated arena", "EINVAL");
      } else if ((insn.off !== 0 && insn.off !== 8 && insn.off !== 16 && insn.off !== 32) || insn.imm) {
        env.fail("BPF_MOV uses reserved fields", "EINVAL");
      }
      env.checkRegArg(insn.src, "src");
    } else if (insn.src !== 0 || insn.off !== 0) {
      env.fail("BPF_MOV uses reserved fields", "EINVAL");
    }
    env.checkRegArg(insn.dst, "dst_no_mark");
    const dst = regs[insn.dst]!;
    if (isX) {
      const src = regs[insn.src]!;
      if (is64) {
        if (insn.off === 0) {
          assignScalarIdBeforeMov(env, src);
          assignReg(dst, copyReg(src));
        } else if (env.isPointerValue(insn.src)) {
          env.fail(`R${insn.src} sign-extension part of pointer`);
        } else if (src.type === SCALAR_VALUE) {
          const noSext = src.umax < 1n << BigInt(insn.off - 1);
          if (noSext) assignScalarIdBeforeMov(env, src);
          assignReg(dst, copyReg(src));
          if (!noSext) dst.id = 0;
          coerceRegToSizeSx(dst, insn.off >> 3);
        } else {
          markRegUnknown(dst);
        }
      } else {
        if (env.isPointerValue(insn.src)) env.fail(`R${insn.src} partial copy of pointer`);
        if (src.type === SCALAR_VALUE) {
          if (insn.off === 0) {
            const isU32 = regWidth(src) <= 32;
            if (isU32) assignScalarIdBeforeMov(env, src);
            assignReg(dst, copyReg(src));
            if (!isU32) dst.id = 0;
          } else {
            const noSext = src.umax < 1n << BigInt(insn.off - 1);
            if (noSext) assignScalarIdBeforeMov(env, src);
            assignReg(dst, copyReg(src));
            if (!noSext) dst.id = 0;
            coerceSubregToSizeSx(dst, insn.off >> 3);
          }
        } else {
          markRegUnknown(dst);
        }
        zext32To64(dst);
        regBoundsSync(dst);
      }
    } else {
      markRegUnknown(dst);
      dst.type = SCALAR_VALUE;
      markRegKnown(dst, is64 ? BigInt(insn.imm) : u32(BigInt(insn.imm)));
    }
    return;
  }
  if (op > O.BPF_END) env.fail(`invalid BPF_ALU opcode ${(op >> 4).toString(16)}`, "EINVAL");
  const offOk = insn.off === 0 || (insn.off === 1 && (op === O.BPF_MOD || op === O.BPF_DIV));
  if (isX) {
    if (insn.imm !== 0 || !offOk) env.fail("BPF_ALU uses reserved fields", "EINVAL");
    env.checkRegArg(insn.src, "src");
  } else if (insn.src !== 0 || !offOk) {
    env.fail("BPF_ALU uses reserved fields", "EINVAL");
  }
  env.checkRegArg(insn.dst, "src");
  if ((op === O.BPF_MOD || op === O.BPF_DIV) && !isX && insn.imm === 0) env.fail("div by zero", "EINVAL");
  if ((op === O.BPF_LSH || op === O.BPF_RSH || op === O.BPF_ARSH) && !isX) {
    const size = is64 ? 64 : 32;
    if (insn.imm < 0 || insn.imm >= size) env.fail(`invalid shift ${insn.imm}`, "EINVAL");
  }
  env.checkRegArg(insn.dst, "dst_no_mark");
  adjustRegMinMaxVals(env, insn);
}
