import type { Region } from "../vm/memory.js";
import { PERM_READ } from "../vm/memory.js";
import {
  BPF_EXIST,
  BPF_F_LOCK,
  BPF_F_NO_COMMON_LRU,
  BPF_F_ZERO_SEED,
  BPF_NOEXIST,
  E2BIG,
  EEXIST,
  EINVAL,
  ENOENT,
  ENOMEM,
  ENOSPC,
  MapType,
} from "./constants.js";
import { MapBase, readU32, round8, u32Bytes, type RawBatch } from "./base.js";
import { htabHash, jhash, jhash2 } from "./jhash.js";
import { BpfLru, LruType, type Link, type LruNode } from "./lru.js";
import { Slab } from "./slab.js";
import type { BpfMap, MapEnvironment, MapInfo, MapSpec } from "./types.js";

/** One element: its key, hash, value slot and (LRU maps) its place in the LRU lists. */
interface Elem extends LruNode {
  key: Uint8Array;
  hash: number;
  /** VM address of the value (per-CPU: of CPU 0's; CPU c's is at addr + c × round_up(value_size, 8)). */
  addr: number;
  inHash: boolean;
  /** hash_of_maps: the inner map. */
  inner?: BpfMap;
}

function randomSeed(): number {
  const c = (globalThis as { crypto?: { getRandomValues(a: Uint32Array): Uint32Array } }).crypto;
  if (c) return c.getRandomValues(new Uint32Array(1))[0]!;
  return (Math.random() * 0x100000000) >>> 0;
}

export function roundupPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * hash, percpu_hash, lru_hash, lru_percpu_hash and hash_of_maps, laid out as the kernel's htab:
 * n_buckets = roundup_pow_of_two(max_entries) buckets selected by jhash(key, seed) & (n − 1), each
 * a list with new elements at its head (an update that replaces an element puts the new one at
 * the head too). get_next_key and batches walk buckets in index order and each bucket from its
 * head, so with BPF_F_ZERO_SEED (seed 0) the iteration order is the kernel's exactly; other maps
 * draw a random seed, as the kernel does, and have no fixed order.
 */
export class HashMap extends MapBase {
  readonly nBuckets: number;
  readonly seed: number;
  private readonly buckets: Elem[][];
  private readonly lru: BpfLru<Elem> | undefined;
  private readonly slab: Slab;
  private readonly slotSize: number;
  private count = 0;
  private readonly isLru: boolean;
  private readonly isOfMaps: boolean;
  private keyScratch: Region | undefined;

  constructor(info: MapInfo, env: MapEnvironment, spec?: MapSpec, readonly innerTemplate?: MapInfo) {
    super(info, env, spec);
    const t = info.type;
    this.isLru = t === MapType.LRU_HASH || t === MapType.LRU_PERCPU_HASH;
    this.isOfMaps = t === MapType.HASH_OF_MAPS;
    this.nBuckets = roundupPow2(info.maxEntries);
    this.buckets = Array.from({ length: this.nBuckets }, () => []);
    this.seed = info.flags & BPF_F_ZERO_SEED ? 0 : randomSeed();
    this.slotSize = this.isOfMaps ? 8 : this.percpu ? round8(info.valueSize) * this.cpus : round8(info.valueSize);
    this.slab = new Slab(this, this.slotSize, info.maxEntries + (this.isLru || this.percpu ? 0 : this.cpus));
    this.batchOps = { lookup: true, lookupAndDelete: true, update: true, delete: true };
    if (this.isLru) {
      this.lru = new BpfLru<Elem>((info.flags & BPF_F_NO_COMMON_LRU) !== 0, this.cpus, (e) => this.unlink(e));
      const nodes: Elem[] = [];
      for (let i = 0; i < info.maxEntries; i++) {
        const e = { key: new Uint8Array(0), hash: 0, addr: 0, inHash: false, lruType: LruType.FREE, ref: 0, cpu: 0 } as Elem;
        e.prev = e;
        e.next = e;
        nodes.push(e);
      }
      this.lru.populate(nodes);
    }
  }

  mapSlabRegion(size: number): Region {
    return this.mapRegion(size, "values", this.isOfMaps ? PERM_READ : this.valuePerm);
  }

