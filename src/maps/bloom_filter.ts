import { BPF_ANY, BPF_F_ZERO_SEED, EINVAL, ENOENT, EOPNOTSUPP } from "./constants.js";
import { MapBase } from "./base.js";
import { jhash, jhash2 } from "./jhash.js";
import type { MapEnvironment, MapInfo, MapSpec } from "./types.js";

/**
 * bloom_filter: a bit array sized as the kernel sizes it (max_entries × k × 7 / 5 bits rounded
 * up to a power of two, at least 64), k = map_extra & 0xf hash functions (5 when 0), each
 * jhash(value, seed + i). False positives happen, false negatives never. With BPF_F_ZERO_SEED the
 * bits are the kernel's own, so even false positives match. No keys: push adds, peek tests
 * (lookup from the host tests too); everything else is EOPNOTSUPP.
 */
export class BloomFilterMap extends MapBase {
  readonly nrHashes: number;
  readonly bitsetMask: number;
  private readonly bits: Uint8Array;
  private readonly seed: number;
  private readonly alignedWords: number;

  constructor(info: MapInfo, env: MapEnvironment, spec?: MapSpec) {
    super(info, env, spec);
    const k = Number(info.mapExtra & 0xfn);
    this.nrHashes = k === 0 ? 5 : k;
    let nrBits = info.maxEntries * this.nrHashes;
    nrBits = Math.floor(nrBits / 5) * 7;
    if (info.maxEntries * this.nrHashes > 0xffffffff || nrBits > 0xffffffff || nrBits > 2 ** 31) {
      this.bitsetMask = 0xffffffff;
    } else {
      nrBits = nrBits <= 64 ? 64 : 2 ** Math.ceil(Math.log2(nrBits));
      this.bitsetMask = nrBits - 1;
    }
    this.bits = new Uint8Array(Math.ceil((this.bitsetMask + 1) / 64) * 8);
    this.seed = info.flags & BPF_F_ZERO_SEED ? 0 : (Math.random() * 0x100000000) >>> 0;
    this.alignedWords = info.valueSize % 4 === 0 ? info.valueSize / 4 : 0;
  }

  private hash(value: Uint8Array, i: number): number {
    const seed = (this.seed + i) >>> 0;
    const h = this.alignedWords ? jhash2(value, this.alignedWords, seed) : jhash(value, this.info.valueSize, seed);
    return (h & this.bitsetMask) >>> 0;
  }

  /** True when the value may be in the set (false means it certainly is not). */
  has(value: Uint8Array): boolean {
    for (let i = 0; i < this.nrHashes; i++) {
      const h = this.hash(value, i);
      if (!(this.bits[h >>> 3]! & (1 << (h & 7)))) return false;
    }
    return true;
  }

  private add(value: Uint8Array, flags: number): number {
    if (flags !== BPF_ANY) return EINVAL;
    for (let i = 0; i < this.nrHashes; i++) {
      const h = this.hash(value, i);
      this.bits[h >>> 3]! |= 1 << (h & 7);
    }
    return 0;
  }

  /** BPF_MAP_LOOKUP_ELEM on a bloom filter takes the value in: 0 when present, ENOENT when not. */
  contains(value: Uint8Array): boolean {
    this.checkValue(value, "lookup");
    return this.has(value);
  }

  protected sysLookup(): Uint8Array | number {
    return EOPNOTSUPP;
  }

  protected sysUpdate(_key: Uint8Array | undefined, value: Uint8Array, flags: number): number {
    return this.add(value, flags);
  }

  protected override sysDelete(): number {
    return EOPNOTSUPP;
  }

  protected override sysNextKey(): Uint8Array | number {
    return EOPNOTSUPP;
  }

  override lookupAddr(): number {
    return 0;
  }

  override pushFromVm(valueAddr: number, flags: number): number {
    this.assertProgWrite("bpf_map_push_elem");
    return this.add(this.readValue(valueAddr), flags);
  }

  override peekToVm(valueAddr: number): number {
    return this.has(this.readValue(valueAddr)) ? 0 : ENOENT;
  }

  override popToVm(): number {
    return EOPNOTSUPP;
  }
}
