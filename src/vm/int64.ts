/**
 * 64-bit helpers over (lo, hi) Int32 halves. The common cases stay in doubles; the rare ones
 * (64-bit division with a high half) fall back to BigInt, off the hot path of ordinary programs.
 */

/** High 32 bits of the unsigned 64-bit product of two 32-bit values. */
export function umulhi(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const lo = a0 * b0;
  const mid1 = a1 * b0 + (lo >>> 16);
  const mid2 = a0 * b1 + (mid1 & 0xffff);
  return (a1 * b1 + Math.floor(mid1 / 65536) + Math.floor(mid2 / 65536)) | 0;
}

function toBig(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

function store(L: Int32Array, H: Int32Array, d: number, v: bigint): void {
  L[d] = Number(BigInt.asIntN(32, v));
  H[d] = Number(BigInt.asIntN(32, v >> 32n));
}

/** Unsigned 64-bit dst /= (bl, bh); division by zero gives 0. */
export function udiv64(L: Int32Array, H: Int32Array, d: number, bl: number, bh: number): void {
  if (bl === 0 && bh === 0) {
    L[d] = 0;
    H[d] = 0;
  } else if (H[d] === 0 && bh === 0) {
    L[d] = Math.trunc((L[d]! >>> 0) / (bl >>> 0)) | 0;
  } else {
    store(L, H, d, toBig(L[d]!, H[d]!) / toBig(bl, bh));
  }
}

/** Unsigned 64-bit dst %= (bl, bh); modulo by zero leaves dst. */
export function umod64(L: Int32Array, H: Int32Array, d: number, bl: number, bh: number): void {
  if (bl === 0 && bh === 0) return;
  if (H[d] === 0 && bh === 0) {
    L[d] = (L[d]! >>> 0) % (bl >>> 0) | 0;
  } else {
    store(L, H, d, toBig(L[d]!, H[d]!) % toBig(bl, bh));
  }
}

/** Signed 64-bit dst /= src (off = 1); by zero gives 0; INT64_MIN / -1 wraps to INT64_MIN. */
export function sdiv64(L: Int32Array, H: Int32Array, d: number, bl: number, bh: number): void {
  if (bl === 0 && bh === 0) {
    L[d] = 0;
    H[d] = 0;
  } else if (H[d] === L[d]! >> 31 && bh === bl >> 31) {
    // Both fit in int32: the quotient is exact in a double (|q| <= 2^31).
    const q = Math.trunc(L[d]! / bl);
    L[d] = q | 0;
    H[d] = q < 0 ? -1 : 0;
  } else {
    const a = BigInt.asIntN(64, toBig(L[d]!, H[d]!));
    const b = BigInt.asIntN(64, toBig(bl, bh));
    store(L, H, d, BigInt.asUintN(64, a / b));
  }
}

/** Signed 64-bit dst %= src (off = 1); by zero leaves dst; the result has the dividend's sign. */
export function smod64(L: Int32Array, H: Int32Array, d: number, bl: number, bh: number): void {
  if (bl === 0 && bh === 0) return;
  if (H[d] === L[d]! >> 31 && bh === bl >> 31) {
    const r = L[d]! % bl;
    L[d] = r | 0;
    H[d] = r < 0 ? -1 : 0;
  } else {
    const a = BigInt.asIntN(64, toBig(L[d]!, H[d]!));
    const b = BigInt.asIntN(64, toBig(bl, bh));
    store(L, H, d, BigInt.asUintN(64, a % b));
  }
}
