/**
 * Conditional jumps (check_cond_jmp_op): branch prediction for scalars and pointers, range
 * refinement of both branches, null checks that turn `_or_null` pointers into pointers or zero
 * in every register sharing the id (mark_ptr_or_null_regs), packet range discovery from
 * comparisons with pkt_end (find_good_pkt_pointers), and linked scalars (sync_linked_regs).
 */
import type { Instruction } from "../isa/instruction.js";
import * as O from "../isa/opcodes.js";
import {
  assignReg,
  constReg,
  scalarAlu,
  copyReg,
  flipOpcode,
  isRegConst,
  JEQ,
  JGE,
  JGT,
  JLE,
  JLT,
  JNE,
  refineCondOp,
  regBoundsInvalid,
  regBoundsSync,
  regConstValue,
  revOpcode,
  scalarBranchTaken,
  zext32To64,
} from "./bounds.js";
import type { Env } from "./env.js";
import { markChainPrecision } from "./precision.js";
import { printInsnState } from "./log.js";
import { MAX_PACKET_OFF } from "./mem.js";
import { forEachReg, isSpilledReg, slotForWrite } from "./state.js";
import { tnumEqualsConst } from "./tnum.js";
import {
  CONST_PTR_TO_MAP,
  PTR_MAYBE_NULL,
  PTR_TO_BTF_ID,
  PTR_TO_MAP_KEY,
  PTR_TO_MAP_VALUE,
  PTR_TO_MEM,
  PTR_TO_PACKET,
  PTR_TO_PACKET_END,
  PTR_TO_PACKET_META,
  PTR_TO_SOCK_COMMON,
  PTR_TO_SOCKET,
  PTR_TO_TCP_SOCK,
  PTR_TO_XDP_SOCK,
  PTR_UNTRUSTED,
  SCALAR_VALUE,
  baseType,
  type Reg,
  type VState,
  BPF_ADD_CONST32,
  addConstFlags,
  baseScalarId,
} from "./types.js";

const AT_PKT_END = -1;
const BEYOND_PKT_END = -2;

const isPktAny = (r: Reg): boolean => r.type === PTR_TO_PACKET || r.type === PTR_TO_PACKET_META || r.type === PTR_TO_PACKET_END;

function regNotNull(r: Reg): boolean {
  if (r.type & PTR_MAYBE_NULL) return false;
  const t = baseType(r.type);
  return (
    t === PTR_TO_SOCKET ||
    t === PTR_TO_TCP_SOCK ||
    t === PTR_TO_MAP_VALUE ||
    t === PTR_TO_MAP_KEY ||
    t === PTR_TO_SOCK_COMMON ||
    (t === PTR_TO_MEM && !(r.type & PTR_UNTRUSTED)) ||
    t === CONST_PTR_TO_MAP
  );
}

function pktPtrBranchTaken(dst: Reg, src: Reg, op: number): number {
  let pkt: Reg;
  if (src.type === PTR_TO_PACKET_END) pkt = dst;
  else if (dst.type === PTR_TO_PACKET_END) {
    pkt = src;
    op = flipOpcode(op);
  } else return -1;
  if (pkt.range >= 0) return -1;
  switch (op) {
    case JLE:
    case JGT:
      if (pkt.range === BEYOND_PKT_END) return op === JGT ? 1 : 0;
      break;
    case JLT:
    case JGE:
      if (pkt.range === BEYOND_PKT_END || pkt.range === AT_PKT_END) return op === JGE ? 1 : 0;
      break;
  }
  return -1;
}

/** is_branch_taken. */
function isBranchTaken(r1: Reg, r2: Reg, op: number, is32: boolean): number {
  if (isPktAny(r1) && isPktAny(r2) && !is32) return pktPtrBranchTaken(r1, r2, op);
  if (r1.type !== SCALAR_VALUE || r2.type !== SCALAR_VALUE) {
    if (!isRegConst(r2, is32) || r2.type !== SCALAR_VALUE) {
      op = flipOpcode(op);
      [r1, r2] = [r2, r1];
    }
    if (r2.type !== SCALAR_VALUE || !isRegConst(r2, is32)) return -1;
    if (!regNotNull(r1)) return -1;
    if (regConstValue(r2, is32) !== 0n) return -1;
    if (op === JEQ) return 0;
    if (op === JNE) return 1;
    return -1;
  }
  return scalarBranchTaken(r1, r2, op, is32);
}

function markPtrNotNullReg(r: Reg): void {
  if (baseType(r.type) === PTR_TO_MAP_VALUE) {
    const map = r.map!;
    if (map.inner) {
      r.type = CONST_PTR_TO_MAP;
      r.map = map.inner;
    } else if (map.type === 17 /* xskmap */) {
      r.type = PTR_TO_XDP_SOCK;
    } else if (map.type === 15 || map.type === 18 /* sockmap, sockhash */) {
      r.type = PTR_TO_SOCKET;
    } else {
      r.type = PTR_TO_MAP_VALUE;
    }
    return;
  }
  r.type &= ~PTR_MAYBE_NULL;
}

