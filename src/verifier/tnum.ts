/**
 * Tristate numbers ("tnums", kernel/bpf/tnum.c): a 64-bit value where each bit is known 0, known 1
 * or unknown. `value` holds the known-1 bits, `mask` the unknown bits; a bit is never set in both.
 * All quantities are unsigned 64-bit BigInts.
 */

export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

export const U64_MAX = 0xffff_ffff_ffff_ffffn;
export const U32_MAX = 0xffff_ffffn;
const M64 = U64_MAX;

const u64 = (x: bigint): bigint => x & M64;

export function tnum(value: bigint, mask: bigint): Tnum {
  return { value: u64(value), mask: u64(mask) };
}

export const TNUM_UNKNOWN: Tnum = Object.freeze({ value: 0n, mask: M64 });
export const TNUM_ZERO: Tnum = Object.freeze({ value: 0n, mask: 0n });

export function tnumConst(v: bigint): Tnum {
  return { value: u64(v), mask: 0n };
}

/** Number of significant bits of x (fls64). */
function fls64(x: bigint): number {
  if (x === 0n) return 0;
  const hi = Number(x >> 32n);
  if (hi) return 64 - Math.clz32(hi);
  return 32 - Math.clz32(Number(x & 0xffff_ffffn));
}

/** The smallest tnum that holds every value of [min, max] (unsigned). */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = min ^ max;
  const bits = fls64(chi);
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
  return tnum(min & ~delta, delta);
}

export function tnumLshift(a: Tnum, shift: number): Tnum {
  const s = BigInt(shift);
  return tnum(a.value << s, a.mask << s);
}

export function tnumRshift(a: Tnum, shift: number): Tnum {
  const s = BigInt(shift);
  return tnum(a.value >> s, a.mask >> s);
}

/** Arithmetic right shift of the low `insnBitness` bits (32 or 64), as tnum_arshift. */
export function tnumArshift(a: Tnum, minShift: number, insnBitness: number): Tnum {
  const s = BigInt(minShift);
  if (insnBitness === 32) {
    const v = BigInt.asIntN(32, a.value) >> s;
    const m = BigInt.asIntN(32, a.mask) >> s;
    return tnum(BigInt.asUintN(32, v), BigInt.asUintN(32, m));
  }
  return tnum(BigInt.asIntN(64, a.value) >> s, BigInt.asIntN(64, a.mask) >> s);
}

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  // Two constants (pointer offsets, mostly): the general formula reduces to the sum.
  if (a.mask === 0n && b.mask === 0n) return { value: u64(a.value + b.value), mask: 0n };
  const sm = u64(a.mask + b.mask);
  const sv = u64(a.value + b.value);
  const sigma = u64(sm + sv);
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return tnum(sv & ~mu, mu);
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  if (a.mask === 0n && b.mask === 0n) return { value: u64(a.value - b.value), mask: 0n };
  const dv = u64(a.value - b.value);
  const alpha = u64(dv + a.mask);
  const beta = u64(dv - b.mask);
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return tnum(dv & ~mu, mu);
}

export function tnumNeg(a: Tnum): Tnum {
  return tnumSub(TNUM_ZERO, a);
}

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return tnum(v, alpha & beta & ~v);
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return tnum(v, mu & ~v);
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return tnum(v & ~mu, mu);
}

/** The smallest tnum that holds every value of a and of b. */
export function tnumUnion(a: Tnum, b: Tnum): Tnum {
  const v = a.value & b.value;
  const mu = (a.value ^ b.value) | a.mask | b.mask;
  return tnum(v & ~mu, mu);
}

export function tnumMul(a: Tnum, b: Tnum): Tnum {
  let acc = TNUM_ZERO;
  while (a.value !== 0n || a.mask !== 0n) {
    if (a.value & 1n) acc = tnumAdd(acc, b);
    else if (a.mask & 1n) acc = tnumUnion(acc, tnumAdd(acc, b));
    a = tnumRshift(a, 1);
    b = tnumLshift(b, 1);
  }
  return acc;
}

/** Values both a and b may hold (they are assumed to overlap). */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return tnum(v & ~mu, mu);
}

/** Truncates to `size` bytes (zero-extends). */
export function tnumCast(a: Tnum, size: number): Tnum {
  if (size >= 8) return a;
  const m = (1n << BigInt(size * 8)) - 1n;
  return tnum(a.value & m, a.mask & m);
}

export function tnumIsAligned(a: Tnum, size: number): boolean {
  if (!size) return true;
  return ((a.value | a.mask) & BigInt(size - 1)) === 0n;
}

/** True when every value of b is a value of a. */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  // Cheap exits without BigInt allocation: a constant holds only itself, the unknown tnum all.
  if (a.mask === 0n) return b.mask === 0n && a.value === b.value;
  if (a.mask === M64 && a.value === 0n) return true;
  // Equal masks: b's value has no mask bits (every tnum is built so), so b.value & ~a.mask is
  // b.value; no BigInt is allocated.
  if (a.mask === b.mask) return a.value === b.value;
  if (b.mask & ~a.mask) return false;
  return a.value === (b.value & ~a.mask);
}

export function tnumIsConst(a: Tnum): boolean {
  return a.mask === 0n;
}

export function tnumEqualsConst(a: Tnum, v: bigint): boolean {
  return a.mask === 0n && a.value === u64(v);
}

export function tnumIsUnknown(a: Tnum): boolean {
  return a.mask === M64;
}

export function tnumEq(a: Tnum, b: Tnum): boolean {
  return a.value === b.value && a.mask === b.mask;
}

/** True when a and b share at least one possible value. */
export function tnumOverlap(a: Tnum, b: Tnum): boolean {
  const mu = ~a.mask & ~b.mask & M64;
  return (a.value & mu) === (b.value & mu);
}

/** The kernel's `(%#llx; %#llx)` text (the C `%#llx` prints 0 as plain "0x0"? no: as "0"). */
export function tnumStr(a: Tnum): string {
  return `(${hexAlt(a.value)}; ${hexAlt(a.mask)})`;
}

/** printf("%#llx"): "0x…" for non-zero values, "0" for zero — but the kernel prints 0 as "0x0". */
function hexAlt(v: bigint): string {
  return `0x${v.toString(16)}`;
}

// Subregister (low 32 bits) helpers.
export function tnumSubreg(a: Tnum): Tnum {
  return tnumCast(a, 4);
}

export function tnumClearSubreg(a: Tnum): Tnum {
  return tnumLshift(tnumRshift(a, 32), 32);
}

export function tnumWithSubreg(reg: Tnum, subreg: Tnum): Tnum {
  return tnumOr(tnumClearSubreg(reg), tnumSubreg(subreg));
}

export function tnumConstSubreg(a: Tnum, v: bigint): Tnum {
  return tnumWithSubreg(a, tnumConst(v & U32_MAX));
}

/** Minimum and maximum unsigned values a tnum admits. */
export function tnumUmin(a: Tnum): bigint {
  return a.value;
}

export function tnumUmax(a: Tnum): bigint {
  return a.value | a.mask;
}
