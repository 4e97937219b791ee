/**
 * Scalar range tracking: the kernel's u64/s64/u32/s32 bounds plus tnum, kept consistent with the
 * same update and deduction rules (reg_bounds_sync and friends), the ALU transfer functions
 * (adjust_scalar_min_max_vals) and the branch refinements (is_branch_taken, regs_refine_cond_op).
 * Signed bounds are signed BigInts, unsigned bounds unsigned BigInts.
 */
import {
  TNUM_UNKNOWN,
  tnumAdd,
  tnumAnd,
  tnumArshift,
  tnumCast,
  tnumClearSubreg,
  tnumConst,
  tnumConstSubreg,
  tnumIntersect,
  tnumIsConst,
  tnumLshift,
  tnumMul,
  tnumNeg,
  tnumOr,
  tnumOverlap,
  tnumRange,
  tnumRshift,
  tnumSub,
  tnumSubreg,
  tnumWithSubreg,
  tnumXor,
  type Tnum,
} from "./tnum.js";
import { NOT_INIT, SCALAR_VALUE, type Reg } from "./types.js";

export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const U64_MAX = (1n << 64n) - 1n;
export const S32_MIN = -(1n << 31n);
export const S32_MAX = (1n << 31n) - 1n;
export const U32_MAX = (1n << 32n) - 1n;

export const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
export const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
export const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);
export const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

export function newReg(): Reg {
  return {
    type: NOT_INIT,
    off: 0,
    varOff: TNUM_UNKNOWN,
    smin: S64_MIN,
    smax: S64_MAX,
    umin: 0n,
    umax: U64_MAX,
    s32min: S32_MIN,
    s32max: S32_MAX,
    u32min: 0n,
    u32max: U32_MAX,
    id: 0,
    refObjId: 0,
    range: 0,
    map: null,
    memSize: 0,
    frameno: 0,
    subprogno: 0,
    precise: false,
  };
}

export function copyReg(r: Reg): Reg {
  return {
    type: r.type,
    off: r.off,
    varOff: r.varOff,
    smin: r.smin,
    smax: r.smax,
    umin: r.umin,
    umax: r.umax,
    s32min: r.s32min,
    s32max: r.s32max,
    u32min: r.u32min,
    u32max: r.u32max,
    id: r.id,
    refObjId: r.refObjId,
    range: r.range,
    map: r.map,
    memSize: r.memSize,
    frameno: r.frameno,
    subprogno: r.subprogno,
    precise: r.precise,
  };
}

/** Overwrites dst with the fields of src. */
export function assignReg(dst: Reg, src: Reg): void {
  dst.type = src.type;
  dst.off = src.off;
  dst.varOff = src.varOff;
  dst.smin = src.smin;
  dst.smax = src.smax;
  dst.umin = src.umin;
  dst.umax = src.umax;
  dst.s32min = src.s32min;
  dst.s32max = src.s32max;
  dst.u32min = src.u32min;
  dst.u32max = src.u32max;
  dst.id = src.id;
  dst.refObjId = src.refObjId;
  dst.range = src.range;
  dst.map = src.map;
  dst.memSize = src.memSize;
  dst.frameno = src.frameno;
  dst.subprogno = src.subprogno;
  dst.precise = src.precise;
}

export function markReg64Unbounded(r: Reg): void {
  r.smin = S64_MIN;
  r.smax = S64_MAX;
  r.umin = 0n;
  r.umax = U64_MAX;
}

export function markReg32Unbounded(r: Reg): void {
  r.s32min = S32_MIN;
  r.s32max = S32_MAX;
  r.u32min = 0n;
  r.u32max = U32_MAX;
}

export function markRegUnbounded(r: Reg): void {
  markReg64Unbounded(r);
  markReg32Unbounded(r);
}

function setKnownBounds(r: Reg, imm: bigint): void {
  const v = u64(imm);
  r.varOff = tnumConst(v);
  r.smin = r.smax = s64(v);
  r.umin = r.umax = v;
  r.s32min = r.s32max = s32(v);
  r.u32min = r.u32max = u32(v);
}

/** __mark_reg_known: a known constant; clears pointer fields and ids (type is kept). */
export function markRegKnown(r: Reg, imm: bigint): void {
  r.off = 0;
  r.range = 0;
  r.map = null;
  r.memSize = 0;
  r.frameno = 0;
  r.subprogno = 0;
  r.id = 0;
  r.refObjId = 0;
  setKnownBounds(r, imm);
}

export function markRegKnownZero(r: Reg): void {
  markRegKnown(r, 0n);
}

export function markReg32Known(r: Reg, imm: bigint): void {
  r.varOff = tnumConstSubreg(r.varOff, imm);
  r.s32min = r.s32max = s32(imm);
  r.u32min = r.u32max = u32(imm);
}

/** __mark_reg_unknown: an unbounded scalar. */
export function markRegUnknown(r: Reg): void {
  assignReg(r, UNKNOWN_SCALAR);
}

const UNKNOWN_SCALAR: Reg = { ...newReg(), type: SCALAR_VALUE };

export function markRegNotInit(r: Reg): void {
  markRegUnknown(r);
  r.type = NOT_INIT;
}

/** A scalar constant register (helper for building fake source operands). */
export function constReg(imm: bigint): Reg {
  const r = newReg();
  r.type = SCALAR_VALUE;
  setKnownBounds(r, imm);
  return r;
}

export function scalarUnknown(): Reg {
  const r = newReg();
  r.type = SCALAR_VALUE;
  return r;
}

// ---- bounds maintenance ---------------------------------------------------------------------