/** mark_ptr_or_null_regs. */
export function markPtrOrNullRegs(env: Env, st: VState, regno: number, isNull: boolean): void {
  const regs = st.frames[st.curframe]!.regs;
  const refObjId = regs[regno]!.refObjId;
  const id = regs[regno]!.id;
  if (refObjId && refObjId === id && isNull) {
    st.refs = st.refs.filter((r) => r.id !== id);
  }
  forEachReg(st, (r) => {
    if (!(r.type & PTR_MAYBE_NULL) || r.id !== id) return;
    if (r.smin || r.smax || !tnumEqualsConst(r.varOff, 0n)) return;
    if (r.off) return;
    if (isNull) {
      r.type = SCALAR_VALUE;
      r.id = 0;
      r.refObjId = 0;
      r.map = null;
      r.memSize = 0;
      return;
    }
    markPtrNotNullReg(r);
    const mayPointToSpinLock = r.type === PTR_TO_MAP_VALUE && r.map?.spinLockOff !== undefined;
    if (!mayPointToSpinLock) r.id = 0;
  });
  void env;
}

function findGoodPktPointers(st: VState, dst: Reg, type: number, rangeRightOpen: boolean): void {
  if (dst.off < 0 || (dst.off === 0 && rangeRightOpen)) return;
  if (dst.umax > BigInt(MAX_PACKET_OFF) || dst.umax + BigInt(dst.off) > BigInt(MAX_PACKET_OFF)) return;
  let newRange = dst.off;
  if (rangeRightOpen) newRange++;
  const id = dst.id;
  forEachReg(st, (r) => {
    if (r.type === type && r.id === id) r.range = Math.max(r.range, newRange);
  });
}

function markPktEnd(st: VState, regno: number, rangeOpen: boolean): void {
  const r = st.frames[st.curframe]!.regs[regno]!;
  if (r.type !== PTR_TO_PACKET) return;
  r.range = rangeOpen ? BEYOND_PKT_END : AT_PKT_END;
}

function isInitPktPointer(r: Reg, type: number): boolean {
  return r.type === type && r.off === 0 && tnumEqualsConst(r.varOff, 0n);
}

function tryMatchPktPointers(insn: Instruction, dst: Reg, src: Reg, thisBranch: VState, other: VState): boolean {
  if (O.srcBit(insn.op) !== O.BPF_X) return false;
  if (O.cls(insn.op) === O.BPF_JMP32) return false;
  const dataVsEnd = (a: Reg, b: Reg): boolean =>
    (a.type === PTR_TO_PACKET && b.type === PTR_TO_PACKET_END) || (a.type === PTR_TO_PACKET_META && isInitPktPointer(b, PTR_TO_PACKET));
  const endVsData = (a: Reg, b: Reg): boolean =>
    (a.type === PTR_TO_PACKET_END && b.type === PTR_TO_PACKET) || (isInitPktPointer(a, PTR_TO_PACKET) && b.type === PTR_TO_PACKET_META);
  const d = insn.dst;
  const s = insn.src;
  switch (O.aluOp(insn.op)) {
    case JGT:
      if (dataVsEnd(dst, src)) {
        findGoodPktPointers(thisBranch, dst, dst.type, false);
        markPktEnd(other, d, true);
      } else if (endVsData(dst, src)) {
        findGoodPktPointers(other, src, src.type, true);
        markPktEnd(thisBranch, s, false);
      } else return false;
      break;
    case JLT:
      if (dataVsEnd(dst, src)) {
        findGoodPktPointers(other, dst, dst.type, true);
        markPktEnd(thisBranch, d, false);
      } else if (endVsData(dst, src)) {
        findGoodPktPointers(thisBranch, src, src.type, false);
        markPktEnd(other, s, true);
      } else return false;
      break;
    case JGE:
      if (dataVsEnd(dst, src)) {
        findGoodPktPointers(thisBranch, dst, dst.type, true);
        markPktEnd(other, d, false);
      } else if (endVsData(dst, src)) {
        findGoodPktPointers(other, src, src.type, false);
        markPktEnd(thisBranch, s, true);
      } else return false;
      break;
    case JLE:
      if (dataVsEnd(dst, src)) {
        findGoodPktPointers(other, dst, dst.type, false);
        markPktEnd(thisBranch, d, true);
      } else if (endVsData(dst, src)) {
        findGoodPktPointers(thisBranch, src, src.type, true);
        markPktEnd(other, s, false);
      } else return false;
      break;
    default:
      return false;
  }
  return true;
}