  /** Elements currently in the table. */
  get size(): number {
    return this.count;
  }

  private hashOf(key: Uint8Array): number {
    return htabHash(key, this.info.keySize, this.seed);
  }

  private bucketOf(hash: number): Elem[] {
    return this.buckets[hash & (this.nBuckets - 1)]!;
  }

  private find(bucket: Elem[], hash: number, key: Uint8Array): Elem | undefined {
    const n = this.info.keySize;
    outer: for (const e of bucket) {
      if (e.hash !== hash) continue;
      for (let i = 0; i < n; i++) if (e.key[i] !== key[i]) continue outer;
      return e;
    }
    return undefined;
  }

  /** Removes an element from its bucket (the LRU's del_from_htab). */
  private unlink(e: Elem): boolean {
    if (!e.inHash) return false;
    const b = this.bucketOf(e.hash);
    b.splice(b.indexOf(e), 1);
    e.inHash = false;
    this.count--;
    return true;
  }

  private link(e: Elem): void {
    this.bucketOf(e.hash).unshift(e);
    e.inHash = true;
    this.count++;
  }

  private newElem(key: Uint8Array, hash: number): Elem {
    const e = { key: key.slice(), hash, addr: this.slab.alloc(), inHash: false, lruType: LruType.FREE, ref: 0, cpu: 0 } as Elem;
    e.prev = e as Link;
    e.next = e as Link;
    return e;
  }

  /** Frees a removed element: LRU nodes go back to the LRU, other slots to the slab. */
  private release(e: Elem): void {
    e.inner = undefined;
    if (this.lru) this.lru.pushFree(e);
    else this.slab.release(e.addr);
  }

  /** An LRU node (evicting if needed) primed with key and hash; undefined when none is left. */
  private lruPop(key: Uint8Array, hash: number, cpu: number): Elem | undefined {
    const e = this.lru!.popFree(cpu);
    if (!e) return undefined;
    if (e.addr === 0) e.addr = this.slab.alloc();
    e.key = key.slice();
    e.hash = hash;
    return e;
  }

  /** Writes a value into an element: host values carry every CPU, program values one. */
  private writeValue(e: Elem, value: Uint8Array, allCpus: boolean, cpu: number, init: boolean): void {
    if (this.isOfMaps) return;
    if (!this.percpu) {
      this.copyIn(e.addr, value);
      return;
    }
    const es = round8(this.info.valueSize);
    for (let c = 0; c < this.cpus; c++) {
      if (allCpus) this.copyIn(e.addr + c * es, value, c * es);
      else if (c === cpu) this.copyIn(e.addr + c * es, value);
      else if (init) this.space.u8.fill(0, e.addr + c * es, e.addr + c * es + this.info.valueSize);
    }
  }

  private readValueOut(e: Elem): Uint8Array {
    const out = new Uint8Array(this.valueBytes);
    if (this.isOfMaps) {
      out.set(u32Bytes(e.inner?.info.id ?? 0));
      return out;
    }
    if (!this.percpu) this.copyOut(out, 0, e.addr);
    else {
      const es = round8(this.info.valueSize);
      for (let c = 0; c < this.cpus; c++) this.copyOut(out, c * es, e.addr + c * es);
    }
    return out;
  }

  /** hash_of_maps: the inner map an fd names, if it fits the template (bpf_map_meta_equal). */
  private innerFor(value: Uint8Array): BpfMap | number {
    const m = this.env.resolveMapFd?.(readU32(value));
    if (!m) return -9; // EBADF
    const t = this.innerTemplate!;
    const i = m.info;
    if (i.type !== t.type || i.keySize !== t.keySize || i.valueSize !== t.valueSize || i.flags !== t.flags) return EINVAL;
    if (!(t.flags & (1 << 12)) && i.maxEntries !== t.maxEntries) return EINVAL;
    return m;
  }

