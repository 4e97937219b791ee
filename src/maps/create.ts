import { EbpfError } from "../errors.js";
import type { AddressSpace } from "../vm/memory.js";
import { ArrayMap } from "./array.js";
import { MapBase } from "./base.js";
import { BloomFilterMap } from "./bloom_filter.js";
import {
  BPF_F_ACCESS_MASK,
  BPF_F_INNER_MAP,
  BPF_F_MMAPABLE,
  BPF_F_NO_COMMON_LRU,
  BPF_F_NO_PREALLOC,
  BPF_F_NUMA_NODE,
  BPF_F_PRESERVE_ELEMS,
  BPF_F_RDONLY,
  BPF_F_RDONLY_PROG,
  BPF_F_WRONLY,
  BPF_F_WRONLY_PROG,
  BPF_F_ZERO_SEED,
  KMALLOC_MAX_SIZE,
  MapType,
  mapTypeName,
  mapTypeNumber,
  PAGE_SIZE,
  PCPU_MIN_UNIT_SIZE,
} from "./constants.js";
import { FdArrayMap, RedirectMap } from "./fd_array.js";
import { HashMap } from "./hash.js";
import { LpmTrieMap } from "./lpm_trie.js";
import { PerfEventArrayMap } from "./perf_event_array.js";
import { QueueStackMap } from "./queue_stack.js";
import { RingbufMap } from "./ringbuf.js";
import type { BpfMap, MapEnvironment, MapInfo, MapSpec, ProgramRef } from "./types.js";

export interface CreateMapOptions {
  /** Possible CPUs: per-CPU maps keep this many values. */
  cpus: number;
  /** CPU of host operations (LRU local lists). Default 0. */
  hostCpu?: number;
  resolveMapFd?: (fd: number) => BpfMap | undefined;
  resolveProgFd?: (fd: number) => ProgramRef | undefined;
}

/** A map spec the kernel would refuse: `code` is the errno BPF_MAP_CREATE returns. */
export class MapCreateError extends EbpfError {}

const NR_CPUS = 8192;
const HTAB_ELEM_SIZE = 48;
const SIZE_MAX_U32 = 0xffffffff;

const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;
const accessOk = (f: number): boolean => (f & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) !== (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG);

function fail(code: string, spec: MapSpec, why: string): never {
  const name = spec.name ? ` ${spec.name}` : "";
  throw new MapCreateError(code, `creating ${typeof spec.type === "number" ? mapTypeName(spec.type) : spec.type} map${name}: ${why} (${code})`);
}

function u32ok(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= SIZE_MAX_U32;
}

/** array_map_alloc_check, shared by every array-backed type. */
function checkArray(spec: MapSpec, type: number, flags: number): void {
  const mask = BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_ACCESS_MASK | BPF_F_INNER_MAP | BPF_F_PRESERVE_ELEMS;
  if (spec.maxEntries === 0 || spec.keySize !== 4 || spec.valueSize === 0 || flags & ~mask || !accessOk(flags) || (type === MapType.PERCPU_ARRAY && flags & BPF_F_NUMA_NODE)) {
    fail("EINVAL", spec, "arrays need key_size 4, a value_size, max_entries > 0 and array flags only");
  }
  if (type !== MapType.ARRAY && flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP)) fail("EINVAL", spec, "only plain arrays can be mmapable or inner maps");
  if (type !== MapType.PERF_EVENT_ARRAY && flags & BPF_F_PRESERVE_ELEMS) fail("EINVAL", spec, "BPF_F_PRESERVE_ELEMS is for perf_event_array");
  if (spec.valueSize > 0x7fffffff) fail("E2BIG", spec, "value_size too large");
  if (type === MapType.PERCPU_ARRAY && Math.ceil(spec.valueSize / 8) * 8 > PCPU_MIN_UNIT_SIZE) fail("E2BIG", spec, `per-CPU values are limited to ${PCPU_MIN_UNIT_SIZE} bytes`);
}

/** htab_map_alloc_check + the size checks of htab_map_alloc. */
function checkHash(spec: MapSpec, type: number, flags: number): void {
  const percpu = type === MapType.PERCPU_HASH || type === MapType.LRU_PERCPU_HASH;
  const lru = type === MapType.LRU_HASH || type === MapType.LRU_PERCPU_HASH;
  const mask = BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK | BPF_F_ZERO_SEED;
  if (flags & ~mask || !accessOk(flags)) fail("EINVAL", spec, "flags not valid for a hash map");
  if (!lru && flags & BPF_F_NO_COMMON_LRU) fail("EINVAL", spec, "BPF_F_NO_COMMON_LRU needs an LRU map");
  if (lru && flags & BPF_F_NO_PREALLOC) fail("ENOTSUPP", spec, "LRU maps are always preallocated");
  if (flags & BPF_F_NUMA_NODE && (percpu || flags & BPF_F_NO_COMMON_LRU)) fail("EINVAL", spec, "NUMA node with per-CPU data");
  if (spec.maxEntries === 0 || spec.keySize === 0 || spec.valueSize === 0) fail("EINVAL", spec, "max_entries, key_size and value_size must be non-zero");
  if (spec.keySize + spec.valueSize >= KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE) fail("E2BIG", spec, "key_size + value_size too large");
  if (percpu && Math.ceil(spec.valueSize / 8) * 8 > PCPU_MIN_UNIT_SIZE) fail("E2BIG", spec, `per-CPU values are limited to ${PCPU_MIN_UNIT_SIZE} bytes`);
  if (spec.maxEntries > 2 ** 31) fail("E2BIG", spec, "max_entries above 2^31");
}

