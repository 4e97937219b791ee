/**
 * Internet checksum arithmetic as the kernel does it on a little-endian machine: a 32-bit
 * ones'-complement accumulator over the bytes read as little-endian 16-bit words (__wsum), folded
 * to 16 bits (__sum16). Values are what the kernel would hold in a register after loading the
 * bytes, so results compare directly with what programs read and write.
 */

/** csum_partial(buf, len, sum): adds the bytes to a 32-bit partial sum. */
export function csumPartial(u8: Uint8Array, start: number, len: number, sum: number): number {
  const acc = sum >>> 0;
  let i = start;
  const end = start + len;
  // 16-bit words, little-endian; carries folded back in (end-around carry).
  let s = 0;
  for (; i + 1 < end; i += 2) {
    s += u8[i]! | (u8[i + 1]! << 8);
    if (s > 0x7fffffff) s = (s & 0xffff) + Math.floor(s / 65536);
  }
  if (i < end) s += u8[i]!;
  s = (s & 0xffff) + Math.floor(s / 65536);
  s = (s & 0xffff) + Math.floor(s / 65536);
  return csumAdd(acc, s);
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
