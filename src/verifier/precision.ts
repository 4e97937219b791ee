/**
 * Precision tracking (the kernel's mark_chain_precision, backtrack_insn, propagate_precision).
 *
 * Scalars start imprecise in privileged programs: a checkpoint whose scalar is not precise matches
 * any scalar of a later state (regsafe), so loops that count things the program never branches on
 * converge. When a decision depends on a scalar's value (a branch decided by its range, pointer
 * arithmetic, a helper's size argument, the return code …) the scalar is marked precise in every
 * checkpoint its value flowed through: the path since the last checkpoint is walked backwards
 * instruction by instruction (each state keeps it as a linked list of `Hist` nodes, shared by
 * copies), moving the tracked set from a register to the registers and stack slots it was computed
 * from, and at each checkpoint the tracked registers are marked precise. Where the walk meets
 * something it cannot follow, every scalar of every checkpoint is marked precise (the kernel's
 * mark_all_scalars_precise), which is always safe.
 */
import * as O from "../isa/opcodes.js";
import { CALLBACK_HELPERS } from "./cfg.js";
import type { Env } from "./env.js";
import { formatFrame, insnText } from "./log.js";
import { slotForWrite } from "./state.js";
import { BPF_REG_SIZE, MAX_CALL_FRAMES, SCALAR_VALUE, STACK_SPILL, slotType, type VState } from "./types.js";

/** One processed instruction of a path (the kernel's jmp history, kept for every instruction). */
export interface Hist {
  idx: number;
  prev: Hist | null;
  /** Fixed-offset stack access of this instruction: frame and slot (-1: none). */
  frame: number;
  spi: number;
  /** Scalars linked by id at a conditional jump (frame*128 + reg, or frame*128 + 16 + spi). */
  linked: number[] | null;
}

const ARGS = 0x3e; // r1-r5
const MAX_SLOTS = 64;

class Backtrack {
  frame = 0;
  readonly regs = new Int32Array(MAX_CALL_FRAMES);
  readonly stack = new Uint8Array(MAX_CALL_FRAMES * MAX_SLOTS);
  stackCnt = 0;

  reset(frame: number): void {
    this.frame = frame;
    this.regs.fill(0);
    if (this.stackCnt) this.stack.fill(0);
    this.stackCnt = 0;
  }
  isReg(r: number, fr = this.frame): boolean {
    return (this.regs[fr]! & (1 << r)) !== 0;
  }
  setReg(r: number, fr = this.frame): void {
    this.regs[fr] = this.regs[fr]! | (1 << r);
  }
  clearReg(r: number, fr = this.frame): void {
    this.regs[fr] = this.regs[fr]! & ~(1 << r);
  }
  isSlot(fr: number, spi: number): boolean {
    return spi < MAX_SLOTS && this.stack[fr * MAX_SLOTS + spi] === 1;
  }
  setSlot(fr: number, spi: number): void {
    if (spi >= MAX_SLOTS) return;
    const i = fr * MAX_SLOTS + spi;
    if (!this.stack[i]) {
      this.stack[i] = 1;
      this.stackCnt++;
    }
  }
  clearSlot(fr: number, spi: number): void {
    const i = fr * MAX_SLOTS + spi;
    if (spi < MAX_SLOTS && this.stack[i]) {
      this.stack[i] = 0;
      this.stackCnt--;
    }
  }
  frameStackEmpty(fr: number): boolean {
    if (!this.stackCnt) return true;
    for (let i = 0; i < MAX_SLOTS; i++) if (this.stack[fr * MAX_SLOTS + i]) return false;
    return true;
  }
  empty(): boolean {
    if (this.stackCnt) return false;
    for (let f = 0; f <= this.frame; f++) if (this.regs[f]) return false;
    return true;
  }
}

const bt = new Backtrack();
const NOTSUPP = 1;

/** fmt_reg_mask: "r1,r6". */
function fmtRegMask(mask: number): string {
  const out: string[] = [];
  for (let i = 0; i < 10; i++) if (mask & (1 << i)) out.push(`r${i}`);
  return out.join(",");
}

