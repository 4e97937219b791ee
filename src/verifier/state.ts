/**
 * Verifier states: frames (registers and stack), whole states with references and locks, copying,
 * and the kernel's state equivalence used for pruning (states_equal, regsafe, stacksafe,
 * refsafe with id maps).
 */
import { assignReg, copyReg, markRegNotInit, newReg, rangeWithin } from "./bounds.js";
import { tnumIn, tnumIsConst } from "./tnum.js";
import {
  BPF_REG_SIZE,
  CONST_PTR_TO_MAP,
  NOT_INIT,
  PTR_TO_MAP_KEY,
  PTR_TO_MAP_VALUE,
  PTR_TO_BTF_ID,
  PTR_TO_MEM,
  PTR_TO_PACKET,
  PTR_TO_PACKET_META,
  PTR_TO_STACK,
  PTR_TO_TP_BUFFER,
  PTR_TO_BUF,
  SCALAR_VALUE,
  STACK_INVALID,
  STACK_MISC,
  STACK_SPILL,
  STACK_ZERO,
  baseType,
  slotFill,
  slotType,
  type FuncState,
  type Reg,
  type StackSlot,
  type VState,
  addConstFlags,
  hasAddConst,
} from "./types.js";

/**
 * The `spilled` register of every slot that holds no spill (byte 7 not STACK_SPILL). Such a
 * register is never read, and the only writes it gets reset it to NOT_INIT, which leaves this
 * one unchanged; so slots share it instead of allocating one each (a spill replaces it with a
 * copy of its own, in save_register_state). Fewer objects per state copy: less GC.
 */
const NO_SPILL: Reg = newReg();

/**
 * An all-STACK_INVALID slot no frame owns (gen -1): new and cleaned slots share it, and the first
 * write replaces it with a private one (slotForWrite).
 */
const EMPTY_SLOT: StackSlot = { types: 0, spilled: NO_SPILL, gen: -1 };

/** Ownership tags of frames (FuncState.gen); every copy gives both frames fresh ones. */
let genCounter = 0;

/**
 * Slot spi of frame f, made private to f first if f shares it with another frame (copy-on-write:
 * copying a frame shares its slots). Every in-place change of a slot or of its spilled register
 * goes through here; readers use f.stack[spi] directly.
 */
export function slotForWrite(f: FuncState, spi: number): StackSlot {
  const s = f.stack[spi]!;
  if (s.gen === f.gen) return s;
  const own: StackSlot = { types: s.types, spilled: slotType(s, BPF_REG_SIZE - 1) === STACK_SPILL ? copyReg(s.spilled) : NO_SPILL, gen: f.gen };
  f.stack[spi] = own;
  return own;
}

/** clean_verifier_state for one slot: STACK_INVALID, no spill (the shared empty slot). */
export function clearSlot(f: FuncState, spi: number): void {
  f.stack[spi] = EMPTY_SLOT;
}

export function newFuncState(frameno: number, callsite: number, subprogno: number): FuncState {
  const regs: Reg[] = [];
  for (let i = 0; i < 11; i++) {
    const r = newReg();
    markRegNotInit(r);
    r.frameno = 0;
    regs.push(r);
  }
  const fp = regs[10]!;
  fp.type = PTR_TO_STACK;
  fp.varOff = { value: 0n, mask: 0n };
  fp.smin = fp.smax = 0n;
  fp.umin = fp.umax = 0n;
  fp.s32min = fp.s32max = 0n;
  fp.u32min = fp.u32max = 0n;
  fp.frameno = frameno;
  return {
    regs,
    stack: [],
    gen: ++genCounter,
    missHint: -1,
    hotSlots: null,
    frameno,
    callsite,
    subprogno,
    inCallbackFn: false,
    callbackRetRange: [0n, 0n],
    asyncEntryCnt: 0,
    callbackDepth: 0,
  };
}