/** At most this many scalars are linked at one jump (LINKED_REGS_MAX). */
const LINKED_REGS_MAX = 6;

/**
 * collect_linked_regs: the scalars sharing `id`'s base id — registers live before the jump (or the
 * call a frame is in) and spilled slots, innermost frame first — encoded frame*128 + reg or
 * frame*128 + 16 + slot. One past the limit loses its id, as in the kernel.
 */
function collectLinkedRegs(env: Env, st: VState, id: number, out: number[]): void {
  id = baseScalarId(id);
  for (let f = st.curframe; f >= 0; f--) {
    const fr = st.frames[f]!;
    const live = env.info.liveBefore[f === st.curframe ? env.insnIdx : st.frames[f + 1]!.callsite]!;
    for (let i = 0; i < 10; i++) {
      if (!(live & (1 << i))) continue;
      const r = fr.regs[i]!;
      if (r.type !== SCALAR_VALUE || baseScalarId(r.id) !== id) continue;
      if (out.length < LINKED_REGS_MAX) out.push(f * 128 + i);
      else r.id = 0;
    }
    for (let i = 0; i < fr.stack.length && i < 64; i++) {
      const slot = fr.stack[i]!;
      if (!isSpilledReg(slot) || slot.spilled.type !== SCALAR_VALUE || baseScalarId(slot.spilled.id) !== id) continue;
      if (out.length < LINKED_REGS_MAX) out.push(f * 128 + 16 + i);
      else slotForWrite(fr, i).spilled.id = 0;
    }
  }
}

/**
 * sync_linked_regs: every collected scalar sharing known's base id learns known's range, shifted
 * by the difference of their BPF_ADD_CONST offsets; a shifted register keeps its own id and
 * offset. Links made by 32-bit and 64-bit arithmetic do not mix, and a 32-bit link zero-extends.
 */
function syncLinkedRegs(st: VState, known: Reg, linked: readonly number[]): void {
  const id = baseScalarId(known.id);
  const knownFlags = addConstFlags(known.id);
  const k = copyReg(known);
  for (const e of linked) {
    const fr = st.frames[e >> 7]!;
    const n = e & 127;
    let r: Reg;
    if (n < 16) r = fr.regs[n]!;
    else {
      const slot = fr.stack[n - 16];
      if (!slot || !isSpilledReg(slot)) continue;
      r = slot.spilled;
    }
    if (r === known || r.type !== SCALAR_VALUE || baseScalarId(r.id) !== id) continue;
    const flags = addConstFlags(r.id);
    // One alu32 link and one alu64 link: the delta does not hold across widths. (Flags are
    // compared as numbers: bit 31 makes JS bitwise operators go negative.)
    if (flags !== 0 && knownFlags !== 0 && flags !== knownFlags) continue;
    if (n >= 16) r = slotForWrite(fr, n - 16).spilled; // slots may be shared with other states
    if ((!flags && !knownFlags) || r.off === k.off) {
      assignReg(r, copyReg(k));
      continue;
    }
    // reg = known_reg; reg += delta (s32 offsets, so the delta fits in an s64 constant).
    const savedOff = r.off;
    const savedId = r.id;
    const fake = constReg(BigInt((savedOff | 0) - (k.off | 0)));
    assignReg(r, copyReg(k));
    // Keep r's own offset, id and add_const flag, or a later sync from r would be wrong.
    r.off = savedOff;
    r.id = savedId;
    scalarAlu(r, fake, O.BPF_ADD, false);
    if (flags === BPF_ADD_CONST32 || knownFlags === BPF_ADD_CONST32) zext32To64(r);
    regBoundsSync(r);
  }
}

/** reg_set_min_max for both branches (scalars only). Returns false if a branch is dead. */
function regSetMinMax(t1: Reg, t2: Reg, f1: Reg, f2: Reg, op: number, is32: boolean): void {
  if (f1.type !== SCALAR_VALUE || f2.type !== SCALAR_VALUE) return;
  refineCondOp(f1, f2, revOpcode(op), is32);
  regBoundsSync(f1);
  regBoundsSync(f2);
  refineCondOp(t1, t2, op, is32);
  regBoundsSync(t1);
  regBoundsSync(t2);
}