/** fmt_stack_mask: "-8,-16". */
function fmtStackMask(fr: number): string {
  const out: string[] = [];
  if (bt.stackCnt) for (let i = 0; i < MAX_SLOTS; i++) if (bt.isSlot(fr, i)) out.push(`-${(i + 1) * BPF_REG_SIZE}`);
  return out.join(",");
}

/** The level-2 lines of __mark_chain_precision and backtrack_insn. */
function logBefore(env: Env, idx: number): void {
  const insn = env.info.slots[idx]!;
  const text = insnText(insn, idx, (i) => env.mapLabel(idx, i));
  env.verbose(`mark_precise: frame${bt.frame}: regs=${fmtRegMask(bt.regs[bt.frame]!)} stack=${fmtStackMask(bt.frame)} before ${idx}: ${text}\n`);
}

/** Oldest instruction of a state's path since its checkpoint (the kernel's first_insn_idx). */
function firstIdx(st: VState, fallback: number): number {
  let n = st.hist;
  if (!n) return fallback;
  while (n.prev) n = n.prev;
  return n.idx;
}

function isPseudoCall(insn: { op: number; src: number }): boolean {
  return insn.op === O.OP_CALL && insn.src === O.BPF_PSEUDO_CALL;
}

function callsCallback(insn: { op: number; src: number; imm: number }): boolean {
  return insn.op === O.OP_CALL && insn.src === 0 && CALLBACK_HELPERS.has(insn.imm);
}

function syncLinked(node: Hist): void {
  const linked = node.linked;
  if (!linked) return;
  let any = false;
  for (const e of linked) {
    const fr = e >> 7;
    const k = e & 127;
    if (k < 16 ? bt.isReg(k, fr) : bt.isSlot(fr, k - 16)) any = true;
  }
  if (!any) return;
  for (const e of linked) {
    const fr = e >> 7;
    const k = e & 127;
    if (k < 16) bt.setReg(k, fr);
    else bt.setSlot(fr, k - 16);
  }
}