export function copyFuncState(f: FuncState): FuncState {
  const src = f.regs;
  const regs: Reg[] = new Array<Reg>(src.length);
  for (let i = 0; i < src.length; i++) regs[i] = copyReg(src[i]!);
  // Slots are shared, not copied: neither frame owns them any more (both get a fresh gen), so the
  // first write on either side copies the slot (slotForWrite).
  f.gen = ++genCounter;
  return {
    regs,
    stack: f.stack.slice(),
    gen: ++genCounter,
    missHint: -1,
    hotSlots: null,
    frameno: f.frameno,
    callsite: f.callsite,
    subprogno: f.subprogno,
    inCallbackFn: f.inCallbackFn,
    callbackRetRange: [f.callbackRetRange[0], f.callbackRetRange[1]],
    asyncEntryCnt: f.asyncEntryCnt,
    callbackDepth: f.callbackDepth,
  };
}

export function copyVState(s: VState): VState {
  return {
    frames: s.frames.map(copyFuncState),
    curframe: s.curframe,
    refs: s.refs.map((r) => ({ ...r })),
    activeLockId: s.activeLockId,
    activeLockMapUid: s.activeLockMapUid,
    insnIdx: s.insnIdx,
    parent: s.parent,
    branches: s.branches,
    speculative: s.speculative,
    callbackUnrollDepth: s.callbackUnrollDepth,
    mayGotoDepth: s.mayGotoDepth,
    hist: s.hist,
  };
}

/** Bytes of stack the frame has touched (allocated_stack). */
export function allocatedStack(f: FuncState): number {
  return f.stack.length * BPF_REG_SIZE;
}

/** grow_stack_state: make room for `size` bytes below the frame pointer. */
export function growStack(f: FuncState, size: number): void {
  const n = Math.ceil(size / BPF_REG_SIZE);
  while (f.stack.length < n) f.stack.push(EMPTY_SLOT);
}

export function isSpilledReg(slot: StackSlot): boolean {
  return slotType(slot, BPF_REG_SIZE - 1) === STACK_SPILL;
}

export function isSpilledScalarReg(slot: StackSlot): boolean {
  return isSpilledReg(slot) && slot.spilled.type === SCALAR_VALUE;
}

/** Stand-in for a shared spilled register while forEachReg's callback runs on it. */
const SCRATCH: Reg = newReg();

function sameReg(a: Reg, b: Reg): boolean {
  return (
    a.type === b.type &&
    a.off === b.off &&
    a.varOff === b.varOff &&
    a.smin === b.smin &&
    a.smax === b.smax &&
    a.umin === b.umin &&
    a.umax === b.umax &&
    a.s32min === b.s32min &&
    a.s32max === b.s32max &&
    a.u32min === b.u32min &&
    a.u32max === b.u32max &&
    a.id === b.id &&
    a.refObjId === b.refObjId &&
    a.range === b.range &&
    a.map === b.map &&
    a.memSize === b.memSize &&
    a.frameno === b.frameno &&
    a.subprogno === b.subprogno &&
    a.precise === b.precise
  );
}

/**
 * Every register of every frame, and every spilled register (bpf_for_each_reg_in_vstate). The
 * callback may change the register in place: a spilled register of a shared slot is handed over
 * as a scratch copy, and only a changed one makes the slot private (most callbacks change none).
 */
export function forEachReg(s: VState, fn: (r: Reg, frame: FuncState) => void): void {
  for (let i = 0; i <= s.curframe; i++) {
    const f = s.frames[i]!;
    for (const r of f.regs) fn(r, f);
    const stack = f.stack;
    for (let spi = 0; spi < stack.length; spi++) {
      const slot = stack[spi]!;
      if (!isSpilledReg(slot)) continue;
      if (slot.gen === f.gen) {
        fn(slot.spilled, f);
        continue;
      }
      assignReg(SCRATCH, slot.spilled);
      fn(SCRATCH, f);
      if (!sameReg(SCRATCH, slot.spilled)) assignReg(slotForWrite(f, spi).spilled, SCRATCH);
    }
  }
}

// ---- equivalence --------------------------------------------------------------------------------

