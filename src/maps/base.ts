import { EbpfError } from "../errors.js";
import { PERM_READ, PERM_RW, PERM_WRITE, type AddressSpace, type Region } from "../vm/memory.js";
import {
  BPF_F_LOCK,
  BPF_F_RDONLY,
  BPF_F_RDONLY_PROG,
  BPF_F_WRONLY,
  BPF_F_WRONLY_PROG,
  E2BIG,
  EACCES,
  EBUSY,
  EINVAL,
  ENOENT,
  ENOTSUPP,
  EPERM,
  errnoName,
  mapTypeName,
  MapType,
} from "./constants.js";
import type { BatchResult, BpfMap, MapEnvironment, MapInfo, MapSpec } from "./types.js";

/** A batch operation that failed part way: `done` elements were processed first. */
export class MapBatchError extends EbpfError {
  readonly done: number;
  constructor(code: string, message: string, done: number) {
    super(code, message);
    this.done = done;
  }
}

/** The raw outcome of a batch read: what the kernel copies out plus its return code. */
export interface RawBatch {
  keys: Uint8Array[];
  values: Uint8Array[];
  /** out_batch as the kernel writes it (undefined when it writes none). */
  next: Uint8Array | undefined;
  /** 0 or -errno (-ENOENT: the walk reached the end). */
  err: number;
}

export const round8 = (n: number): number => Math.ceil(n / 8) * 8;

