import type { AddressSpace } from "../vm/memory.js";
import type { ProgramImage } from "../vm/image.js";

/** A map as an object file or a caller describes it: the fields of BPF_MAP_CREATE that matter here. */
export interface MapSpec {
  /** Kernel name ("hash", "BPF_MAP_TYPE_HASH") or number. */
  type: string | number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  name?: string;
  /** map_extra: bloom filter hash count (low 4 bits). */
  mapExtra?: bigint | number;
  /** Template for array_of_maps / hash_of_maps values: a spec or an existing map. */
  innerMap?: MapSpec | BpfMap;
  /** Offset of a `struct bpf_spin_lock` in the value (from BTF); enables BPF_F_LOCK. */
  spinLockOffset?: number;
}

/** What BPF_OBJ_GET_INFO_BY_FD reports, as the kernel would for the same spec. */
export interface MapInfo {
  type: number;
  typeName: string;
  keySize: number;
  valueSize: number;
  /** As the kernel stores it (lru maps with BPF_F_NO_COMMON_LRU round it to a multiple of the CPU count). */
  maxEntries: number;
  /** As the kernel stores it (devmap adds BPF_F_RDONLY_PROG). */
  flags: number;
  name: string;
  mapExtra: bigint;
  /** Set when a MapTable holds the map. */
  id?: number;
}

/** A program a prog_array slot can hold (the runtime's own program object may carry more). */
export interface ProgramRef {
  id: number;
  image: ProgramImage;
  name?: string;
}

/** What a map needs from the runtime around it. */
export interface MapEnvironment {
  space: AddressSpace;
  /** Number of possible CPUs: per-CPU maps keep this many values. */
  cpus: number;
  /** CPU the host's (syscall-side) operations run on: it picks the LRU local list. Default 0. */
  hostCpu: number;
  /** Map-in-map updates: the inner map behind an fd (a MapTable handle). */
  resolveMapFd?: (fd: number) => BpfMap | undefined;
  /** prog_array updates: the program behind an fd. */
  resolveProgFd?: (fd: number) => ProgramRef | undefined;
}

export interface BatchResult {
  keys: Uint8Array[];
  values: Uint8Array[];
  /** Cursor to continue from (a key, or a u32 bucket index for hash maps); undefined at the end. */
  next: Uint8Array | undefined;
}

/**
 * A map: host operations with the bpf(2) syscall's semantics (errors are EbpfErrors with the
 * kernel's errno name), and the program-side operations the helpers call (addresses in the
 * AddressSpace in, an address or 0 / -errno out).
 */
export interface BpfMap {
  readonly info: MapInfo;
  readonly space: AddressSpace;
  readonly cpus: number;
  /** Bytes of a value as the syscall sees it: per-CPU maps hold round_up(value_size, 8) × cpus. */
  readonly valueBytes: number;
  readonly frozen: boolean;
  /** The spin lock offset from the spec, when the value has one. */
  readonly spinLockOffset: number | undefined;
  /** The address a MapTable gave the map (what `lddw src=1` loads); 0 outside a table. */
  identity: number;

  // ---- host (syscall) side ----
  /** BPF_MAP_LOOKUP_ELEM; undefined for ENOENT. Queue/stack: peek (no key). */
  lookup(key?: Uint8Array, flags?: number): Uint8Array | undefined;
  /** BPF_MAP_UPDATE_ELEM. Queue/stack/bloom filter: push (key undefined). */
  update(key: Uint8Array | undefined, value: Uint8Array, flags?: number): void;
  /** BPF_MAP_DELETE_ELEM; false for ENOENT. */
  delete(key: Uint8Array): boolean;
  /** BPF_MAP_GET_NEXT_KEY; undefined at the end (ENOENT). */
  nextKey(key?: Uint8Array): Uint8Array | undefined;
  /** BPF_MAP_LOOKUP_AND_DELETE_ELEM; undefined for ENOENT. Queue/stack: pop. */
  lookupAndDelete(key?: Uint8Array, flags?: number): Uint8Array | undefined;
  lookupBatch(count: number, cursor?: Uint8Array, elemFlags?: number): BatchResult;
  lookupAndDeleteBatch(count: number, cursor?: Uint8Array, elemFlags?: number): BatchResult;
  /** Returns how many were updated; on failure throws a MapBatchError carrying that count. */
  updateBatch(keys: readonly Uint8Array[], values: readonly Uint8Array[], elemFlags?: number): number;
  deleteBatch(keys: readonly Uint8Array[], elemFlags?: number): number;
  /** BPF_MAP_FREEZE: host writes fail with EPERM afterwards. */
  freeze(): void;
  keys(): Generator<Uint8Array>;
  entries(): Generator<[Uint8Array, Uint8Array]>;

  // ---- program side (helpers): raw results ----
  /** bpf_map_lookup_elem: VM address of the value (this CPU's for per-CPU maps) or 0. */
  lookupAddr(keyAddr: number, cpu: number): number;
  /** bpf_map_lookup_percpu_elem: the value of `targetCpu`, or 0. */
  lookupPercpuAddr(keyAddr: number, targetCpu: number): number;
  updateFromVm(keyAddr: number, valueAddr: number, flags: number, cpu: number): number;
  deleteFromVm(keyAddr: number, cpu: number): number;
  pushFromVm(valueAddr: number, flags: number, cpu: number): number;
  popToVm(valueAddr: number, cpu: number): number;
  peekToVm(valueAddr: number, cpu: number): number;
  /**
   * bpf_for_each_map_elem: calls `fn(keyAddr, valueAddr)` per element until it returns true;
   * returns the number of elements visited or -errno.
   */
  forEachElem(cpu: number, fn: (keyAddr: number, valueAddr: number) => boolean): number;

  /** Releases the map's memory. */
  dispose(): void;
}