function updateReg32Bounds(r: Reg): void {
  const v = tnumSubreg(r.varOff);
  r.s32min = max(r.s32min, s32(v.value | (v.mask & 0x8000_0000n)));
  r.s32max = min(r.s32max, s32(v.value | (v.mask & 0x7fff_ffffn)));
  r.u32min = max(r.u32min, v.value);
  r.u32max = min(r.u32max, v.value | v.mask);
}

/**
 * tnum_step: the least member of t above z (t.value when z is below it, the largest member when
 * z is at or above that). Members are t.value + s for submasks s of t.mask, so this is the least
 * submask above d = z - t.value: add one to d with every non-mask bit (and every bit below d's
 * highest non-mask bit) filled, so the carry runs through to the next mask bit.
 */
function tnumStep(t: Tnum, z: bigint): bigint {
  const top = t.value | t.mask;
  if (z >= top) return top;
  if (z < t.value) return t.value;
  const d = z - t.value;
  const stray = d & ~t.mask & U64_MAX;
  const fill = stray === 0n ? 0n : (1n << BigInt(stray.toString(2).length)) - 1n;
  const filled = (d | fill | (~t.mask & U64_MAX)) & U64_MAX;
  return t.value | ((filled + 1n) & t.mask);
}

function updateReg64Bounds(r: Reg): void {
  const v = r.varOff;
  r.smin = max(r.smin, s64(v.value | (v.mask & (1n << 63n))));
  r.smax = min(r.smax, s64(v.value | (v.mask & S64_MAX)));
  r.umin = max(r.umin, v.value);
  r.umax = min(r.umax, v.value | v.mask);
  // Linux 6.18 stable (efc11a667878): the u64 range and the tnum may share a single value.
  if (v.mask === 0n) return;
  const next = tnumStep(v, r.umin);
  const uminIn = (r.umin & ~v.mask) === v.value;
  const top = v.value | v.mask;
  if (uminIn && next > r.umax) setKnownBounds(r, r.umin);
  else if (!uminIn && next === top) setKnownBounds(r, top);
  else if (!uminIn && next <= r.umax && tnumStep(v, next) > r.umax) setKnownBounds(r, next);
}

export function updateRegBounds(r: Reg): void {
  updateReg32Bounds(r);
  updateReg64Bounds(r);
}

function reg32DeduceBounds(r: Reg): void {
  if (r.umin >> 32n === r.umax >> 32n) {
    r.u32min = max(r.u32min, u32(r.umin));
    r.u32max = min(r.u32max, u32(r.umax));
    if (s32(r.umin) <= s32(r.umax)) {
      r.s32min = max(r.s32min, s32(r.umin));
      r.s32max = min(r.s32max, s32(r.umax));
    }
  }
  if (r.smin >> 32n === r.smax >> 32n) {
    r.u32min = max(r.u32min, u32(r.smin));
    r.u32max = min(r.u32max, u32(r.smax));
    if (s32(r.smin) <= s32(r.smax)) {
      r.s32min = max(r.s32min, s32(r.smin));
      r.s32max = min(r.s32max, s32(r.smax));
    }
  }
  if (u32(u32(r.umin >> 32n) + 1n) === u32(r.umax >> 32n) && s32(r.umin) < 0n && s32(r.umax) >= 0n) {
    r.s32min = max(r.s32min, s32(r.umin));
    r.s32max = min(r.s32max, s32(r.umax));
  }
  if (u32(u32(u64(r.smin) >> 32n) + 1n) === u32(u64(r.smax) >> 32n) && s32(r.smin) < 0n && s32(r.smax) >= 0n) {
    r.s32min = max(r.s32min, s32(r.smin));
    r.s32max = min(r.s32max, s32(r.smax));
  }
  if (s32(r.u32min) <= s32(r.u32max)) {
    r.s32min = max(r.s32min, s32(r.u32min));
    r.s32max = min(r.s32max, s32(r.u32max));
  }
  if (u32(r.s32min) <= u32(r.s32max)) {
    r.u32min = max(u32(r.s32min), r.u32min);
    r.u32max = min(u32(r.s32max), r.u32max);
  } else if (r.u32max < u32(r.s32min)) {
    // Linux 6.18 stable (fbc7aef517d8): the s32 range wraps and the u32 range meets only its
    // non-negative part …
    r.s32min = s32(r.u32min);
    r.u32max = min(r.u32max, u32(r.s32max));
  } else if (u32(r.s32max) < r.u32min) {
    // … or only its negative part.
    r.s32max = s32(r.u32max);
    r.u32min = max(r.u32min, u32(r.s32min));
  }
}

function reg64DeduceBounds(r: Reg): void {
  if (s64(r.umin) <= s64(r.umax)) {
    r.smin = max(r.smin, s64(r.umin));
    r.smax = min(r.smax, s64(r.umax));
  }
  if (u64(r.smin) <= u64(r.smax)) {
    r.umin = max(u64(r.smin), r.umin);
    r.umax = min(u64(r.smax), r.umax);
  } else {
    if (r.umax < u64(r.smin)) {
      r.smin = s64(r.umin);
      r.umax = min(r.umax, u64(r.smax));
    } else if (u64(r.smax) < r.umin) {
      r.smax = s64(r.umax);
      r.umin = max(r.umin, u64(r.smin));
    }
  }
}

function regDeduceMixedBounds(r: Reg): void {
  const hiMask = ~0xffff_ffffn;
  const newUmin = (r.umin & hiMask) | r.u32min;
  const newUmax = (r.umax & hiMask) | r.u32max;
  r.umin = max(r.umin, u64(newUmin));
  r.umax = min(r.umax, u64(newUmax));
  const newSmin = s64((u64(r.smin) & u64(hiMask)) | r.u32min);
  const newSmax = s64((u64(r.smax) & u64(hiMask)) | r.u32max);
  r.smin = max(r.smin, newSmin);
  r.smax = min(r.smax, newSmax);
  if (r.s32min >= 0n && r.smin >= S32_MIN && r.smax <= S32_MAX) {
    r.smin = r.s32min;
    r.smax = r.s32max;
    r.umin = u64(r.s32min);
    r.umax = u64(r.s32max);
    r.varOff = tnumIntersect(r.varOff, tnumRange(u64(r.smin), u64(r.smax)));
  }
}

