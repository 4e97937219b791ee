/** bpf_get_prandom_u32 with a seedable generator (SplitMix32 → xorshift128+ state in 32-bit words). */
import type { HelperDef } from "./registry.js";

/** A small, fast, seedable 32-bit PRNG (xoshiro128**). */
export class Prandom {
  private s = new Uint32Array(4);
  constructor(seed = 0x9e3779b9) {
    this.seed(seed);
  }
  seed(seed: number): void {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      // SplitMix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }
  next(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export function randomHelpers(rng: Prandom = new Prandom(Date.now() >>> 0)): HelperDef[] {
  return [{ id: 7, name: "get_prandom_u32", fn: () => rng.next(), proto: { ret: "RET_INTEGER", args: [] } }];
}
