/**
 * Bob Jenkins' lookup3 hash as the kernel's include/linux/jhash.h computes it (jhash over bytes,
 * jhash2 over 32-bit words read in CPU order — little-endian here). Hash maps pick buckets with
 * it, bloom filters pick bits with it; with BPF_F_ZERO_SEED both are deterministic, so iteration
 * order and false positives match the kernel's exactly.
 */

const JHASH_INITVAL = 0xdeadbeef;

const rol = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

// State lives in module variables so hashing allocates nothing.
let a = 0;
let b = 0;
let c = 0;

function mix(): void {
  a = (a - c) | 0; a ^= rol(c, 4); c = (c + b) | 0;
  b = (b - a) | 0; b ^= rol(a, 6); a = (a + c) | 0;
  c = (c - b) | 0; c ^= rol(b, 8); b = (b + a) | 0;
  a = (a - c) | 0; a ^= rol(c, 16); c = (c + b) | 0;
  b = (b - a) | 0; b ^= rol(a, 19); a = (a + c) | 0;
  c = (c - b) | 0; c ^= rol(b, 4); b = (b + a) | 0;
}

function final(): void {
  c ^= b; c = (c - rol(b, 14)) | 0;
  a ^= c; a = (a - rol(c, 11)) | 0;
  b ^= a; b = (b - rol(a, 25)) | 0;
  c ^= b; c = (c - rol(b, 16)) | 0;
  a ^= c; a = (a - rol(c, 4)) | 0;
  b ^= a; b = (b - rol(a, 14)) | 0;
  c ^= b; c = (c - rol(b, 24)) | 0;
}

const le32 = (k: Uint8Array, o: number): number => k[o]! | (k[o + 1]! << 8) | (k[o + 2]! << 16) | (k[o + 3]! << 24);

/** jhash(key, length, initval) over `length` bytes of `k` from `off`. */
export function jhash(k: Uint8Array, length: number, initval: number, off = 0): number {
  a = b = c = (JHASH_INITVAL + length + initval) | 0;
  let o = off;
  let len = length;
  while (len > 12) {
    a = (a + le32(k, o)) | 0;
    b = (b + le32(k, o + 4)) | 0;
    c = (c + le32(k, o + 8)) | 0;
    mix();
    len -= 12;
    o += 12;
  }
  if (len === 0) return c >>> 0;
  // The kernel's fall-through switch over the last 1–12 bytes.
  if (len >= 12) c = (c + (k[o + 11]! << 24)) | 0;
  if (len >= 11) c = (c + (k[o + 10]! << 16)) | 0;
  if (len >= 10) c = (c + (k[o + 9]! << 8)) | 0;
  if (len >= 9) c = (c + k[o + 8]!) | 0;
  if (len >= 8) b = (b + (k[o + 7]! << 24)) | 0;
  if (len >= 7) b = (b + (k[o + 6]! << 16)) | 0;
  if (len >= 6) b = (b + (k[o + 5]! << 8)) | 0;
  if (len >= 5) b = (b + k[o + 4]!) | 0;
  if (len >= 4) a = (a + (k[o + 3]! << 24)) | 0;
  if (len >= 3) a = (a + (k[o + 2]! << 16)) | 0;
  if (len >= 2) a = (a + (k[o + 1]! << 8)) | 0;
  a = (a + k[o]!) | 0;
  final();
  return c >>> 0;
}

/** jhash2(words, length, initval): `length` little-endian u32 words of `k` from byte `off`. */
export function jhash2(k: Uint8Array, length: number, initval: number, off = 0): number {
  a = b = c = (JHASH_INITVAL + (length << 2) + initval) | 0;
  let o = off;
  let len = length;
  while (len > 3) {
    a = (a + le32(k, o)) | 0;
    b = (b + le32(k, o + 4)) | 0;
    c = (c + le32(k, o + 8)) | 0;
    mix();
    len -= 3;
    o += 12;
  }
  if (len === 0) return c >>> 0;
  if (len >= 3) c = (c + le32(k, o + 8)) | 0;
  if (len >= 2) b = (b + le32(k, o + 4)) | 0;
  a = (a + le32(k, o)) | 0;
  final();
  return c >>> 0;
}

/** htab_map_hash(): jhash2 when the key is a whole number of words, jhash otherwise. */
export function htabHash(key: Uint8Array, keySize: number, seed: number): number {
  return keySize % 4 === 0 ? jhash2(key, keySize / 4, seed) : jhash(key, keySize, seed);
}