function regDeduceBounds(r: Reg): void {
  reg32DeduceBounds(r);
  reg64DeduceBounds(r);
  regDeduceMixedBounds(r);
}

function regBoundOffset(r: Reg): void {
  const var64 = tnumIntersect(r.varOff, tnumRange(r.umin, r.umax));
  const var32 = tnumIntersect(tnumSubreg(var64), tnumRange(r.u32min, r.u32max));
  r.varOff = tnumOr(tnumClearSubreg(var64), var32);
}

/**
 * reg_bounds_sync. A known constant whose bounds all equal it, and a fully unknown scalar with
 * unbounded ranges, are fixed points of the full computation (checked against it in
 * units.test.ts); they skip it.
 */
export function regBoundsSync(r: Reg): void {
  if (syncIsIdentity(r)) return;
  // reg_bounds_sync is a pure function of var_off and the eight bounds, and programs feed it few
  // distinct inputs (about 150 over 40k calls in Cilium's bpf_lxc tail_handle_ipv4), each costing
  // a hundred BigInt operations: results are remembered, keyed by umax, then matched field by
  // field. BigInts and tnums are immutable, so the entry's values are shared, never copied.
  const umax = r.umax;
  let bucket = syncMemo.get(umax);
  if (bucket) {
    const t = r.varOff;
    for (let i = 0; i < bucket.length; i++) {
      const e = bucket[i]!;
      if (
        e.inValue === t.value &&
        e.inMask === t.mask &&
        e.inUmin === r.umin &&
        e.inSmin === r.smin &&
        e.inSmax === r.smax &&
        e.inU32min === r.u32min &&
        e.inU32max === r.u32max &&
        e.inS32min === r.s32min &&
        e.inS32max === r.s32max
      ) {
        r.varOff = e.varOff;
        r.smin = e.smin;
        r.smax = e.smax;
        r.umin = e.umin;
        r.umax = e.umax;
        r.s32min = e.s32min;
        r.s32max = e.s32max;
        r.u32min = e.u32min;
        r.u32max = e.u32max;
        return;
      }
    }
  } else {
    if (syncMemo.size >= SYNC_MEMO_MAX) syncMemo.clear();
    bucket = [];
    syncMemo.set(umax, bucket);
  }
  const t = r.varOff;
  const inUmin = r.umin;
  const inSmin = r.smin;
  const inSmax = r.smax;
  const inU32min = r.u32min;
  const inU32max = r.u32max;
  const inS32min = r.s32min;
  const inS32max = r.s32max;
  regBoundsSyncFull(r);
  if (bucket.length >= SYNC_BUCKET_MAX) bucket.shift();
  bucket.push({
    inValue: t.value,
    inMask: t.mask,
    inUmin,
    inSmin,
    inSmax,
    inU32min,
    inU32max,
    inS32min,
    inS32max,
    varOff: r.varOff,
    smin: r.smin,
    smax: r.smax,
    umin: r.umin,
    umax: r.umax,
    s32min: r.s32min,
    s32max: r.s32max,
    u32min: r.u32min,
    u32max: r.u32max,
  });
}

interface SyncMemo {
  inValue: bigint;
  inMask: bigint;
  inUmin: bigint;
  inSmin: bigint;
  inSmax: bigint;
  inU32min: bigint;
  inU32max: bigint;
  inS32min: bigint;
  inS32max: bigint;
  varOff: Tnum;
  smin: bigint;
  smax: bigint;
  umin: bigint;
  umax: bigint;
  s32min: bigint;
  s32max: bigint;
  u32min: bigint;
  u32max: bigint;
}

const SYNC_MEMO_MAX = 4096;
const SYNC_BUCKET_MAX = 16;
const syncMemo = new Map<bigint, SyncMemo[]>();

/** True when reg_bounds_sync would leave r unchanged (two cheap, common cases). */
export function syncIsIdentity(r: Reg): boolean {
  const t = r.varOff;
  if (t.mask === 0n) {
    const v = t.value;
    if (r.umin !== v || r.umax !== v) return false;
    const sv = s64(v);
    if (r.smin !== sv || r.smax !== sv) return false;
    const uv = v & 0xffff_ffffn;
    if (r.u32min !== uv || r.u32max !== uv) return false;
    const s32v = s32(v);
    return r.s32min === s32v && r.s32max === s32v;
  }
  return (
    t.mask === U64_MAX &&
    t.value === 0n &&
    r.umin === 0n &&
    r.umax === U64_MAX &&
    r.smin === S64_MIN &&
    r.smax === S64_MAX &&
    r.u32min === 0n &&
    r.u32max === U32_MAX &&
    r.s32min === S32_MIN &&
    r.s32max === S32_MAX
  );
}

/** reg_bounds_sync without the fixed-point shortcut. */
export function regBoundsSyncFull(r: Reg): void {
  updateRegBounds(r);
  regDeduceBounds(r);
  regDeduceBounds(r);
  regBoundOffset(r);
  updateRegBounds(r);
}

/** True when the bounds contradict each other (a dead branch). */
export function regBoundsInvalid(r: Reg): boolean {
  return r.umin > r.umax || r.smin > r.smax || r.u32min > r.u32max || r.s32min > r.s32max;
}

// ---- casts ----------------------------------------------------------------------------------