/**
 * Validates `spec` as BPF_MAP_CREATE does (map_create, then the type's map_alloc_check/alloc
 * checks, same errno for the same bad spec) and returns the MapInfo the kernel would report.
 */
export function checkMapSpec(spec: MapSpec, cpus = 1): MapInfo {
  const type = mapTypeNumber(spec.type);
  if (type === undefined) fail("EINVAL", spec, `unknown map type ${String(spec.type)}`);
  for (const f of ["keySize", "valueSize", "maxEntries"] as const) {
    if (!u32ok(spec[f])) fail("EINVAL", spec, `${f} must be a 32-bit unsigned integer`);
  }
  const flags = spec.flags ?? 0;
  if (!u32ok(flags)) fail("EINVAL", spec, "flags must be a 32-bit unsigned integer");
  const extra = BigInt(spec.mapExtra ?? 0);
  if (type !== MapType.BLOOM_FILTER && type !== 33 && extra !== 0n) fail("EINVAL", spec, "map_extra is only for bloom filters and arenas");
  if (flags & BPF_F_RDONLY && flags & BPF_F_WRONLY) fail("EINVAL", spec, "BPF_F_RDONLY and BPF_F_WRONLY together");
  let maxEntries = spec.maxEntries;
  let storedFlags = flags;
  switch (type) {
    case MapType.ARRAY:
    case MapType.PERCPU_ARRAY:
      checkArray(spec, type, flags);
      break;
    case MapType.PROG_ARRAY:
    case MapType.PERF_EVENT_ARRAY:
    case MapType.ARRAY_OF_MAPS:
      if (spec.valueSize !== 4) fail("EINVAL", spec, "value_size must be 4 (an fd)");
      if (flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) fail("EINVAL", spec, "program access flags on an fd array");
      checkArray(spec, type, flags);
      break;
    case MapType.HASH_OF_MAPS:
      if (spec.valueSize !== 4) fail("EINVAL", spec, "value_size must be 4 (an fd)");
      checkHash(spec, type, flags);
      break;
    case MapType.HASH:
    case MapType.PERCPU_HASH:
    case MapType.LRU_HASH:
    case MapType.LRU_PERCPU_HASH:
      checkHash(spec, type, flags);
      if (flags & BPF_F_NO_COMMON_LRU) {
        const up = Math.ceil(maxEntries / cpus) * cpus;
        maxEntries = up > SIZE_MAX_U32 ? Math.floor(maxEntries / cpus) * cpus : up;
      }
      break;
    case MapType.LPM_TRIE: {
      const mask = BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK;
      if (spec.maxEntries === 0 || !(flags & BPF_F_NO_PREALLOC) || flags & ~mask || !accessOk(flags) || spec.keySize < 5 || spec.keySize > 4 + 256 || spec.valueSize < 1 || spec.valueSize > KMALLOC_MAX_SIZE - 256 - 48) {
        fail("EINVAL", spec, "lpm_trie needs BPF_F_NO_PREALLOC, key_size 5–260 ({u32 prefixlen; u8 data[]}) and a value");
      }
      break;
    }
    case MapType.QUEUE:
    case MapType.STACK:
      if (spec.maxEntries === 0 || spec.keySize !== 0 || spec.valueSize === 0 || flags & ~(BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK) || !accessOk(flags)) {
        fail("EINVAL", spec, "queue/stack maps need key_size 0, a value_size and max_entries > 0");
      }
      if (spec.valueSize > KMALLOC_MAX_SIZE) fail("E2BIG", spec, "value_size too large");
      break;
    case MapType.BLOOM_FILTER:
      if (spec.valueSize > KMALLOC_MAX_SIZE) fail("E2BIG", spec, "value_size too large");
      if (spec.keySize !== 0 || spec.valueSize === 0 || spec.maxEntries === 0 || flags & ~(BPF_F_NUMA_NODE | BPF_F_ZERO_SEED | BPF_F_ACCESS_MASK) || !accessOk(flags) || (extra & ~0xfn) !== 0n) {
        fail("EINVAL", spec, "bloom filters need key_size 0, a value_size, max_entries > 0 and map_extra ≤ 15");
      }
      break;
    case MapType.RINGBUF:
      if (flags & ~BPF_F_NUMA_NODE) fail("EINVAL", spec, "ring buffers take no flags but BPF_F_NUMA_NODE");
      if (spec.keySize || spec.valueSize || !isPow2(spec.maxEntries) || spec.maxEntries % PAGE_SIZE) {
        fail("EINVAL", spec, `ring buffers need key_size 0, value_size 0 and max_entries a power-of-2 multiple of ${PAGE_SIZE}`);
      }
      break;
    case MapType.DEVMAP:
      if (spec.maxEntries === 0 || spec.keySize !== 4 || (spec.valueSize !== 4 && spec.valueSize !== 8) || flags & ~(BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK)) {
        fail("EINVAL", spec, "devmap needs key_size 4 and value_size 4 or 8");
      }
      storedFlags |= BPF_F_RDONLY_PROG;
      break;
    case MapType.CPUMAP:
      if (spec.maxEntries === 0 || spec.keySize !== 4 || (spec.valueSize !== 4 && spec.valueSize !== 8) || flags & ~BPF_F_NUMA_NODE) {
        fail("EINVAL", spec, "cpumap needs key_size 4 and value_size 4 or 8");
      }
      if (spec.maxEntries > NR_CPUS) fail("E2BIG", spec, `max_entries above NR_CPUS (${NR_CPUS})`);
      break;
    default:
      fail("EINVAL", spec, `${mapTypeName(type)} maps are not supported by the userspace runtime`);
  }
  const name = spec.name ?? "";
  if (name.length > 15 || !/^[A-Za-z0-9_.]*$/.test(name)) fail("EINVAL", spec, "map names are at most 15 characters of [A-Za-z0-9_.]");
  // The kernel keeps BPF_F_RDONLY/WRONLY on the fd (its file mode), not in map_flags.
  storedFlags &= ~(BPF_F_RDONLY | BPF_F_WRONLY);
  return { type, typeName: mapTypeName(type), keySize: spec.keySize, valueSize: spec.valueSize, maxEntries, flags: storedFlags, name, mapExtra: extra };
}