/** backtrack_insn: moves the tracked set from after `node`'s instruction to before it. */
function backtrackInsn(env: Env, node: Hist, subseqIdx: number): number {
  const slots = env.info.slots;
  const insn = slots[node.idx]!;
  // Registers that gained range together at this instruction count as tracked before it is
  // walked (bt_sync_linked_regs at both ends of backtrack_insn).
  syncLinked(node);
  const cls = O.cls(insn.op);
  const op = O.aluOp(insn.op);
  const dreg = insn.dst;
  const sreg = insn.src;
  const isX = O.srcBit(insn.op) === O.BPF_X;
  if (cls === O.BPF_ALU || cls === O.BPF_ALU64) {
    if (!bt.isReg(dreg)) return 0;
    if (op === O.BPF_END || op === O.BPF_NEG) {
      // dreg still needs precision before this insn
    } else if (op === O.BPF_MOV) {
      bt.clearReg(dreg);
      if (isX && sreg !== 10) bt.setReg(sreg);
    } else if (isX && sreg !== 10) {
      bt.setReg(sreg);
    }
  } else if (cls === O.BPF_LDX) {
    if (!bt.isReg(dreg)) return 0;
    bt.clearReg(dreg);
    if (node.spi >= 0) bt.setSlot(node.frame, node.spi);
  } else if (cls === O.BPF_STX || cls === O.BPF_ST) {
    if (bt.isReg(dreg)) return NOTSUPP;
    if (cls === O.BPF_STX && O.mode(insn.op) === O.BPF_ATOMIC) {
      // Fetching atomics load into sreg (or r0 for cmpxchg): not followed.
      if (bt.isReg(sreg) || bt.isReg(0)) return NOTSUPP;
      if (node.spi >= 0 && bt.isSlot(node.frame, node.spi)) return NOTSUPP;
      return 0;
    }
    if (node.spi < 0 || !bt.isSlot(node.frame, node.spi)) return 0;
    bt.clearSlot(node.frame, node.spi);
    if (cls === O.BPF_STX) bt.setReg(sreg);
  } else if (cls === O.BPF_JMP || cls === O.BPF_JMP32) {
    if (cls === O.BPF_JMP && isPseudoCall(insn)) {
      // Going backwards over a bpf-to-bpf call: leaving the callee for the caller.
      if (bt.regs[bt.frame]! & ~ARGS) return NOTSUPP;
      if (!bt.frameStackEmpty(bt.frame)) return NOTSUPP;
      if (bt.frame === 0) return NOTSUPP;
      const mask = bt.regs[bt.frame]!;
      bt.regs[bt.frame] = 0;
      bt.frame--;
      bt.regs[bt.frame] = bt.regs[bt.frame]! | mask;
      return 0;
    }
    if (cls === O.BPF_JMP && callsCallback(insn) && node.idx !== subseqIdx - 1 && subseqIdx >= 0) {
      // Entry of a callback from the helper that calls it: r1-r5 are not passed through.
      if (bt.regs[bt.frame]! & ~ARGS) return NOTSUPP;
      if (!bt.frameStackEmpty(bt.frame)) return NOTSUPP;
      if (bt.frame === 0) return NOTSUPP;
      bt.regs[bt.frame] = 0;
      bt.frame--;
      return 0;
    }
    if (op === O.BPF_CALL) {
      if (insn.src === O.BPF_PSEUDO_KFUNC_CALL) return NOTSUPP;
      bt.clearReg(0);
      if (bt.regs[bt.frame]! & ARGS) return NOTSUPP;
    } else if (op === O.BPF_EXIT && cls === O.BPF_JMP) {
      if (subseqIdx >= 0 && callsCallback(slots[subseqIdx]!)) bt.regs[bt.frame] = bt.regs[bt.frame]! & ~ARGS;
      if (bt.regs[bt.frame]! & ARGS) return NOTSUPP;
      const r0 = subseqIdx - 1 >= 0 && isPseudoCall(slots[subseqIdx - 1]!) && bt.isReg(0);
      bt.clearReg(0);
      if (bt.frame + 1 >= MAX_CALL_FRAMES) return NOTSUPP;
      bt.frame++;
      bt.regs[bt.frame] = 0;
      if (r0) bt.setReg(0);
      return 0;
    } else if (op === O.BPF_JA || op === O.BPF_JCOND) {
      // nothing
    } else if (isX) {
      if (bt.isReg(dreg) || bt.isReg(sreg)) {
        bt.setReg(dreg);
        bt.setReg(sreg);
      }
    }
  } else if (cls === O.BPF_LD) {
    const m = O.mode(insn.op);
    if (m === O.BPF_ABS || m === O.BPF_IND) {
      // r0 is the packet data, r1-r5 are clobbered
      if (bt.regs[bt.frame]! & (1 | ARGS)) return NOTSUPP;
      return 0;
    }
    if (!bt.isReg(dreg)) return 0;
    bt.clearReg(dreg);
  }
  syncLinked(node);
  return 0;
}

/** mark_all_scalars_precise: every scalar of every checkpoint above `st`. */
export function markAllScalarsPrecise(st: VState, env?: Env): void {
  if (env && env.options.logLevel >= 2) env.verbose(`mark_precise: frame${st.curframe}: falling back to forcing all scalars precise\n`);
  for (let s = st.parent; s; s = s.parent) {
    for (let f = 0; f <= s.curframe; f++) {
      const fr = s.frames[f]!;
      for (const r of fr.regs) if (r.type === SCALAR_VALUE) r.precise = true;
      for (let i = 0; i < fr.stack.length; i++) {
        const slot = fr.stack[i]!;
        // slotForWrite: the slot may be shared with other states.
        if (slotType(slot, BPF_REG_SIZE - 1) === STACK_SPILL && slot.spilled.type === SCALAR_VALUE && !slot.spilled.precise) slotForWrite(fr, i).spilled.precise = true;
      }
    }
  }
}

/**
 * __mark_chain_precision from env.cur with the tracked set already in `bt`. `skipFirst`: the
 * newest history node is the instruction being checked (its own effect is not walked back).
 */