function regAssign32Into64(r: Reg): void {
  r.umin = r.u32min;
  r.umax = r.u32max;
  if (r.s32min >= 0n && r.s32max >= 0n) {
    r.smin = r.s32min;
    r.smax = r.s32max;
  } else {
    r.smin = 0n;
    r.smax = U32_MAX;
  }
}

export function zext32To64(r: Reg): void {
  r.varOff = tnumSubreg(r.varOff);
  regAssign32Into64(r);
}

/** coerce_reg_to_size: zero-extension of the low `size` bytes. */
export function coerceRegToSize(r: Reg, size: number): void {
  r.varOff = tnumCast(r.varOff, size);
  const mask = (1n << BigInt(size * 8)) - 1n;
  if ((r.umin & ~mask) === (r.umax & ~mask)) {
    r.umin &= mask;
    r.umax &= mask;
  } else {
    r.umin = 0n;
    r.umax = mask;
  }
  r.smin = r.umin;
  r.smax = r.umax;
  if (size < 4) markReg32Unbounded(r);
  regBoundsSync(r);
}

function setSextBounds64(r: Reg, size: number): void {
  if (size === 1) {
    r.smin = -128n;
    r.smax = 127n;
  } else if (size === 2) {
    r.smin = -32768n;
    r.smax = 32767n;
  } else {
    r.smin = S32_MIN;
    r.smax = S32_MAX;
  }
  r.umin = 0n;
  r.umax = U64_MAX;
  r.varOff = TNUM_UNKNOWN;
}

/** coerce_reg_to_size_sx: sign-extension of the low `size` bytes into 64 bits. */
export function coerceRegToSizeSx(r: Reg, size: number): void {
  const bits = BigInt(size * 8);
  if (tnumIsConst(r.varOff)) {
    const v = BigInt.asIntN(Number(bits), r.varOff.value);
    markRegKnownScalar(r, v);
    return;
  }
  // coerce_reg_to_size_sx (Linux 6.18): exact when the bits above `size` agree and the
  // sign-extended ends share a sign; otherwise the type's default range. No bounds sync after.
  const topMask = ~((1n << bits) - 1n);
  if ((u64(r.smax) & topMask) === (u64(r.smin) & topMask)) {
    const a = BigInt.asIntN(Number(bits), r.smax);
    const b = BigInt.asIntN(Number(bits), r.smin);
    const smax = max(a, b);
    const smin = min(a, b);
    if (smax >= 0n === smin >= 0n) {
      r.s32min = r.smin = smin;
      r.s32max = r.smax = smax;
      r.umin = u64(smin);
      r.umax = u64(smax);
      r.u32min = u32(smin);
      r.u32max = u32(smax);
      r.varOff = tnumRange(r.umin, r.umax);
      return;
    }
  }
  setSextBounds64(r, size);
  r.s32min = r.smin;
  r.s32max = r.smax;
  r.u32min = 0n;
  r.u32max = U32_MAX;
}

function markRegKnownScalar(r: Reg, v: bigint): void {
  const keepId = r.id;
  markRegKnown(r, v);
  r.id = keepId;
}

/** coerce_subreg_to_size_sx: sign-extension of the low `size` bytes into 32 bits (upper zero). */
export function coerceSubregToSizeSx(r: Reg, size: number): void {
  const bits = BigInt(size * 8);
  if (tnumIsConst(r.varOff)) {
    const v = u32(BigInt.asIntN(Number(bits), r.varOff.value));
    markReg32Known(r, v);
    return;
  }
  const topMask = ~((1n << bits) - 1n) & U32_MAX;
  const smax32 = r.s32max;
  const smin32 = r.s32min;
  const topSmax = u32(smax32) & topMask;
  const topSmin = u32(smin32) & topMask;
  const initSmax = BigInt.asIntN(Number(bits), smax32);
  const initSmin = BigInt.asIntN(Number(bits), smin32);
  if (topSmax === topSmin && max(initSmax, initSmin) >= 0n === min(initSmax, initSmin) >= 0n) {
    r.s32max = max(initSmax, initSmin);
    r.s32min = min(initSmax, initSmin);
    r.u32max = u32(r.s32max);
    r.u32min = u32(r.s32min);
    r.varOff = tnumSubreg(tnumRange(u64(r.s32min), u64(r.s32max)));
  } else {
    if (size === 1) {
      r.s32min = -128n;
      r.s32max = 127n;
    } else {
      r.s32min = -32768n;
      r.s32max = 32767n;
    }
    r.u32min = 0n;
    r.u32max = U32_MAX;
    r.varOff = tnumSubreg(TNUM_UNKNOWN);
  }
}

// ---- ALU on scalars ----------------------------------------------------------------------------

function addOverflows(a: bigint, b: bigint, lo: bigint, hi: bigint): [bigint, boolean] {
  const r = a + b;
  return [r, r < lo || r > hi];
}

function scalar32Add(d: Reg, s: Reg): void {
  const [smin, o1] = addOverflows(d.s32min, s.s32min, S32_MIN, S32_MAX);
  const [smax, o2] = addOverflows(d.s32max, s.s32max, S32_MIN, S32_MAX);
  if (o1 || o2) {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  } else {
    d.s32min = smin;
    d.s32max = smax;
  }
  const [umin, minOv] = addOverflows(d.u32min, s.u32min, 0n, U32_MAX);
  const [umax, maxOv] = addOverflows(d.u32max, s.u32max, 0n, U32_MAX);
  d.u32min = u32(umin);
  d.u32max = u32(umax);
  if (!minOv && maxOv) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  }
}