/** check_cond_jmp_op. Returns the next instruction index to execute in the current state. */
export function checkCondJmpOp(env: Env, insn: Instruction, insnIdx: number): number {
  const thisBranch = env.cur;
  const regs = env.regs;
  const op = O.aluOp(insn.op);
  if (op === O.BPF_JA || op > O.BPF_JSLE) env.fail(`invalid BPF_JMP/JMP32 opcode ${(op >> 4).toString(16)}`, "EINVAL");
  env.checkRegArg(insn.dst, "src");
  const dst = regs[insn.dst]!;
  let src: Reg;
  const isX = O.srcBit(insn.op) === O.BPF_X;
  if (isX) {
    if (insn.imm !== 0) env.fail("BPF_JMP/JMP32 uses reserved fields", "EINVAL");
    env.checkRegArg(insn.src, "src");
    src = regs[insn.src]!;
    if (!(isPktAny(dst) && isPktAny(src)) && env.isPointerValue(insn.src)) {
      env.fail(`R${insn.src} pointer comparison prohibited`);
    }
  } else {
    if (insn.src !== 0) env.fail("BPF_JMP/JMP32 uses reserved fields", "EINVAL");
    src = constReg(BigInt(insn.imm));
  }
  const is32 = O.cls(insn.op) === O.BPF_JMP32;
  const pred = isBranchTaken(dst, src, op, is32);
  if (pred >= 0) {
    if (isX) markChainPrecision(env, insn.dst, insn.src);
    else markChainPrecision(env, insn.dst);
  }
  if (pred === 1) {
    if (env.log.enabled) printInsnState(env.log, thisBranch, insnIdx, env.scratch);
    return insnIdx + insn.off + 1;
  }
  if (pred === 0) {
    if (env.log.enabled) printInsnState(env.log, thisBranch, insnIdx, env.scratch);
    return insnIdx + 1;
  }

  // Scalars linked by id learn from this branch together: precision follows all of them.
  const linked: number[] = [];
  if (isX && src.type === SCALAR_VALUE && src.id) collectLinkedRegs(env, thisBranch, src.id, linked);
  if (dst.type === SCALAR_VALUE && dst.id) collectLinkedRegs(env, thisBranch, dst.id, linked);
  if (env.curHist) env.curHist.linked = linked.length > 1 ? linked : null;
  const other = env.pushStack(insnIdx + insn.off + 1, insnIdx);
  const otherRegs = other.frames[other.curframe]!.regs;
  if (isX) {
    regSetMinMax(otherRegs[insn.dst]!, otherRegs[insn.src]!, dst, src, op, is32);
  } else {
    const fake0 = src;
    const fake1 = copyReg(src);
    regSetMinMax(otherRegs[insn.dst]!, fake0, dst, fake1, op, is32);
  }
  // A branch whose bounds became contradictory can never be taken.
  const otherDead = otherRegs[insn.dst]!.type === SCALAR_VALUE && regBoundsInvalid(otherRegs[insn.dst]!);
  const thisDead = dst.type === SCALAR_VALUE && regBoundsInvalid(dst);
  if (isX && src.type === SCALAR_VALUE && src.id) {
    syncLinkedRegs(thisBranch, src, linked);
    syncLinkedRegs(other, otherRegs[insn.src]!, linked);
  }
  if (dst.type === SCALAR_VALUE && dst.id) {
    syncLinkedRegs(thisBranch, dst, linked);
    syncLinkedRegs(other, otherRegs[insn.dst]!, linked);
  }

  if (
    !is32 &&
    isX &&
    src.type !== SCALAR_VALUE &&
    dst.type !== SCALAR_VALUE &&
    ((src.type & PTR_MAYBE_NULL) !== 0) !== ((dst.type & PTR_MAYBE_NULL) !== 0) &&
    baseType(src.type) !== PTR_TO_BTF_ID &&
    baseType(dst.type) !== PTR_TO_BTF_ID
  ) {
    const eq = op === JEQ ? otherRegs : op === JNE ? regs : null;
    if (eq) {
      if (src.type & PTR_MAYBE_NULL) markPtrNotNullReg(eq[insn.src]!);
      else markPtrNotNullReg(eq[insn.dst]!);
    }
  }

  if (!is32 && !isX && insn.imm === 0 && (op === JEQ || op === JNE) && dst.type & PTR_MAYBE_NULL) {
    markPtrOrNullRegs(env, thisBranch, insn.dst, op === JNE);
    markPtrOrNullRegs(env, other, insn.dst, op === JEQ);
  } else if (!tryMatchPktPointers(insn, dst, isX ? regs[insn.src]! : src, thisBranch, other) && env.isPointerValue(insn.dst)) {
    env.fail(`R${insn.dst} pointer comparison prohibited`);
  }
  if (env.log.enabled) printInsnState(env.log, thisBranch, insnIdx, env.scratch);
  if (otherDead || thisDead) {
    // A branch ruled out by the ranges is a decision on the values.
    if (isX) markChainPrecision(env, insn.dst, insn.src);
    else markChainPrecision(env, insn.dst);
  }
  if (otherDead) env.stack.pop();
  if (thisDead) return -1;
  return insnIdx + 1;
}