/** A bijection between ids of the old and the current state (check_ids). */
export class IdMap {
  // Pairs (old, cur) seen so far; a comparison sees few ids, so linear scans beat Maps.
  // The first n entries are live; the arrays are kept (not truncated) across resets, so reuse
  // allocates nothing.
  private readonly olds: number[] = [];
  private readonly curs: number[] = [];
  private n = 0;
  private tmp = 1 << 30;

  check(oldId: number, curId: number): boolean {
    if ((oldId === 0) !== (curId === 0)) return false;
    if (oldId === 0) return true;
    const olds = this.olds;
    const curs = this.curs;
    const n = this.n;
    for (let i = 0; i < n; i++) {
      if (olds[i] === oldId) return curs[i] === curId;
    }
    for (let i = 0; i < n; i++) if (curs[i] === curId) return false;
    olds[n] = oldId;
    curs[n] = curId;
    this.n = n + 1;
    return true;
  }

  /** Forgets every pairing (for reuse across comparisons). */
  reset(): void {
    this.n = 0;
    this.tmp = 1 << 30;
  }

  checkScalar(oldId: number, curId: number): boolean {
    // Two fresh ids pair with each other and are never looked up again.
    if (oldId === 0 && curId === 0) return true;
    return this.check(oldId || ++this.tmp, curId || ++this.tmp);
  }
}

/** Fields of the register "before var_off" in the kernel's layout: type, off and the union. */
function sameHead(a: Reg, b: Reg): boolean {
  if (a.type !== b.type || a.off !== b.off) return false;
  const t = baseType(a.type);
  if (t === PTR_TO_PACKET || t === PTR_TO_PACKET_META) return a.range === b.range;
  if (t === PTR_TO_MAP_VALUE || t === PTR_TO_MAP_KEY || t === CONST_PTR_TO_MAP) return a.map === b.map;
  if (t === PTR_TO_MEM || t === PTR_TO_BTF_ID) return a.memSize === b.memSize;
  return a.subprogno === b.subprogno;
}

function regsExact(a: Reg, b: Reg, ids: IdMap): boolean {
  return (
    sameHead(a, b) &&
    a.varOff.value === b.varOff.value &&
    a.varOff.mask === b.varOff.mask &&
    a.smin === b.smin &&
    a.smax === b.smax &&
    a.umin === b.umin &&
    a.umax === b.umax &&
    a.s32min === b.s32min &&
    a.s32max === b.s32max &&
    a.u32min === b.u32min &&
    a.u32max === b.u32max &&
    ids.check(a.id, b.id) &&
    ids.check(a.refObjId, b.refObjId)
  );
}

/** regs_exact for widening. */
export function regsExactScalar(a: Reg, b: Reg, ids: IdMap): boolean {
  return regsExact(a, b, ids);
}

export type Exact = "not_exact" | "exact" | "range_within";

/**
 * regsafe(old, cur): everything proven safe from old also holds from cur. A change here must keep
 * regMaybeSafe (the id-free prefilter of states_equal) false only where this is false.
 */
