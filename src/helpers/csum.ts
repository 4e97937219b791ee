/**
 * Internet checksum arithmetic as the kernel does it on a little-endian machine: a 32-bit
 * ones'-complement accumulator over the bytes read as little-endian 16-bit words (__wsum), folded
 * to 16 bits (__sum16). Values are what the kernel would hold in a register after loading the
 * bytes, so results compare directly with what programs read and write.
 */

/**
 * csum_partial(buf, len, sum) exactly as x86_64 computes it (arch/x86/lib/csum-partial_64.c):
 * 64-bit little-endian words added with end-around carry, the tail zero-padded, folded to 32 bits
 * with end-around carry. The result is therefore the ones'-complement sum modulo 2^32 - 1 of
 * the seed and the 32-bit little-endian words, represented as 0 only when everything is zero
 * (0xffffffff otherwise) — the very __wsum the kernel keeps in skb->csum and returns from
 * bpf_csum_update.
 */
export function csumPartial(u8: Uint8Array, start: number, len: number, sum: number): number {
  const M = 0xffffffff;
  let s = sum >>> 0;
  let any = s;
  let i = start;
  const end = start + len;
  for (; i + 3 < end; i += 4) {
    const w = (u8[i]! | (u8[i + 1]! << 8) | (u8[i + 2]! << 16) | (u8[i + 3]! << 24)) >>> 0;
    any |= w;
    s += w;
    if (s >= 0x10000000000000) s %= M;
  }
  if (i < end) {
    let w = 0;
    for (let k = 0; i + k < end; k++) w |= u8[i + k]! << (8 * k);
    w >>>= 0;
    any |= w;
    s += w;
  }
  if (any === 0) return 0;
  const r = s % M;
  return r === 0 ? M : r;
}

/** csum_add: 32-bit ones'-complement addition. */
export function csumAdd(a: number, b: number): number {
  const r = (a >>> 0) + (b >>> 0);
  return (r > 0xffffffff ? r - 0xffffffff : r) >>> 0;
}

/** csum_sub: a - b = a + ~b. */
export function csumSub(a: number, b: number): number {
  return csumAdd(a, ~b >>> 0);
}

/** csum_fold: 32 → 16 bits, complemented. */
export function csumFold(sum: number): number {
  let s = sum >>> 0;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** csum_from32to16: 32 → 16 bits with end-around carry, not complemented (bpf_csum_diff's result). */
export function csumFrom32to16(sum: number): number {
  let s = sum >>> 0;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s & 0xffff;
}

/** csum16_add on __sum16 values. */
export function csum16Add(csum: number, addend: number): number {
  let res = (csum & 0xffff) + (addend & 0xffff);
  res = (res & 0xffff) + (res >>> 16);
  return res & 0xffff;
}

/** Adds the two 32-bit words of `diff` (as they would lie in memory) to a partial sum. */
export function csumWords(words: readonly number[], sum: number): number {
  let acc = sum >>> 0;
  for (const w of words) acc = csumAdd(acc, w >>> 0);
  return acc;
}