function walk(env: Env, skipFirst: boolean): void {
  const start = env.cur;
  let st: VState | null = start;
  let node = st.hist;
  let subseq = -1;
  let skip = skipFirst;
  const log2 = env.options.logLevel >= 2;
  let lastIdx = env.insnIdx;
  // first_idx walks the whole segment: only the log needs it before the walk; otherwise it is
  // taken from the walk itself (the oldest node it reaches), below.
  let first = log2 ? firstIdx(start, env.insnIdx) : -1;
  for (;;) {
    if (log2) env.verbose(`mark_precise: frame${bt.frame}: last_idx ${lastIdx} first_idx ${first} subseq_idx ${subseq} \n`);
    if (!log2) first = node ? -1 : lastIdx;
    while (node) {
      if (!skip && log2) logBefore(env, node.idx);
      if (!skip && backtrackInsn(env, node, subseq) === NOTSUPP) {
        markAllScalarsPrecise(start, env);
        return;
      }
      skip = false;
      if (bt.empty()) return;
      subseq = node.idx;
      node = node.prev;
    }
    // The whole segment was walked: its oldest instruction is the one just visited.
    if (first === -1) first = subseq;
    st = st.parent;
    if (!st) return;
    if (st.curframe !== bt.frame) {
      markAllScalarsPrecise(start, env);
      return;
    }
    for (let fr = bt.frame; fr >= 0; fr--) {
      const func = st.frames[fr]!;
      const mask = bt.regs[fr]!;
      for (let i = 0; i < 11; i++) {
        if (!(mask & (1 << i))) continue;
        const reg = func.regs[i]!;
        if (reg.type !== SCALAR_VALUE || reg.precise) bt.clearReg(i, fr);
        else reg.precise = true;
      }
      for (let i = 0; bt.stackCnt && i < MAX_SLOTS; i++) {
        if (!bt.isSlot(fr, i)) continue;
        const slot = func.stack[i];
        if (!slot || slotType(slot, BPF_REG_SIZE - 1) !== STACK_SPILL || slot.spilled.type !== SCALAR_VALUE || slot.spilled.precise) {
          bt.clearSlot(fr, i);
          continue;
        }
        slotForWrite(func, i).spilled.precise = true;
      }
      if (log2) {
        env.verbose(`mark_precise: frame${fr}: parent state regs=${fmtRegMask(bt.regs[fr]!)} stack=${fmtStackMask(fr)}: ${formatFrame(st, fr, true)}\n`);
      }
    }
    if (bt.empty()) return;
    node = st.hist;
    subseq = first;
    lastIdx = node ? node.idx : lastIdx;
    if (log2) first = firstIdx(st, lastIdx);
  }
}

/** mark_chain_precision for registers of the current frame (scalars only; others are ignored). */
export function markChainPrecision(env: Env, ...regnos: number[]): void {
  if (!env.privileged) return;
  const cur = env.cur;
  bt.reset(cur.curframe);
  const regs = cur.frames[cur.curframe]!.regs;
  for (const r of regnos) if (regs[r]!.type === SCALAR_VALUE) bt.setReg(r);
  if (bt.empty()) return;
  walk(env, true);
}

/** Precision of a spilled scalar in a stack slot (constant map keys read from the stack). */
export function markSlotPrecision(env: Env, frame: number, spi: number): void {
  if (!env.privileged) return;
  bt.reset(env.cur.curframe);
  bt.setSlot(frame, spi);
  walk(env, true);
}

/**
 * propagate_precision: the current state was pruned against `old`; whatever `old`'s continuation
 * needed precise, the current path needs precise too.
 */
export function propagatePrecision(env: Env, old: VState, liveAt: (pc: number) => number): void {
  if (!env.privileged) return;
  const cur = env.cur;
  bt.reset(old.curframe);
  for (let fr = 0; fr <= old.curframe; fr++) {
    const f = old.frames[fr]!;
    const cf = cur.frames[fr]!;
    const pc = fr === old.curframe ? old.insnIdx : old.frames[fr + 1]!.callsite;
    const live = liveAt(pc);
    for (let i = 0; i < 10; i++) {
      const r = f.regs[i]!;
      if (r.type !== SCALAR_VALUE || !r.precise || !(live & (1 << i))) continue;
      if (cf.regs[i]!.type !== SCALAR_VALUE) continue;
      bt.setReg(i, fr);
    }
    for (let i = 0; i < f.stack.length && i < MAX_SLOTS; i++) {
      const slot = f.stack[i]!;
      if (slotType(slot, BPF_REG_SIZE - 1) !== STACK_SPILL || slot.spilled.type !== SCALAR_VALUE || !slot.spilled.precise) continue;
      bt.setSlot(fr, i);
    }
  }
  if (bt.empty()) return;
  walk(env, false);
}