  /** htab_map_update_elem and its LRU / per-CPU variants. */
  private updateRaw(key: Uint8Array, value: Uint8Array, flags: number, allCpus: boolean, cpu: number): number {
    const base = flags & ~BPF_F_LOCK;
    if (this.isLru || this.percpu ? flags > BPF_EXIST : base > BPF_EXIST) return EINVAL;
    const hash = this.hashOf(key);
    const bucket = this.bucketOf(hash);
    let inner: BpfMap | undefined;
    if (this.isOfMaps) {
      const m = this.innerFor(value);
      if (typeof m === "number") return m;
      inner = m;
    }
    if (flags & BPF_F_LOCK) {
      if (!this.hasSpinLock) return EINVAL;
      const old = this.find(bucket, hash, key);
      const err = checkFlags(old, flags);
      if (err) return err;
      if (old) {
        this.copyIn(old.addr, value);
        return 0;
      }
    }
    if (this.isLru && !this.percpu) {
      const n = this.lruPop(key, hash, cpu);
      if (!n) return ENOMEM;
      this.writeValue(n, value, allCpus, cpu, true);
      const old = this.find(bucket, hash, key);
      const err = checkFlags(old, flags);
      if (err) {
        this.lru!.pushFree(n);
        return err;
      }
      this.link(n);
      if (old) {
        BpfLru.setRef(n);
        this.unlink(old);
        this.lru!.pushFree(old);
      }
      return 0;
    }
    if (this.isLru) {
      const n = flags !== BPF_EXIST ? this.lruPop(key, hash, cpu) : undefined;
      if (flags !== BPF_EXIST && !n) return ENOMEM;
      const old = this.find(bucket, hash, key);
      const err = checkFlags(old, flags);
      if (!err) {
        if (old) {
          BpfLru.setRef(old);
          this.writeValue(old, value, allCpus, cpu, false);
        } else {
          this.writeValue(n!, value, allCpus, cpu, true);
          this.link(n!);
          return 0;
        }
      }
      if (n) this.lru!.pushFree(n);
      return err;
    }
    const old = this.find(bucket, hash, key);
    const err = checkFlags(old, flags);
    if (err) return err;
    if (this.percpu && old) {
      this.writeValue(old, value, allCpus, cpu, false);
      return 0;
    }
    if (!old && this.count >= this.info.maxEntries) return E2BIG;
    const n = this.newElem(key, hash);
    n.inner = inner;
    this.writeValue(n, value, allCpus, cpu, true);
    this.link(n);
    if (old) {
      this.unlink(old);
      this.release(old);
    }
    return 0;
  }

  protected sysLookup(key: Uint8Array | undefined): Uint8Array | number {
    const k = key!;
    const hash = this.hashOf(k);
    const e = this.find(this.bucketOf(hash), hash, k);
    return e ? this.readValueOut(e) : ENOENT;
  }

  protected sysUpdate(key: Uint8Array | undefined, value: Uint8Array, flags: number): number {
    return this.updateRaw(key!, value, flags, true, this.env.hostCpu);
  }

  private deleteRaw(key: Uint8Array): number {
    const hash = this.hashOf(key);
    const e = this.find(this.bucketOf(hash), hash, key);
    if (!e) return ENOENT;
    this.unlink(e);
    this.release(e);
    return 0;
  }

  protected override sysDelete(key: Uint8Array | undefined): number {
    return this.deleteRaw(key!);
  }

  protected override sysNextKey(key: Uint8Array | undefined): Uint8Array | number {
    let i = 0;
    if (key !== undefined) {
      const hash = this.hashOf(key);
      const b = this.bucketOf(hash);
      const e = this.find(b, hash, key);
      if (e) {
        const at = b.indexOf(e);
        if (at + 1 < b.length) return b[at + 1]!.key.slice();
        i = (hash & (this.nBuckets - 1)) + 1;
      }
    }
    for (; i < this.nBuckets; i++) {
      const b = this.buckets[i]!;
      if (b.length > 0) return b[0]!.key.slice();
    }
    return ENOENT;
  }

  protected override sysLookupAndDelete(key: Uint8Array | undefined): Uint8Array | number {
    if (this.isOfMaps) return -524; // ENOTSUPP: only plain and LRU hashes
    const k = key!;
    const hash = this.hashOf(k);
    const e = this.find(this.bucketOf(hash), hash, k);
    if (!e) return ENOENT;
    const out = this.readValueOut(e);
    this.unlink(e);
    this.release(e);
    return out;
  }