export function regsafe(old: Reg, cur: Reg, ids: IdMap, exact: Exact, privileged = false): boolean {
  if (exact === "exact") return regsExact(old, cur, ids) && (old.type !== PTR_TO_STACK || old.frameno === cur.frameno);
  if (old.type === NOT_INIT) {
    if (exact === "not_exact" || cur.type === NOT_INIT) return true;
  }
  if (old.type !== cur.type) return false;
  switch (baseType(old.type)) {
    case SCALAR_VALUE:
      // An imprecise scalar of a checkpoint: no decision after it depended on its value. The
      // answer is true whatever regs_exact says; it is still run when ids are involved, for the
      // id pairs it records (without ids it has no effect, and its BigInt compares are skipped).
      if (privileged && !old.precise && exact === "not_exact") {
        if (old.id !== 0 || cur.id !== 0 || old.refObjId !== 0 || cur.refObjId !== 0) regsExact(old, cur, ids);
        return true;
      }
      if (regsExact(old, cur, ids)) return true;
      // A linked offset must match in presence, width (BPF_ADD_CONST32 zero-extends, 64 does
      // not) and value.
      if (addConstFlags(old.id) !== addConstFlags(cur.id)) return false;
      if (hasAddConst(old.id) && old.off !== cur.off) return false;
      if (!ids.checkScalar(old.id, cur.id)) return false;
      return rangeWithin(old, cur) && tnumIn(old.varOff, cur.varOff);
    case PTR_TO_MAP_KEY:
    case PTR_TO_MAP_VALUE:
    case PTR_TO_MEM:
    case PTR_TO_BUF:
    case PTR_TO_TP_BUFFER:
      return (
        sameHead(old, cur) &&
        rangeWithin(old, cur) &&
        tnumIn(old.varOff, cur.varOff) &&
        ids.check(old.id, cur.id) &&
        ids.check(old.refObjId, cur.refObjId)
      );
    case PTR_TO_PACKET_META:
    case PTR_TO_PACKET:
      if (old.range < 0 || cur.range < 0) {
        if (old.range !== cur.range) return false;
      } else if (old.range > cur.range) return false;
      if (old.off !== cur.off) return false;
      if (!ids.check(old.id, cur.id)) return false;
      return rangeWithin(old, cur) && tnumIn(old.varOff, cur.varOff);
    case PTR_TO_STACK:
      return regsExact(old, cur, ids) && old.frameno === cur.frameno;
    default:
      return regsExact(old, cur, ids);
  }
}

const UNBOUND: Reg = (() => {
  const r = newReg();
  r.type = SCALAR_VALUE;
  return r;
})();

const ALL_SPILL = slotFill(STACK_SPILL);
/** Bits 0 and 2 of every byte's 3-bit type code. */
const ONLY_BIT1 = 0o55555555;
const ALL_MISC = slotFill(STACK_MISC);

function isStackAllMisc(slot: StackSlot, allowUninit: boolean): boolean {
  const types = slot.types;
  if (types === ALL_MISC) return true;
  if (!allowUninit) return false;
  for (let i = 0; i < BPF_REG_SIZE; i++) {
    const t = (types >> (i * 3)) & 7;
    if (t === STACK_MISC || t === STACK_INVALID) continue;
    return false;
  }
  return true;
}

function scalarRegForStack(slot: StackSlot, allowUninit: boolean): Reg | null {
  if (isSpilledReg(slot) && slot.spilled.type === SCALAR_VALUE) {
    // is_spilled_scalar_reg64: all 8 bytes spilled
    return slot.types === ALL_SPILL ? slot.spilled : null;
  }
  if (isStackAllMisc(slot, allowUninit)) return UNBOUND;
  return null;
}

function stacksafe(old: FuncState, cur: FuncState, ids: IdMap, exact: Exact, allowUninit: boolean): boolean {
  // Slot by slot; the same decisions as the kernel's byte loop (scalar_reg_for_stack depends on
  // the slot only, so it is computed once per slot, when a byte first needs it).
  const isExact = exact === "exact";
  const oldStack = old.stack;
  const curStack = cur.stack;
  const curSlots = curStack.length;
  for (let spi = 0; spi < oldStack.length; spi++) {
    const os = oldStack[spi]!;
    const cs = spi < curSlots ? curStack[spi]! : undefined;
    const ot = os.types;
    // A slot both states share (copy-on-write, unchanged since) is safe against itself; only a
    // spilled register with ids still needs the walk below, for the id pairs it records.
    if (os === cs && (slotType(os, BPF_REG_SIZE - 1) !== STACK_SPILL || (os.spilled.id === 0 && os.spilled.refObjId === 0))) continue;
    // An all-STACK_INVALID old slot (dead, or never written) skips every byte below.
    if (ot === 0) {
      if (isExact && (!cs || cs.types !== 0)) return false;
      continue;
    }
    const ct = cs ? cs.types : 0;
    let regsKnown = false;
    let oldReg: Reg | null = null;
    let curReg: Reg | null = null;
    for (let j = 0; j < BPF_REG_SIZE; j++) {
      const o = (ot >> (j * 3)) & 7;
      if (isExact && (!cs || o !== ((ct >> (j * 3)) & 7))) return false;
      if (o === STACK_INVALID) continue;
      if (allowUninit && o === STACK_MISC) continue;
      if (!cs) return false;
      if (!regsKnown) {
        oldReg = scalarRegForStack(os, allowUninit);
        curReg = scalarRegForStack(cs, allowUninit);
        regsKnown = true;
      }
      if (oldReg && curReg) {
        if (!regsafe(oldReg, curReg, ids, exact, allowUninit)) return false;
        break;
      }
      const c = (ct >> (j * 3)) & 7;
      if (o === STACK_MISC && c === STACK_ZERO) continue;
      if (o !== c) return false;
      if (j !== BPF_REG_SIZE - 1) continue;
      if (o === STACK_SPILL) {
        if (!regsafe(os.spilled, cs.spilled, ids, exact, allowUninit)) return false;
      }
    }
  }
  return true;
}

