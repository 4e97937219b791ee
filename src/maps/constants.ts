/**
 * Map types, flags and errno numbers as the kernel defines them (include/uapi/linux/bpf.h,
 * asm-generic/errno*.h). Browser-safe: nothing here touches Node.
 */

/** BPF_MAP_TYPE_* in enum order, lower case without the prefix; the index is the type number. */
export const MAP_TYPE_NAMES: readonly string[] = Object.freeze([
  "unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash", "percpu_array",
  "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash", "lpm_trie", "array_of_maps",
  "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap", "sockhash", "cgroup_storage",
  "reuseport_sockarray", "percpu_cgroup_storage", "queue", "stack", "sk_storage", "devmap_hash",
  "struct_ops", "ringbuf", "inode_storage", "task_storage", "bloom_filter", "user_ringbuf",
  "cgrp_storage", "arena",
]);

export const MapType = {
  HASH: 1, ARRAY: 2, PROG_ARRAY: 3, PERF_EVENT_ARRAY: 4, PERCPU_HASH: 5, PERCPU_ARRAY: 6,
  LRU_HASH: 9, LRU_PERCPU_HASH: 10, LPM_TRIE: 11, ARRAY_OF_MAPS: 12, HASH_OF_MAPS: 13, DEVMAP: 14,
  CPUMAP: 16, QUEUE: 22, STACK: 23, DEVMAP_HASH: 25, RINGBUF: 27, BLOOM_FILTER: 30,
} as const;

/** Accepts 2, "array", "ARRAY", "BPF_MAP_TYPE_ARRAY"; undefined for a name the kernel does not have. */
export function mapTypeNumber(t: string | number): number | undefined {
  if (typeof t === "number") return Number.isInteger(t) && t >= 0 ? t : undefined;
  const n = t.toLowerCase().replace(/^bpf_map_type_/, "");
  const i = MAP_TYPE_NAMES.indexOf(n);
  return i > 0 ? i : undefined;
}

export function mapTypeName(n: number): string {
  return MAP_TYPE_NAMES[n] ?? `type_${n}`;
}

// ---- map_flags ------------------------------------------------------------------------------
export const BPF_F_NO_PREALLOC = 1 << 0;
export const BPF_F_NO_COMMON_LRU = 1 << 1;
export const BPF_F_NUMA_NODE = 1 << 2;
export const BPF_F_RDONLY = 1 << 3;
export const BPF_F_WRONLY = 1 << 4;
export const BPF_F_STACK_BUILD_ID = 1 << 5;
export const BPF_F_ZERO_SEED = 1 << 6;
export const BPF_F_RDONLY_PROG = 1 << 7;
export const BPF_F_WRONLY_PROG = 1 << 8;
export const BPF_F_CLONE = 1 << 9;
export const BPF_F_MMAPABLE = 1 << 10;
export const BPF_F_PRESERVE_ELEMS = 1 << 11;
export const BPF_F_INNER_MAP = 1 << 12;
export const BPF_F_ACCESS_MASK = BPF_F_RDONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY | BPF_F_WRONLY_PROG;

// ---- element flags --------------------------------------------------------------------------
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;
export const BPF_F_LOCK = 4;

// ---- ring buffer ----------------------------------------------------------------------------
export const BPF_RB_NO_WAKEUP = 1;
export const BPF_RB_FORCE_WAKEUP = 2;
export const BPF_RB_AVAIL_DATA = 0;
export const BPF_RB_RING_SIZE = 1;
export const BPF_RB_CONS_POS = 2;
export const BPF_RB_PROD_POS = 3;
export const BPF_RINGBUF_BUSY_BIT = 0x80000000;
export const BPF_RINGBUF_DISCARD_BIT = 0x40000000;
export const BPF_RINGBUF_HDR_SZ = 8;

// ---- perf_event_output ----------------------------------------------------------------------
export const BPF_F_INDEX_MASK = 0xffffffffn;
export const BPF_F_CURRENT_CPU = 0xffffffffn;

// ---- redirect_map ---------------------------------------------------------------------------
export const BPF_F_BROADCAST = 1n << 3n;
export const BPF_F_EXCLUDE_INGRESS = 1n << 4n;
export const XDP_ABORTED = 0;
export const XDP_REDIRECT = 4;

/** The kernel's page size on the machines we mirror (ring buffer sizes are page multiples). */
export const PAGE_SIZE = 4096;
/** KMALLOC_MAX_SIZE on x86_64 and arm64 with 4 KiB pages. */
export const KMALLOC_MAX_SIZE = 1 << 22;
/** PCPU_MIN_UNIT_SIZE: the largest per-CPU value. */
export const PCPU_MIN_UNIT_SIZE = 32768;

/** Linux errno numbers the map code returns (program side returns -errno). */
export const ERRNO: Readonly<Record<string, number>> = Object.freeze({
  EPERM: 1, ENOENT: 2, EINTR: 4, E2BIG: 7, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14,
  EBUSY: 16, EEXIST: 17, ENODEV: 19, EINVAL: 22, ENOSPC: 28, ERANGE: 34, ELOOP: 40, EOVERFLOW: 75,
  EOPNOTSUPP: 95, ENOTSUPP: 524,
});

const ERRNO_NAME: ReadonlyMap<number, string> = new Map(Object.entries(ERRNO).map(([k, v]) => [v, k]));

export function errnoName(n: number): string {
  return ERRNO_NAME.get(Math.abs(n)) ?? `E${Math.abs(n)}`;
}

export const EPERM = -1, ENOENT = -2, E2BIG = -7, EAGAIN = -11, ENOMEM = -12, EACCES = -13, EBUSY = -16,
  EEXIST = -17, EINVAL = -22, ENOSPC = -28, EOPNOTSUPP = -95, ENOTSUPP = -524, ENODEV = -19, EOVERFLOW = -75;