function scalar64Add(d: Reg, s: Reg): void {
  const [smin, o1] = addOverflows(d.smin, s.smin, S64_MIN, S64_MAX);
  const [smax, o2] = addOverflows(d.smax, s.smax, S64_MIN, S64_MAX);
  if (o1 || o2) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = smin;
    d.smax = smax;
  }
  const [umin, minOv] = addOverflows(d.umin, s.umin, 0n, U64_MAX);
  const [umax, maxOv] = addOverflows(d.umax, s.umax, 0n, U64_MAX);
  d.umin = u64(umin);
  d.umax = u64(umax);
  if (!minOv && maxOv) {
    d.umin = 0n;
    d.umax = U64_MAX;
  }
}

function scalar32Sub(d: Reg, s: Reg): void {
  const smin = d.s32min - s.s32max;
  const smax = d.s32max - s.s32min;
  if (smin < S32_MIN || smin > S32_MAX || smax < S32_MIN || smax > S32_MAX) {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  } else {
    d.s32min = smin;
    d.s32max = smax;
  }
  const umin = d.u32min - s.u32max;
  const umax = d.u32max - s.u32min;
  const minUnder = umin < 0n;
  const maxUnder = umax < 0n;
  d.u32min = u32(umin);
  d.u32max = u32(umax);
  if (minUnder && !maxUnder) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  }
}

function scalar64Sub(d: Reg, s: Reg): void {
  const smin = d.smin - s.smax;
  const smax = d.smax - s.smin;
  if (smin < S64_MIN || smin > S64_MAX || smax < S64_MIN || smax > S64_MAX) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = smin;
    d.smax = smax;
  }
  const umin = d.umin - s.umax;
  const umax = d.umax - s.umin;
  const minUnder = umin < 0n;
  const maxUnder = umax < 0n;
  d.umin = u64(umin);
  d.umax = u64(umax);
  if (minUnder && !maxUnder) {
    d.umin = 0n;
    d.umax = U64_MAX;
  }
}

function scalar32Mul(d: Reg, s: Reg): void {
  const umax = d.u32max * s.u32max;
  const umin = d.u32min * s.u32min;
  if (umax > U32_MAX || umin > U32_MAX) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  } else {
    d.u32min = umin;
    d.u32max = umax;
  }
  const p = [d.s32min * s.s32min, d.s32min * s.s32max, d.s32max * s.s32min, d.s32max * s.s32max];
  if (p.some((x) => x < S32_MIN || x > S32_MAX)) {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  } else {
    d.s32min = p.reduce(min);
    d.s32max = p.reduce(max);
  }
}

function scalar64Mul(d: Reg, s: Reg): void {
  const umax = d.umax * s.umax;
  const umin = d.umin * s.umin;
  if (umax > U64_MAX || umin > U64_MAX) {
    d.umin = 0n;
    d.umax = U64_MAX;
  } else {
    d.umin = umin;
    d.umax = umax;
  }
  const p = [d.smin * s.smin, d.smin * s.smax, d.smax * s.smin, d.smax * s.smax];
  if (p.some((x) => x < S64_MIN || x > S64_MAX)) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = p.reduce(min);
    d.smax = p.reduce(max);
  }
}

const subregIsConst = (t: Tnum): boolean => (t.mask & U32_MAX) === 0n;

function s32FromU32Range(d: Reg): void {
  if (s32(d.u32min) <= s32(d.u32max)) {
    d.s32min = s32(d.u32min);
    d.s32max = s32(d.u32max);
  } else {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  }
}

function s64FromU64Range(d: Reg): void {
  if (s64(d.umin) <= s64(d.umax)) {
    d.smin = s64(d.umin);
    d.smax = s64(d.umax);
  } else {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  }
}

function scalar32And(d: Reg, s: Reg): void {
  const v = tnumSubreg(d.varOff);
  if (subregIsConst(s.varOff) && subregIsConst(d.varOff)) {
    markReg32Known(d, v.value);
    return;
  }
  d.u32min = v.value;
  d.u32max = min(d.u32max, s.u32max);
  s32FromU32Range(d);
}

function scalar64And(d: Reg, s: Reg): void {
  if (tnumIsConst(s.varOff) && tnumIsConst(d.varOff)) {
    setKnownBounds(d, d.varOff.value);
    return;
  }
  d.umin = d.varOff.value;
  d.umax = min(d.umax, s.umax);
  s64FromU64Range(d);
  updateRegBounds(d);
}

function scalar32Or(d: Reg, s: Reg): void {
  const v = tnumSubreg(d.varOff);
  if (subregIsConst(s.varOff) && subregIsConst(d.varOff)) {
    markReg32Known(d, v.value);
    return;
  }
  d.u32min = max(d.u32min, s.u32min);
  d.u32max = v.value | v.mask;
  s32FromU32Range(d);
}

function scalar64Or(d: Reg, s: Reg): void {
  if (tnumIsConst(s.varOff) && tnumIsConst(d.varOff)) {
    setKnownBounds(d, d.varOff.value);
    return;
  }
  d.umin = max(d.umin, s.umin);
  d.umax = d.varOff.value | d.varOff.mask;
  s64FromU64Range(d);
  updateRegBounds(d);
}

function scalar32Xor(d: Reg, s: Reg): void {
  const v = tnumSubreg(d.varOff);
  if (subregIsConst(s.varOff) && subregIsConst(d.varOff)) {
    markReg32Known(d, v.value);
    return;
  }
  d.u32min = v.value;
  d.u32max = v.value | v.mask;
  s32FromU32Range(d);
}

function scalar64Xor(d: Reg, s: Reg): void {
  if (tnumIsConst(s.varOff) && tnumIsConst(d.varOff)) {
    setKnownBounds(d, d.varOff.value);
    return;
  }
  d.umin = d.varOff.value;
  d.umax = d.varOff.value | d.varOff.mask;
  s64FromU64Range(d);
  updateRegBounds(d);
}