function refsafe(old: VState, cur: VState, ids: IdMap): boolean {
  if (old.refs.length !== cur.refs.length) return false;
  for (let i = 0; i < old.refs.length; i++) {
    const o = old.refs[i]!;
    const c = cur.refs[i]!;
    if (o.kind !== c.kind) return false;
    if (!ids.check(o.id, c.id)) return false;
  }
  if ((old.activeLockId === 0) !== (cur.activeLockId === 0)) return false;
  if (old.activeLockId && !ids.check(old.activeLockId, cur.activeLockId)) return false;
  return true;
}

const sharedIds = new IdMap();

/**
 * Conditions of regsafe (not_exact) that need no id map: false only where regsafe is false, so
 * a miss can be found without the id bookkeeping, and in any order.
 */
function regMaybeSafe(old: Reg, cur: Reg, privileged: boolean): boolean {
  const t = old.type;
  if (t === NOT_INIT) return true;
  if (t !== cur.type) return false;
  if (t === SCALAR_VALUE) return (privileged && !old.precise) || (rangeWithin(old, cur) && tnumIn(old.varOff, cur.varOff));
  const b = baseType(t);
  if (b === PTR_TO_PACKET || b === PTR_TO_PACKET_META) return old.off === cur.off;
  return sameHead(old, cur);
}

/** One slot of stacksafe (not_exact) without the id map, with regMaybeSafe for regsafe. */
function slotMaybeSafe(os: StackSlot, cs: StackSlot | undefined, privileged: boolean): boolean {
  const ot = os.types;
  // Every byte STACK_INVALID (0) or, privileged, STACK_MISC (2): nothing to check. Those are
  // the 3-bit codes with bits 0 and 2 clear.
  if (ot === 0 || (privileged && (ot & ONLY_BIT1) === 0)) return true;
  if (os === cs) return true;
  const ct = cs ? cs.types : 0;
  let regsKnown = false;
  let oldReg: Reg | null = null;
  let curReg: Reg | null = null;
  for (let j = 0; j < BPF_REG_SIZE; j++) {
    const o = (ot >> (j * 3)) & 7;
    if (o === STACK_INVALID) continue;
    if (privileged && o === STACK_MISC) continue;
    if (!cs) return false;
    if (!regsKnown) {
      oldReg = scalarRegForStack(os, privileged);
      curReg = scalarRegForStack(cs, privileged);
      regsKnown = true;
    }
    if (oldReg && curReg) return regMaybeSafe(oldReg, curReg, privileged);
    const c = (ct >> (j * 3)) & 7;
    if (o === STACK_MISC && c === STACK_ZERO) continue;
    if (o !== c) return false;
    if (j === BPF_REG_SIZE - 1 && o === STACK_SPILL && !regMaybeSafe(os.spilled, cs.spilled, privileged)) return false;
  }
  return true;
}

/**
 * stacksafe (not_exact) without the id map. The slot that failed the last time this old frame
 * was compared is tried first: the same checkpoint tends to miss on the same slot.
 */
