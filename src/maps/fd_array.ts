import {
  BPF_ANY,
  BPF_EXIST,
  BPF_F_INNER_MAP,
  BPF_NOEXIST,
  E2BIG,
  EEXIST,
  EINVAL,
  ENODEV,
  ENOENT,
  ENOTSUPP,
  EOPNOTSUPP,
  EOVERFLOW,
  MapType,
} from "./constants.js";
import { MapBase, readU32, u32Bytes } from "./base.js";
import type { BpfMap, MapEnvironment, MapInfo, MapSpec, ProgramRef } from "./types.js";

const EBADF = -9;

/** Does `m` fit the inner-map template of a map-in-map (bpf_map_meta_equal)? */
export function innerMapFits(template: MapInfo, m: MapInfo): boolean {
  return (
    m.type === template.type &&
    m.keySize === template.keySize &&
    m.valueSize === template.valueSize &&
    m.flags === template.flags &&
    ((template.flags & BPF_F_INNER_MAP) !== 0 || m.maxEntries === template.maxEntries)
  );
}

/** Shared by the slot arrays: u32 keys below max_entries, get_next_key in index order. */
abstract class SlotArray<T> extends MapBase {
  protected readonly slots: (T | undefined)[];

  constructor(info: MapInfo, env: MapEnvironment, spec?: MapSpec) {
    super(info, env, spec);
    this.slots = new Array<T | undefined>(info.maxEntries).fill(undefined);
  }

  protected override sysNextKey(key: Uint8Array | undefined): Uint8Array | number {
    const i = key === undefined ? 0xffffffff : readU32(key);
    if (i >= this.info.maxEntries) return u32Bytes(0);
    if (i === this.info.maxEntries - 1) return ENOENT;
    return u32Bytes(i + 1);
  }

  /** The entry at `index` (undefined when empty or out of range). */
  get(index: number): T | undefined {
    return index < this.slots.length ? this.slots[index] : undefined;
  }
}

/**
 * prog_array, array_of_maps and perf_event_array: arrays of kernel objects named by fd at update
 * time (bpf_fd_array_map_update_elem: flags must be BPF_ANY, E2BIG past the end). A lookup from
 * the host gives the object's id (prog_array, array_of_maps) or ENOTSUPP (perf_event_array).
 */
export class FdArrayMap<T extends object = ProgramRef | BpfMap> extends SlotArray<T> {
  constructor(info: MapInfo, env: MapEnvironment, spec?: MapSpec, readonly innerTemplate?: MapInfo) {
    super(info, env, spec);
    if (info.type === MapType.ARRAY_OF_MAPS) this.batchOps = { lookup: true, lookupAndDelete: false, update: true, delete: false };
  }

  /** Resolves an fd to the object this kind of array holds, or -errno. */
  protected resolve(fd: number): T | number {
    if (this.info.type === MapType.PROG_ARRAY) {
      const p = this.env.resolveProgFd?.(fd);
      return p ? (p as unknown as T) : EBADF;
    }
    if (this.info.type === MapType.ARRAY_OF_MAPS) {
      const m = this.env.resolveMapFd?.(fd);
      if (!m) return EBADF;
      return innerMapFits(this.innerTemplate!, m.info) ? (m as unknown as T) : EINVAL;
    }
    return EINVAL;
  }

  /** Puts an object in a slot directly (the runtime's API; the syscall path resolves an fd). */
  set(index: number, obj: T | undefined): void {
    if (index >= this.info.maxEntries) this.fail(E2BIG, "update");
    this.slots[index] = obj;
  }

  protected sysLookup(key: Uint8Array | undefined): Uint8Array | number {
    if (this.info.type === MapType.PERF_EVENT_ARRAY) return ENOTSUPP;
    const i = readU32(key!);
    const o = i < this.slots.length ? this.slots[i] : undefined;
    if (!o) return ENOENT;
    const id = (o as { info?: MapInfo }).info?.id ?? (o as { id?: number }).id ?? 0;
    return u32Bytes(id);
  }