function scalar32LshBounds(d: Reg, uminVal: bigint, umaxVal: bigint): void {
  d.s32min = S32_MIN;
  d.s32max = S32_MAX;
  if (umaxVal > 31n || d.u32max > 1n << (31n - umaxVal)) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  } else {
    d.u32min = u32(d.u32min << uminVal);
    d.u32max = u32(d.u32max << umaxVal);
  }
}

function scalar32Lsh(d: Reg, s: Reg): void {
  const sub = tnumSubreg(d.varOff);
  scalar32LshBounds(d, s.u32min, s.u32max);
  d.varOff = tnumSubreg(tnumLshift(sub, Number(s.u32min)));
  markReg64Unbounded(d);
  updateReg32Bounds(d);
}

function scalar64LshBounds(d: Reg, uminVal: bigint, umaxVal: bigint): void {
  if (uminVal === 32n && umaxVal === 32n && d.s32max >= 0n) d.smax = d.s32max << 32n;
  else d.smax = S64_MAX;
  if (uminVal === 32n && umaxVal === 32n && d.s32min >= 0n) d.smin = d.s32min << 32n;
  else d.smin = S64_MIN;
  if (d.umax > 1n << (63n - umaxVal)) {
    d.umin = 0n;
    d.umax = U64_MAX;
  } else {
    d.umin = u64(d.umin << uminVal);
    d.umax = u64(d.umax << umaxVal);
  }
}

function scalar64Lsh(d: Reg, s: Reg): void {
  scalar64LshBounds(d, s.umin, s.umax);
  scalar32LshBounds(d, s.umin, s.umax);
  d.varOff = tnumLshift(d.varOff, Number(s.umin));
  updateRegBounds(d);
}

function scalar32Rsh(d: Reg, s: Reg): void {
  const sub = tnumSubreg(d.varOff);
  d.s32min = S32_MIN;
  d.s32max = S32_MAX;
  d.varOff = tnumRshift(sub, Number(s.u32min));
  d.u32min = d.u32min >> s.u32max;
  d.u32max = d.u32max >> s.u32min;
  markReg64Unbounded(d);
  updateReg32Bounds(d);
}

function scalar64Rsh(d: Reg, s: Reg): void {
  d.smin = S64_MIN;
  d.smax = S64_MAX;
  d.varOff = tnumRshift(d.varOff, Number(s.umin));
  d.umin = d.umin >> s.umax;
  d.umax = d.umax >> s.umin;
  markReg32Unbounded(d);
  updateRegBounds(d);
}

function scalar32Arsh(d: Reg, s: Reg): void {
  const sh = s.u32min;
  d.s32min = d.s32min >> sh;
  d.s32max = d.s32max >> sh;
  d.varOff = tnumArshift(tnumSubreg(d.varOff), Number(sh), 32);
  d.u32min = 0n;
  d.u32max = U32_MAX;
  markReg64Unbounded(d);
  updateReg32Bounds(d);
}

function scalar64Arsh(d: Reg, s: Reg): void {
  const sh = s.umin;
  d.smin = d.smin >> sh;
  d.smax = d.smax >> sh;
  d.varOff = tnumArshift(d.varOff, Number(sh), 64);
  d.umin = 0n;
  d.umax = U64_MAX;
  markReg32Unbounded(d);
  updateRegBounds(d);
}

/** is_safe_to_compute_dst_reg_range. */
function safeToCompute(op: number, src: Reg, alu32: boolean): boolean {
  let srcConst: boolean;
  if (alu32) srcConst = subregIsConst(src.varOff) && src.s32min === src.s32max && src.u32min === src.u32max;
  else srcConst = tnumIsConst(src.varOff) && src.smin === src.smax && src.umin === src.umax;
  switch (op) {
    case 0x00: // add
    case 0x10: // sub
    case 0x80: // neg
    case 0x50: // and
    case 0xa0: // xor
    case 0x40: // or
    case 0x20: // mul
      return true;
    case 0x60: // lsh
    case 0x70: // rsh
    case 0xc0: // arsh
      return srcConst && src.umax < (alu32 ? 32n : 64n);
    default:
      return false;
  }
}

/**
 * adjust_scalar_min_max_vals: dst = dst <op> src for two scalars (op is BPF_OP of the insn).
 * Returns false when the result is simply unknown (division, modulo, unknown shifts).
 */
export function scalarAlu(d: Reg, src: Reg, op: number, alu32: boolean): void {
  if (!safeToCompute(op, src, alu32)) {
    markRegUnknown(d);
    return;
  }
  const s = src;
  switch (op) {
    case 0x00:
      scalar32Add(d, s);
      scalar64Add(d, s);
      d.varOff = tnumAdd(d.varOff, s.varOff);
      break;
    case 0x10:
      scalar32Sub(d, s);
      scalar64Sub(d, s);
      d.varOff = tnumSub(d.varOff, s.varOff);
      break;
    case 0x80: {
      const old = copyReg(d);
      setKnownBounds(d, 0n);
      scalar32Sub(d, old);
      scalar64Sub(d, old);
      d.varOff = tnumNeg(old.varOff);
      break;
    }
    case 0x20:
      d.varOff = tnumMul(d.varOff, s.varOff);
      scalar32Mul(d, s);
      scalar64Mul(d, s);
      break;
    case 0x50:
      d.varOff = tnumAnd(d.varOff, s.varOff);
      scalar32And(d, s);
      scalar64And(d, s);
      break;
    case 0x40:
      d.varOff = tnumOr(d.varOff, s.varOff);
      scalar32Or(d, s);
      scalar64Or(d, s);
      break;
    case 0xa0:
      d.varOff = tnumXor(d.varOff, s.varOff);
      scalar32Xor(d, s);
      scalar64Xor(d, s);
      break;
    case 0x60:
      if (alu32) scalar32Lsh(d, s);
      else scalar64Lsh(d, s);
      break;
    case 0x70:
      if (alu32) scalar32Rsh(d, s);
      else scalar64Rsh(d, s);
      break;
    case 0xc0:
      if (alu32) scalar32Arsh(d, s);
      else scalar64Arsh(d, s);
      break;
  }
  if (alu32) zext32To64(d);
  regBoundsSync(d);
}