/** The template a map-in-map's values must match (bpf_map_meta_alloc). */
function innerTemplate(spec: MapSpec, cpus: number): MapInfo {
  const inner = spec.innerMap;
  if (!inner) fail("EBADF", spec, "map-in-map needs an inner map template");
  const info = inner instanceof MapBase ? inner.info : checkMapSpec(inner as MapSpec, cpus);
  if (info.type === MapType.ARRAY_OF_MAPS || info.type === MapType.HASH_OF_MAPS) fail("EINVAL", spec, "maps of maps of maps are not supported");
  return info;
}

/** Creates a map in `space`, validated as the kernel validates BPF_MAP_CREATE. */
export function createMap(spec: MapSpec, space: AddressSpace, options: CreateMapOptions): BpfMap {
  const cpus = options.cpus;
  if (!Number.isInteger(cpus) || cpus < 1) throw new EbpfError("EINVAL", `cpus must be a positive integer, not ${cpus}`);
  const info = checkMapSpec(spec, cpus);
  const env: MapEnvironment = { space, cpus, hostCpu: options.hostCpu ?? 0, resolveMapFd: options.resolveMapFd, resolveProgFd: options.resolveProgFd };
  if (spec.spinLockOffset !== undefined && (spec.spinLockOffset % 4 || spec.spinLockOffset + 4 > spec.valueSize)) {
    fail("EINVAL", spec, "bpf_spin_lock must be 4-byte aligned inside the value");
  }
  switch (info.type) {
    case MapType.ARRAY:
    case MapType.PERCPU_ARRAY:
      return new ArrayMap(info, env, spec);
    case MapType.HASH:
    case MapType.PERCPU_HASH:
    case MapType.LRU_HASH:
    case MapType.LRU_PERCPU_HASH:
      return new HashMap(info, env, spec);
    case MapType.HASH_OF_MAPS:
      return new HashMap(info, env, spec, innerTemplate(spec, cpus));
    case MapType.ARRAY_OF_MAPS:
      return new FdArrayMap(info, env, spec, innerTemplate(spec, cpus));
    case MapType.PROG_ARRAY:
      return new FdArrayMap<ProgramRef>(info, env, spec);
    case MapType.PERF_EVENT_ARRAY:
      return new PerfEventArrayMap(info, env, spec);
    case MapType.LPM_TRIE:
      return new LpmTrieMap(info, env, spec);
    case MapType.QUEUE:
    case MapType.STACK:
      return new QueueStackMap(info, env, spec);
    case MapType.BLOOM_FILTER:
      return new BloomFilterMap(info, env, spec);
    case MapType.RINGBUF:
      return new RingbufMap(info, env, spec);
    default:
      return new RedirectMap(info, env, spec);
  }
}