export function bytesEqual(a: Uint8Array, b: Uint8Array, n = a.length): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function u32Bytes(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

export function readU32(b: Uint8Array, off = 0): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

const PERCPU_TYPES = new Set<number>([MapType.PERCPU_ARRAY, MapType.PERCPU_HASH, MapType.LRU_PERCPU_HASH]);

/**
 * What every map shares: the syscall-side permission and flag checks (in the order bpf(2) makes
 * them), the generic batch operations built on get_next_key, freeze, and error translation.
 * Families implement the raw operations, which return 0 / bytes or -errno like the kernel's
 * map_ops do.
 */
export abstract class MapBase implements BpfMap {
  readonly info: MapInfo;
  readonly space: AddressSpace;
  readonly cpus: number;
  readonly env: MapEnvironment;
  readonly valueBytes: number;
  readonly spinLockOffset: number | undefined;
  readonly percpu: boolean;
  /** BPF_F_RDONLY / BPF_F_WRONLY from the spec: the host side's access (the fd's mode in the kernel). */
  readonly hostAccess: number;
  identity = 0;
  private isFrozen = false;
  protected readonly regions: Region[] = [];

  constructor(info: MapInfo, env: MapEnvironment, spec?: MapSpec) {
    this.info = info;
    this.env = env;
    this.space = env.space;
    this.cpus = env.cpus;
    this.percpu = PERCPU_TYPES.has(info.type);
    this.valueBytes = this.percpu ? round8(info.valueSize) * env.cpus : info.valueSize;
    this.spinLockOffset = spec?.spinLockOffset;
    this.hostAccess = (spec?.flags ?? 0) & (BPF_F_RDONLY | BPF_F_WRONLY);
  }

  get frozen(): boolean {
    return this.isFrozen;
  }

  protected get label(): string {
    return `${mapTypeName(this.info.type)} map${this.info.name ? ` ${this.info.name}` : ""}`;
  }

  /** Region permissions for the values a program reaches through lookup. */
  protected get valuePerm(): number {
    const f = this.info.flags;
    if (f & BPF_F_RDONLY_PROG) return PERM_READ;
    if (f & BPF_F_WRONLY_PROG) return PERM_WRITE;
    return PERM_RW;
  }

  protected mapRegion(size: number, what: string, perm = this.valuePerm): Region {
    const r = this.space.map(size, `${what} of ${this.label}`, perm);
    this.regions.push(r);
    return r;
  }

  private get canRead(): boolean {
    return (this.hostAccess & BPF_F_WRONLY) === 0;
  }

  private get canWrite(): boolean {
    return (this.hostAccess & BPF_F_RDONLY) === 0 && !this.isFrozen;
  }

  protected fail(err: number, what: string): never {
    throw new EbpfError(errnoName(err), `${what} in ${this.label}: ${errnoName(err)}`);
  }

  protected checkKey(key: Uint8Array | undefined, what: string): void {
    const want = this.info.keySize;
    if (want === 0) {
      if (key !== undefined && key.length !== 0) throw new EbpfError("EINVAL", `${what} in ${this.label}: this map takes no key`);
    } else if (key === undefined || key.length !== want) {
      throw new EbpfError("EINVAL", `${what} in ${this.label}: key is ${key?.length ?? 0} bytes, the map's keys are ${want}`);
    }
  }

  protected checkValue(value: Uint8Array, what: string): void {
    if (value.length !== this.valueBytes) {
      throw new EbpfError("EINVAL", `${what} in ${this.label}: value is ${value.length} bytes, the map's values are ${this.valueBytes}`);
    }
  }

  protected get hasSpinLock(): boolean {
    return this.spinLockOffset !== undefined;
  }

  // ---- raw operations (kernel map_ops) ---------------------------------------------------------
  protected abstract sysLookup(key: Uint8Array | undefined, flags: number): Uint8Array | number;
  protected abstract sysUpdate(key: Uint8Array | undefined, value: Uint8Array, flags: number): number;
  protected sysDelete(_key: Uint8Array | undefined): number {
    return EINVAL;
  }
  protected sysNextKey(_key: Uint8Array | undefined): Uint8Array | number {
    return EINVAL;
  }
  protected sysLookupAndDelete(_key: Uint8Array | undefined, _flags: number): Uint8Array | number {
    return ENOTSUPP;
  }
  /** Which batch commands the family's map_ops provide. */
  protected batchOps = { lookup: false, lookupAndDelete: false, update: false, delete: false };

  // ---- host API -------------------------------------------------------------------------------
  lookup(key?: Uint8Array, flags = 0): Uint8Array | undefined {
    if (flags & ~BPF_F_LOCK) this.fail(EINVAL, "lookup");
    if (!this.canRead) this.fail(EPERM, "lookup");
    if (flags & BPF_F_LOCK && !this.hasSpinLock) this.fail(EINVAL, "lookup");
    this.checkKey(key, "lookup");
    const r = this.sysLookup(key, flags);
    if (r === ENOENT) return undefined;
    if (typeof r === "number") this.fail(r, "lookup");
    return r;
  }

  update(key: Uint8Array | undefined, value: Uint8Array, flags = 0): void {
    if (!this.canWrite) this.fail(EPERM, "update");
    if (flags & BPF_F_LOCK && !this.hasSpinLock) this.fail(EINVAL, "update");
    this.checkKey(key, "update");
    this.checkValue(value, "update");
    const r = this.sysUpdate(key, value, flags);
    if (r < 0) this.fail(r, "update");
  }

  delete(key: Uint8Array): boolean {
    if (!this.canWrite) this.fail(EPERM, "delete");
    this.checkKey(key, "delete");
    const r = this.sysDelete(key);
    if (r === ENOENT) return false;
    if (r < 0) this.fail(r, "delete");
    return true;
  }

  nextKey(key?: Uint8Array): Uint8Array | undefined {
    if (!this.canRead) this.fail(EPERM, "get_next_key");
    if (key !== undefined) this.checkKey(key, "get_next_key");
    const r = this.sysNextKey(key);
    if (r === ENOENT) return undefined;
    if (typeof r === "number") this.fail(r, "get_next_key");
    return r;
  }

  lookupAndDelete(key?: Uint8Array, flags = 0): Uint8Array | undefined {
    if (flags & ~BPF_F_LOCK) this.fail(EINVAL, "lookup_and_delete");
    if (!this.canRead || !this.canWrite) this.fail(EPERM, "lookup_and_delete");
    const t = this.info.type;
    if (flags && (t === MapType.QUEUE || t === MapType.STACK)) this.fail(EINVAL, "lookup_and_delete");
    if (flags & BPF_F_LOCK && !this.hasSpinLock) this.fail(EINVAL, "lookup_and_delete");
    this.checkKey(key, "lookup_and_delete");
    const r = this.sysLookupAndDelete(key, flags);
    if (r === ENOENT) return undefined;
    if (typeof r === "number") this.fail(r, "lookup_and_delete");
    return r;
  }

  freeze(): void {
    if (this.hasSpinLock) this.fail(ENOTSUPP, "freeze");
    // The kernel checks write permission with the frozen state applied, so a second freeze is EPERM.
    if (!this.canWrite) this.fail(EPERM, "freeze");
    if (this.isFrozen) this.fail(EBUSY, "freeze");
    this.isFrozen = true;
  }

  *keys(): Generator<Uint8Array> {
    let k = this.nextKey();
    while (k !== undefined) {
      yield k;
      k = this.nextKey(k);
    }
  }

  *entries(): Generator<[Uint8Array, Uint8Array]> {
    for (const k of this.keys()) {
      const v = this.lookup(k);
      if (v !== undefined) yield [k, v];
    }
  }

  // ---- batch operations -----------------------------------------------------------------------
  private batchRead(del: boolean, count: number, cursor: Uint8Array | undefined, elemFlags: number): BatchResult {
    const what = del ? "lookup_and_delete_batch" : "lookup_batch";
    if (!this.canRead) this.fail(EPERM, what);
    if (del && !this.canWrite) this.fail(EPERM, what);
    if (!(del ? this.batchOps.lookupAndDelete : this.batchOps.lookup)) this.fail(ENOTSUPP, what);
    const r = this.rawLookupBatch(del, count, cursor, elemFlags);
    if (r.err < 0 && r.err !== ENOENT) {
      throw new MapBatchError(errnoName(r.err), `${what} in ${this.label}: ${errnoName(r.err)} (${r.keys.length} of ${count} done)`, r.keys.length);
    }
    return { keys: r.keys, values: r.values, next: r.err === ENOENT ? undefined : r.next };
  }

  lookupBatch(count: number, cursor?: Uint8Array, elemFlags = 0): BatchResult {
    return this.batchRead(false, count, cursor, elemFlags);
  }

  lookupAndDeleteBatch(count: number, cursor?: Uint8Array, elemFlags = 0): BatchResult {
    return this.batchRead(true, count, cursor, elemFlags);
  }

  /** The family's batch read; the default is the kernel's generic_map_lookup_batch. */
  protected rawLookupBatch(del: boolean, count: number, cursor: Uint8Array | undefined, elemFlags: number): RawBatch {
    const out: RawBatch = { keys: [], values: [], next: undefined, err: 0 };
    if (elemFlags & ~BPF_F_LOCK || (elemFlags & BPF_F_LOCK && !this.hasSpinLock)) return { ...out, err: EINVAL };
    if (del) return { ...out, err: ENOTSUPP };
    if (count === 0) return { ...out, next: cursor };
    let prev = cursor;
    let retry = 3;
    while (out.keys.length < count) {
      const k = this.sysNextKey(prev);
      if (typeof k === "number") {
        out.err = k;
        break;
      }
      const v = this.sysLookup(k, elemFlags);
      if (v === ENOENT) {
        if (retry-- > 0) continue;
        out.err = -4; // EINTR
        break;
      }
      if (typeof v === "number") {
        out.err = v;
        break;
      }
      out.keys.push(k);
      out.values.push(v);
      prev = k;
    }
    if (out.keys.length > 0) out.next = prev;
    return out;
  }

  updateBatch(keys: readonly Uint8Array[], values: readonly Uint8Array[], elemFlags = 0): number {
    if (!this.canWrite) this.fail(EPERM, "update_batch");
    if (!this.batchOps.update) this.fail(ENOTSUPP, "update_batch");
    if (keys.length !== values.length) throw new EbpfError("EINVAL", `update_batch in ${this.label}: ${keys.length} keys but ${values.length} values`);
    if (elemFlags & ~BPF_F_LOCK) this.fail(EINVAL, "update_batch");
    keys.forEach((k) => this.checkKey(k, "update_batch"));
    values.forEach((v) => this.checkValue(v, "update_batch"));
    for (let i = 0; i < keys.length; i++) {
      const r = elemFlags & BPF_F_LOCK && !this.hasSpinLock ? EINVAL : this.sysUpdate(keys[i], values[i]!, elemFlags);
      if (r < 0) throw new MapBatchError(errnoName(r), `update_batch in ${this.label}: ${errnoName(r)} (${i} of ${keys.length} done)`, i);
    }
    return keys.length;
  }

  deleteBatch(keys: readonly Uint8Array[], elemFlags = 0): number {
    if (!this.canWrite) this.fail(EPERM, "delete_batch");
    if (!this.batchOps.delete) this.fail(ENOTSUPP, "delete_batch");
    if (elemFlags & ~BPF_F_LOCK) this.fail(EINVAL, "delete_batch");
    keys.forEach((k) => this.checkKey(k, "delete_batch"));
    for (let i = 0; i < keys.length; i++) {
      const r = this.sysDelete(keys[i]);
      if (r < 0) throw new MapBatchError(errnoName(r), `delete_batch in ${this.label}: ${errnoName(r)} (${i} of ${keys.length} done)`, i);
    }
    return keys.length;
  }

  // ---- program side ---------------------------------------------------------------------------
  /** The verifier rejects writes (update/delete/push/pop) into BPF_F_RDONLY_PROG maps. */
  protected assertProgWrite(what: string): void {
    if (this.info.flags & BPF_F_RDONLY_PROG) {
      throw new EbpfError("EACCES", `${what} on ${this.label}: write into map forbidden (BPF_F_RDONLY_PROG)`);
    }
  }

  protected readKey(addr: number): Uint8Array {
    return this.space.u8.slice(addr, addr + this.info.keySize);
  }

  protected readValue(addr: number): Uint8Array {
    return this.space.u8.slice(addr, addr + this.info.valueSize);
  }

  lookupAddr(_keyAddr: number, _cpu: number): number {
    return 0;
  }
  lookupPercpuAddr(_keyAddr: number, _targetCpu: number): number {
    return 0;
  }
  updateFromVm(_keyAddr: number, _valueAddr: number, _flags: number, _cpu: number): number {
    return EINVAL;
  }
  deleteFromVm(_keyAddr: number, _cpu: number): number {
    return EINVAL;
  }
  pushFromVm(_valueAddr: number, _flags: number, _cpu: number): number {
    return ENOTSUPP;
  }
  popToVm(_valueAddr: number, _cpu: number): number {
    return ENOTSUPP;
  }
  peekToVm(_valueAddr: number, _cpu: number): number {
    return ENOTSUPP;
  }
  forEachElem(_cpu: number, _fn: (keyAddr: number, valueAddr: number) => boolean): number {
    return ENOTSUPP;
  }

  /** Copies a host value into place, leaving a spin lock field untouched (copy_map_value). */
  protected copyIn(dst: number, value: Uint8Array, srcOff = 0, len = this.info.valueSize): void {
    const u8 = this.space.u8;
    const lock = this.spinLockOffset;
    if (lock === undefined) {
      u8.set(value.subarray(srcOff, srcOff + len), dst);
      return;
    }
    u8.set(value.subarray(srcOff, srcOff + lock), dst);
    u8.set(value.subarray(srcOff + lock + 4, srcOff + len), dst + lock + 4);
  }

  /** Copies a value out for the host, with a spin lock field zeroed (check_and_init_map_value). */
  protected copyOut(out: Uint8Array, outOff: number, src: number, len = this.info.valueSize): void {
    out.set(this.space.u8.subarray(src, src + len), outOff);
    if (this.spinLockOffset !== undefined) out.fill(0, outOff + this.spinLockOffset, outOff + this.spinLockOffset + 4);
  }

  dispose(): void {
    for (const r of this.regions) this.space.unmap(r);
    this.regions.length = 0;
  }
}

export { E2BIG, EACCES };