// ---- branches -------------------------------------------------------------------------------

export const JEQ = 0x10;
export const JGT = 0x20;
export const JGE = 0x30;
export const JSET = 0x40;
export const JNE = 0x50;
export const JSGT = 0x60;
export const JSGE = 0x70;
export const JLT = 0xa0;
export const JLE = 0xb0;
export const JSLT = 0xc0;
export const JSLE = 0xd0;
/** JSET's negation (the kernel's BPF_JSET | BPF_X). */
export const JSET_NOT = 0x48;

export function flipOpcode(op: number): number {
  switch (op) {
    case JGT: return JLT;
    case JLT: return JGT;
    case JGE: return JLE;
    case JLE: return JGE;
    case JSGT: return JSLT;
    case JSLT: return JSGT;
    case JSGE: return JSLE;
    case JSLE: return JSGE;
    default: return op;
  }
}

export function revOpcode(op: number): number {
  switch (op) {
    case JEQ: return JNE;
    case JNE: return JEQ;
    case JSET: return JSET_NOT;
    case JSET_NOT: return JSET;
    case JGT: return JLE;
    case JLE: return JGT;
    case JGE: return JLT;
    case JLT: return JGE;
    case JSGT: return JSLE;
    case JSLE: return JSGT;
    case JSGE: return JSLT;
    case JSLT: return JSGE;
    default: return op;
  }
}

export function isRegConst(r: Reg, is32: boolean): boolean {
  return is32 ? subregIsConst(r.varOff) : tnumIsConst(r.varOff);
}

export function regConstValue(r: Reg, is32: boolean): bigint {
  return is32 ? u32(r.varOff.value) : r.varOff.value;
}

/** is_scalar_branch_taken: 1 taken, 0 not taken, -1 unknown. */
export function scalarBranchTaken(r1: Reg, r2: Reg, op: number, is32: boolean): number {
  const t1 = is32 ? tnumSubreg(r1.varOff) : r1.varOff;
  const t2 = is32 ? tnumSubreg(r2.varOff) : r2.varOff;
  const umin1 = is32 ? r1.u32min : r1.umin;
  const umax1 = is32 ? r1.u32max : r1.umax;
  const smin1 = is32 ? r1.s32min : r1.smin;
  const smax1 = is32 ? r1.s32max : r1.smax;
  const umin2 = is32 ? r2.u32min : r2.umin;
  const umax2 = is32 ? r2.u32max : r2.umax;
  const smin2 = is32 ? r2.s32min : r2.smin;
  const smax2 = is32 ? r2.s32max : r2.smax;
  switch (op) {
    case JEQ:
      if (tnumIsConst(t1) && tnumIsConst(t2)) return t1.value === t2.value ? 1 : 0;
      if (!tnumOverlap(t1, t2)) return 0;
      if (umin1 > umax2 || umax1 < umin2) return 0;
      if (smin1 > smax2 || smax1 < smin2) return 0;
      if (!is32) {
        if (r1.u32min > r2.u32max || r1.u32max < r2.u32min) return 0;
        if (r1.s32min > r2.s32max || r1.s32max < r2.s32min) return 0;
      }
      break;
    case JNE:
      if (tnumIsConst(t1) && tnumIsConst(t2)) return t1.value !== t2.value ? 1 : 0;
      if (!tnumOverlap(t1, t2)) return 1;
      if (umin1 > umax2 || umax1 < umin2) return 1;
      if (smin1 > smax2 || smax1 < smin2) return 1;
      if (!is32) {
        if (r1.u32min > r2.u32max || r1.u32max < r2.u32min) return 1;
        if (r1.s32min > r2.s32max || r1.s32max < r2.s32min) return 1;
      }
      break;
    case JSET: {
      let a = t1;
      let b = t2;
      let rb = r2;
      if (!isRegConst(rb, is32)) {
        [a, b] = [b, a];
        rb = r1;
      }
      if (!isRegConst(rb, is32)) return -1;
      if (~a.mask & a.value & b.value) return 1;
      if (!((a.mask | a.value) & b.value)) return 0;
      break;
    }
    case JGT:
      if (umin1 > umax2) return 1;
      if (umax1 <= umin2) return 0;
      break;
    case JSGT:
      if (smin1 > smax2) return 1;
      if (smax1 <= smin2) return 0;
      break;
    case JLT:
      if (umax1 < umin2) return 1;
      if (umin1 >= umax2) return 0;
      break;
    case JSLT:
      if (smax1 < smin2) return 1;
      if (smin1 >= smax2) return 0;
      break;
    case JGE:
      if (umin1 >= umax2) return 1;
      if (umax1 < umin2) return 0;
      break;
    case JSGE:
      if (smin1 >= smax2) return 1;
      if (smax1 < smin2) return 0;
      break;
    case JLE:
      if (umax1 <= umin2) return 1;
      if (umin1 > umax2) return 0;
      break;
    case JSLE:
      if (smax1 <= smin2) return 1;
      if (smin1 > smax2) return 0;
      break;
  }
  return -1;
}

const isPow2 = (v: bigint): boolean => v !== 0n && (v & (v - 1n)) === 0n;