  /** __htab_map_lookup_and_delete_batch: whole buckets at a time, the cursor a bucket index. */
  protected override rawLookupBatch(del: boolean, count: number, cursor: Uint8Array | undefined, elemFlags: number): RawBatch {
    const out: RawBatch = { keys: [], values: [], next: undefined, err: 0 };
    if (elemFlags & ~BPF_F_LOCK || (elemFlags & BPF_F_LOCK && !this.hasSpinLock)) return { ...out, err: EINVAL };
    if (count === 0) return { ...out, next: cursor };
    let batch = cursor === undefined ? 0 : readU32(cursor);
    if (batch >= this.nBuckets) return { ...out, err: ENOENT };
    for (;;) {
      const b = this.buckets[batch]!;
      if (b.length > count - out.keys.length) {
        if (out.keys.length === 0) out.err = ENOSPC;
        break;
      }
      for (const e of [...b]) {
        out.keys.push(e.key.slice());
        out.values.push(this.readValueOut(e));
        if (del) {
          this.unlink(e);
          this.release(e);
        }
      }
      batch++;
      if (batch >= this.nBuckets) {
        out.err = ENOENT;
        break;
      }
    }
    out.next = u32Bytes(batch);
    return out;
  }

  // ---- program side ---------------------------------------------------------------------------
  /**
   * The element whose key is at keyAddr: hashed and compared in place in the address space (the
   * same jhash/jhash2 as hashOf), so a program's lookup allocates nothing.
   */
  private findVm(keyAddr: number): Elem | undefined {
    const u8 = this.space.u8;
    const n = this.info.keySize;
    const hash = n % 4 === 0 ? jhash2(u8, n / 4, this.seed, keyAddr) : jhash(u8, n, this.seed, keyAddr);
    const bucket = this.buckets[hash & (this.nBuckets - 1)]!;
    outer: for (let j = 0; j < bucket.length; j++) {
      const e = bucket[j]!;
      if (e.hash !== hash) continue;
      const k = e.key;
      for (let i = 0; i < n; i++) if (k[i] !== u8[keyAddr + i]) continue outer;
      return e;
    }
    return undefined;
  }

  override lookupAddr(keyAddr: number, cpu: number): number {
    const e = this.findVm(keyAddr);
    if (!e) return 0;
    if (this.isLru) BpfLru.setRef(e);
    if (this.isOfMaps) return e.inner ? identityOf(e.inner) : 0;
    return this.percpu ? e.addr + cpu * round8(this.info.valueSize) : e.addr;
  }

  override lookupPercpuAddr(keyAddr: number, targetCpu: number): number {
    if (!this.percpu || targetCpu >= this.cpus) return 0;
    return this.lookupAddr(keyAddr, targetCpu);
  }

  override updateFromVm(keyAddr: number, valueAddr: number, flags: number, cpu: number): number {
    this.assertProgWrite("bpf_map_update_elem");
    return this.updateRaw(this.readKey(keyAddr), this.readValue(valueAddr), flags, false, cpu);
  }

  override deleteFromVm(keyAddr: number): number {
    this.assertProgWrite("bpf_map_delete_elem");
    return this.deleteRaw(this.readKey(keyAddr));
  }

  override forEachElem(cpu: number, fn: (keyAddr: number, valueAddr: number) => boolean): number {
    const ks = round8(Math.max(this.info.keySize, 1));
    this.keyScratch ??= this.mapRegion(ks, "for_each key", PERM_READ);
    const k = this.keyScratch.start;
    let n = 0;
    for (const b of this.buckets) {
      for (const e of [...b]) {
        if (!e.inHash) continue;
        this.space.u8.set(e.key, k);
        n++;
        const v = this.percpu ? e.addr + cpu * round8(this.info.valueSize) : e.addr;
        if (fn(k, v)) return n;
      }
    }
    return n;
  }
}

function checkFlags(old: Elem | undefined, flags: number): number {
  const f = flags & ~BPF_F_LOCK;
  if (old && f === BPF_NOEXIST) return EEXIST;
  if (!old && f === BPF_EXIST) return ENOENT;
  return 0;
}

/** The identity address a MapTable gave a map (0 when it has none). */
export function identityOf(m: BpfMap): number {
  return m.identity;
}