function stackMaybeSafe(old: FuncState, cur: FuncState, privileged: boolean): boolean {
  const oldStack = old.stack;
  const curStack = cur.stack;
  const curSlots = curStack.length;
  const hint = old.missHint;
  if (hint >= 0 && hint < oldStack.length && !slotMaybeSafe(oldStack[hint]!, hint < curSlots ? curStack[hint] : undefined, privileged)) return false;
  const hot = hotSlots(old, privileged);
  for (let k = 0; k < hot.length; k++) {
    const spi = hot[k]!;
    if (!slotMaybeSafe(oldStack[spi]!, spi < curSlots ? curStack[spi] : undefined, privileged)) {
      old.missHint = spi;
      return false;
    }
  }
  return true;
}

/**
 * Slots of an explored frame that stacksafe has to look at (not all STACK_INVALID or, when
 * privileged, STACK_MISC), listed once: about half of them are not, and an explored state's slot
 * types only change when cleaning makes them STACK_INVALID (a stale entry costs a look, no more).
 */
function hotSlots(f: FuncState, privileged: boolean): number[] {
  let hot = f.hotSlots;
  if (hot) return hot;
  hot = [];
  const stack = f.stack;
  for (let spi = 0; spi < stack.length; spi++) {
    const ot = stack[spi]!.types;
    if (ot !== 0 && !(privileged && (ot & ONLY_BIT1) === 0)) hot.push(spi);
  }
  f.hotSlots = hot;
  return hot;
}

/**
 * A quick pass for states_equal (not_exact) over the id-free conditions, stack first (where most
 * misses are): nine comparisons in ten fail, and most fail here, before any id bookkeeping.
 */
function maybeEqual(old: VState, cur: VState, liveAt: (pc: number) => number, privileged: boolean): boolean {
  for (let i = 0; i <= old.curframe; i++) {
    const of = old.frames[i]!;
    const cf = cur.frames[i]!;
    if (of.callsite !== cf.callsite) return false;
    if (!stackMaybeSafe(of, cf, privileged)) return false;
    const live = liveAt(i === old.curframe ? old.insnIdx : old.frames[i + 1]!.callsite);
    const oregs = of.regs;
    const cregs = cf.regs;
    for (let r = 0; r < 11; r++) {
      if (live & (1 << r) && !regMaybeSafe(oregs[r]!, cregs[r]!, privileged)) return false;
    }
  }
  return true;
}

/**
 * states_equal(old, cur). `liveAt(pc)` returns the bitmask of registers live before pc (the
 * kernel's compute_live_registers); dead registers of the old state match anything.
 */
export function statesEqual(
  old: VState,
  cur: VState,
  exact: Exact,
  liveAt: (pc: number) => number,
  allowUninit: boolean,
): boolean {
  if (old.curframe !== cur.curframe) return false;
  if (old.speculative && !cur.speculative) return false;
  if (exact === "not_exact" && !maybeEqual(old, cur, liveAt, allowUninit)) return false;
  const ids = sharedIds;
  ids.reset();
  if (!refsafe(old, cur, ids)) return false;
  for (let i = 0; i <= old.curframe; i++) {
    const of = old.frames[i]!;
    const cf = cur.frames[i]!;
    if (of.callsite !== cf.callsite) return false;
    if (of.callbackDepth > cf.callbackDepth) return false;
    const pc = i === old.curframe ? old.insnIdx : old.frames[i + 1]!.callsite;
    const live = exact === "exact" ? 0x7ff : liveAt(pc);
    for (let r = 0; r < 11; r++) {
      if (!(live & (1 << r))) continue;
      if (!regsafe(of.regs[r]!, cf.regs[r]!, ids, exact, allowUninit)) return false;
    }
    if (!stacksafe(of, cf, ids, exact, allowUninit)) return false;
  }
  return true;
}

/** states_maybe_looping: same frames and callsites (a loop back to an in-progress state). */
export function statesMaybeLooping(old: VState, cur: VState): boolean {
  if (old.curframe !== cur.curframe) return false;
  for (let i = 0; i <= old.curframe; i++) if (old.frames[i]!.callsite !== cur.frames[i]!.callsite) return false;
  return true;
}

/** True for a constant scalar with value zero. */
export function isConstZero(r: Reg): boolean {
  return r.type === SCALAR_VALUE && tnumIsConst(r.varOff) && r.varOff.value === 0n;
}