/** regs_refine_cond_op: narrows reg1 and reg2 assuming `reg1 <op> reg2` holds. */
export function refineCondOp(reg1: Reg, reg2: Reg, op: number, is32: boolean): void {
  switch (op) {
    case JGE:
    case JGT:
    case JSGE:
    case JSGT:
      op = flipOpcode(op);
      [reg1, reg2] = [reg2, reg1];
      break;
  }
  switch (op) {
    case JEQ:
      if (is32) {
        reg1.u32min = max(reg1.u32min, reg2.u32min);
        reg1.u32max = min(reg1.u32max, reg2.u32max);
        reg1.s32min = max(reg1.s32min, reg2.s32min);
        reg1.s32max = min(reg1.s32max, reg2.s32max);
        reg2.u32min = reg1.u32min;
        reg2.u32max = reg1.u32max;
        reg2.s32min = reg1.s32min;
        reg2.s32max = reg1.s32max;
        const t = tnumIntersect(tnumSubreg(reg1.varOff), tnumSubreg(reg2.varOff));
        reg1.varOff = tnumWithSubreg(reg1.varOff, t);
        reg2.varOff = tnumWithSubreg(reg2.varOff, t);
      } else {
        reg1.umin = max(reg1.umin, reg2.umin);
        reg1.umax = min(reg1.umax, reg2.umax);
        reg1.smin = max(reg1.smin, reg2.smin);
        reg1.smax = min(reg1.smax, reg2.smax);
        reg2.umin = reg1.umin;
        reg2.umax = reg1.umax;
        reg2.smin = reg1.smin;
        reg2.smax = reg1.smax;
        reg1.varOff = tnumIntersect(reg1.varOff, reg2.varOff);
        reg2.varOff = reg1.varOff;
      }
      break;
    case JNE: {
      if (!isRegConst(reg2, is32)) [reg1, reg2] = [reg2, reg1];
      if (!isRegConst(reg2, is32)) break;
      const val = regConstValue(reg2, is32);
      if (is32) {
        if (reg1.u32min === u32(val)) reg1.u32min++;
        if (reg1.u32max === u32(val)) reg1.u32max--;
        if (reg1.s32min === s32(val)) reg1.s32min++;
        if (reg1.s32max === s32(val)) reg1.s32max--;
      } else {
        if (reg1.umin === val) reg1.umin++;
        if (reg1.umax === val) reg1.umax--;
        if (reg1.smin === s64(val)) reg1.smin++;
        if (reg1.smax === s64(val)) reg1.smax--;
      }
      break;
    }
    case JSET: {
      if (!isRegConst(reg2, is32)) [reg1, reg2] = [reg2, reg1];
      if (!isRegConst(reg2, is32)) break;
      const val = regConstValue(reg2, is32);
      if (!isPow2(val)) break;
      if (is32) {
        const t = tnumOr(tnumSubreg(reg1.varOff), tnumConst(val));
        reg1.varOff = tnumWithSubreg(reg1.varOff, t);
      } else {
        reg1.varOff = tnumOr(reg1.varOff, tnumConst(val));
      }
      break;
    }
    case JSET_NOT: {
      if (!isRegConst(reg2, is32)) [reg1, reg2] = [reg2, reg1];
      if (!isRegConst(reg2, is32)) break;
      const val = regConstValue(reg2, is32);
      markRegUnbounded(reg1);
      if (is32) {
        const t = tnumAnd(tnumSubreg(reg1.varOff), tnumConst(~val));
        reg1.varOff = tnumWithSubreg(reg1.varOff, t);
      } else {
        reg1.varOff = tnumAnd(reg1.varOff, tnumConst(~val));
      }
      break;
    }
    case JLE:
      if (is32) {
        reg1.u32max = min(reg1.u32max, reg2.u32max);
        reg2.u32min = max(reg1.u32min, reg2.u32min);
      } else {
        reg1.umax = min(reg1.umax, reg2.umax);
        reg2.umin = max(reg1.umin, reg2.umin);
      }
      break;
    case JLT:
      if (is32) {
        reg1.u32max = min(reg1.u32max, u32(reg2.u32max - 1n));
        reg2.u32min = max(u32(reg1.u32min + 1n), reg2.u32min);
      } else {
        reg1.umax = min(reg1.umax, u64(reg2.umax - 1n));
        reg2.umin = max(u64(reg1.umin + 1n), reg2.umin);
      }
      break;
    case JSLE:
      if (is32) {
        reg1.s32max = min(reg1.s32max, reg2.s32max);
        reg2.s32min = max(reg1.s32min, reg2.s32min);
      } else {
        reg1.smax = min(reg1.smax, reg2.smax);
        reg2.smin = max(reg1.smin, reg2.smin);
      }
      break;
    case JSLT:
      if (is32) {
        reg1.s32max = min(reg1.s32max, s32(reg2.s32max - 1n));
        reg2.s32min = max(s32(reg1.s32min + 1n), reg2.s32min);
      } else {
        reg1.smax = min(reg1.smax, s64(reg2.smax - 1n));
        reg2.smin = max(s64(reg1.smin + 1n), reg2.smin);
      }
      break;
  }
}

/** range_within(old, cur): every value cur admits, old admits too. */
export function rangeWithin(old: Reg, cur: Reg): boolean {
  return (
    old.umin <= cur.umin &&
    old.umax >= cur.umax &&
    old.smin <= cur.smin &&
    old.smax >= cur.smax &&
    old.u32min <= cur.u32min &&
    old.u32max >= cur.u32max &&
    old.s32min <= cur.s32min &&
    old.s32max >= cur.s32max
  );
}

/** The number of bits a scalar's value may occupy (get_reg_width). */
export function regWidth(r: Reg): number {
  return r.umax === 0n ? 0 : r.umax.toString(2).length;
}

export function registerIsNull(r: Reg): boolean {
  return r.type === SCALAR_VALUE && tnumIsConst(r.varOff) && r.varOff.value === 0n;
}