  protected sysUpdate(key: Uint8Array | undefined, value: Uint8Array, flags: number): number {
    if (flags !== BPF_ANY) return EINVAL;
    const i = readU32(key!);
    if (i >= this.info.maxEntries) return E2BIG;
    const o = this.resolve(readU32(value));
    if (typeof o === "number") return o;
    this.slots[i] = o;
    return 0;
  }

  protected override sysDelete(key: Uint8Array | undefined): number {
    const i = readU32(key!);
    if (i >= this.info.maxEntries) return E2BIG;
    if (!this.slots[i]) return ENOENT;
    this.slots[i] = undefined;
    return 0;
  }

  override lookupAddr(keyAddr: number): number {
    if (this.info.type !== MapType.ARRAY_OF_MAPS) return 0;
    const m = this.get(this.space.view.getUint32(keyAddr, true)) as BpfMap | undefined;
    return m ? m.identity : 0;
  }

  override updateFromVm(): number {
    return EOPNOTSUPP;
  }

  override deleteFromVm(keyAddr: number): number {
    this.assertProgWrite("bpf_map_delete_elem");
    return this.sysDelete(this.space.u8.slice(keyAddr, keyAddr + 4));
  }
}

/** What devmap / cpumap slots hold: the target and the optional program's fd/id. */
export interface RedirectEntry {
  /** devmap: ifindex; cpumap: queue size. */
  value: number;
  /** Second u32 of an 8-byte value (program fd at update, id at lookup), else 0. */
  prog: number;
  /** VM address of the 4/8-byte value programs see through lookup. */
  addr: number;
}

/**
 * devmap and cpumap: targets for bpf_redirect_map. There are no real devices here, so any
 * non-zero ifindex is accepted; cpumap keys must be possible CPUs (ENODEV otherwise) and qsize at
 * most 16384 (EOVERFLOW); qsize 0 (cpumap) or ifindex 0 (devmap) empties the slot. The kernel
 * makes devmap values read-only for programs (BPF_F_RDONLY_PROG is added to its flags).
 */
export class RedirectMap extends SlotArray<RedirectEntry> {
  private readonly region;
  constructor(info: MapInfo, env: MapEnvironment, spec?: MapSpec) {
    super(info, env, spec);
    this.region = this.mapRegion(info.maxEntries * 8, "targets");
  }

  get isCpumap(): boolean {
    return this.info.type === MapType.CPUMAP;
  }

  protected sysLookup(key: Uint8Array | undefined): Uint8Array | number {
    const e = this.get(readU32(key!));
    if (!e) return ENOENT;
    return this.space.u8.slice(e.addr, e.addr + this.info.valueSize);
  }

  protected sysUpdate(key: Uint8Array | undefined, value: Uint8Array, flags: number): number {
    if (flags > BPF_EXIST) return EINVAL;
    const i = readU32(key!);
    if (i >= this.info.maxEntries) return E2BIG;
    if (flags === BPF_NOEXIST) return EEXIST;
    const v = readU32(value);
    const prog = this.info.valueSize >= 8 ? readU32(value, 4) : 0;
    if (this.isCpumap) {
      if (v > 16384) return EOVERFLOW;
      if (i >= this.cpus) return ENODEV;
    }
    if (v === 0) {
      this.slots[i] = undefined;
      return 0;
    }
    const addr = this.region.start + i * 8;
    this.space.u8.set(value.subarray(0, this.info.valueSize), addr);
    this.slots[i] = { value: v, prog, addr };
    return 0;
  }

  protected override sysDelete(key: Uint8Array | undefined): number {
    const i = readU32(key!);
    if (i >= this.info.maxEntries) return EINVAL;
    this.slots[i] = undefined;
    return 0;
  }

  override lookupAddr(keyAddr: number): number {
    return this.get(this.space.view.getUint32(keyAddr, true))?.addr ?? 0;
  }

  override updateFromVm(): number {
    return EOPNOTSUPP;
  }
}
