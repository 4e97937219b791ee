import type { Op, Scenario } from "./ops.js";

export const CPUS_PLACEHOLDER = 0;

/** Little-endian u32 as hex. */
export const k32 = (n: number): string => Buffer.from(new Uint32Array([n >>> 0]).buffer).toString("hex");
/** `size` bytes holding n (little-endian, repeated pattern past 4 bytes) as hex. */
export const val = (n: number, size: number): string => {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (n >>> ((i % 4) * 8)) & 0xff ^ (i >> 2);
  return b.toString("hex");
};
/** An LPM key {u32 prefixlen; u8 data[n]} with data given as bytes. */
export const lpm = (plen: number, ...data: number[]): string => k32(plen) + Buffer.from(data).toString("hex");

/** A small deterministic PRNG (mulberry32) so every run generates the same operations. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ZERO_SEED = 1 << 6;
const NO_PREALLOC = 1;
const NO_COMMON_LRU = 2;
const F_LOCK = 4;

/** Random update/delete/lookup/next over a small key space, with dumps along the way. */
export function randomOps(seed: number, n: number, keyOf: (i: number) => string, valueOf: (i: number) => string, keys: number, dumpEvery = 50): Op[] {
  const r = rng(seed);
  const ops: Op[] = [];
  for (let i = 0; i < n; i++) {
    const k = keyOf(Math.floor(r() * keys));
    const x = r();
    if (x < 0.45) ops.push({ op: "update", key: k, value: valueOf(i), flags: Math.floor(r() * 3) });
    else if (x < 0.65) ops.push({ op: "delete", key: k });
    else if (x < 0.85) ops.push({ op: "lookup", key: k });
    else ops.push({ op: "next", key: k });
    if (i % dumpEvery === dumpEvery - 1) ops.push({ op: "dump" });
  }
  ops.push({ op: "dump" });
  return ops;
}

export function elementScenarios(cpus: number): Scenario[] {
  const pc = (n: number, size: number): string => Array.from({ length: cpus }, (_, c) => val(n + c * 1000, size) + "00".repeat(Math.ceil(size / 8) * 8 - size)).join("");
  const s: Scenario[] = [];
  s.push({
    name: "array errnos, get_next_key, batch cursors, freeze",
    spec: { type: "array", keySize: 4, valueSize: 12, maxEntries: 10 },
    ops: [
      { op: "update", key: k32(3), value: val(3, 12) },
      { op: "update", key: k32(10), value: val(1, 12) },
      { op: "update", key: k32(0xffffffff), value: val(1, 12) },
      { op: "update", key: k32(2), value: val(1, 12), flags: 1 },
      { op: "update", key: k32(2), value: val(2, 12), flags: 2 },
      { op: "update", key: k32(2), value: val(1, 12), flags: 3 },
      { op: "update", key: k32(2), value: val(1, 12), flags: F_LOCK },
      { op: "update", key: k32(2), value: val(1, 12), flags: 8 },
      { op: "lookup", key: k32(3) },
      { op: "lookup", key: k32(10) },
      { op: "lookup", key: k32(3), flags: F_LOCK },
      { op: "lookup", key: k32(3), flags: 2 },
      { op: "delete", key: k32(3) },
      { op: "delete", key: k32(30) },
      { op: "lookupAndDelete", key: k32(3) },
      { op: "next" },
      { op: "next", key: k32(0) },
      { op: "next", key: k32(8) },
      { op: "next", key: k32(9) },
      { op: "next", key: k32(10) },
      { op: "next", key: k32(12345) },
      { op: "dump" },
      { op: "lookupBatch", count: 4 },
      { op: "lookupBatch", count: 4, cursor: "prev" },
      { op: "lookupBatch", count: 4, cursor: "prev" },
      { op: "lookupBatch", count: 3, cursor: k32(20) },
      { op: "lookupBatch", count: 3, del: true },
      { op: "updateBatch", keys: [k32(5), k32(6), k32(11), k32(7)], values: [val(5, 12), val(6, 12), val(11, 12), val(7, 12)] },
      { op: "updateBatch", keys: [k32(5)], values: [val(5, 12)], flags: 1 },
      { op: "deleteBatch", keys: [k32(5)] },
      { op: "dump" },
      { op: "freeze" },
      { op: "update", key: k32(1), value: val(1, 12) },
      { op: "updateBatch", keys: [k32(5)], values: [val(5, 12)] },
      { op: "lookup", key: k32(6) },
      { op: "freeze" },
    ],
  });
  s.push({
    name: "percpu_array: one 8-aligned slot per CPU",
    spec: { type: "percpu_array", keySize: 4, valueSize: 6, maxEntries: 4 },
    ops: [
      { op: "update", key: k32(1), value: pc(1, 6) },
      { op: "update", key: k32(4), value: pc(1, 6) },
      { op: "update", key: k32(1), value: pc(1, 6), flags: F_LOCK },
      { op: "update", key: k32(1), value: pc(1, 6), flags: 1 },
      { op: "dump" },
      { op: "lookupBatch", count: 3 },
      { op: "lookupBatch", count: 3, cursor: "prev" },
      { op: "delete", key: k32(1) },
    ],
  });
  for (const [type, flags] of [["hash", ZERO_SEED], ["hash", ZERO_SEED | NO_PREALLOC]] as const) {
    s.push({
      name: `${type} flags ${flags}: errnos, order, full map`,
      spec: { type, keySize: 4, valueSize: 8, maxEntries: 8, flags },
      ops: [
        ...Array.from({ length: 9 }, (_, i): Op => ({ op: "update", key: k32(i * 7 + 1), value: val(i, 8) })),
        { op: "dump" },
        { op: "update", key: k32(1), value: val(100, 8) },
        { op: "update", key: k32(999), value: val(100, 8), flags: 2 },
        { op: "update", key: k32(1), value: val(100, 8), flags: 1 },
        { op: "update", key: k32(1), value: val(100, 8), flags: 3 },
        { op: "update", key: k32(1), value: val(100, 8), flags: F_LOCK },
        { op: "dump" },
        { op: "next", key: k32(12345) },
        { op: "next" },
        { op: "delete", key: k32(12345) },
        { op: "delete", key: k32(8) },
        { op: "update", key: k32(999), value: val(9, 8), flags: 1 },
        { op: "keys" },
        { op: "lookupAndDelete", key: k32(999) },
        { op: "lookupAndDelete", key: k32(999) },
        { op: "lookupAndDelete", key: k32(1), flags: F_LOCK },
        { op: "lookupAndDelete", key: k32(1), flags: 1 },
        { op: "lookupBatch", count: 1 },
        { op: "lookupBatch", count: 2 },
        { op: "lookupBatch", count: 2, cursor: "prev" },
        { op: "lookupBatch", count: 2, cursor: "prev" },
        { op: "lookupBatch", count: 2, cursor: "prev" },
        { op: "lookupBatch", count: 100, cursor: k32(5) },
        { op: "lookupBatch", count: 100, cursor: k32(8) },
        { op: "lookupBatch", count: 3, del: true },
        { op: "dump" },
        { op: "deleteBatch", keys: [k32(15), k32(12345), k32(22)] },
        { op: "updateBatch", keys: [k32(3), k32(4)], values: [val(3, 8), val(4, 8)], flags: 1 },
        { op: "updateBatch", keys: [k32(3), k32(4)], values: [val(3, 8), val(4, 8)], flags: 1 },
        { op: "dump" },
        { op: "lookupBatch", count: 100, del: true },
        { op: "dump" },
      ],
    });
  }
  s.push({
    name: "hash: 1000 random operations on a 64-entry map (order after every 50)",
    spec: { type: "hash", keySize: 4, valueSize: 4, maxEntries: 64, flags: ZERO_SEED },
    ops: randomOps(1, 1000, (i) => k32(i * 2654435761), (i) => val(i, 4), 80),
  });
  for (const ks of [3, 12, 13, 20]) {
    s.push({
      name: `hash with ${ks}-byte keys (jhash over bytes / words)`,
      spec: { type: "hash", keySize: ks, valueSize: 4, maxEntries: 32, flags: ZERO_SEED },
      ops: randomOps(ks, 300, (i) => val(i * 77 + 1, ks), (i) => val(i, 4), 40),
    });
  }
  s.push({
    name: "percpu_hash: per-CPU layout and order",
    spec: { type: "percpu_hash", keySize: 8, valueSize: 12, maxEntries: 16, flags: ZERO_SEED },
    ops: [
      ...Array.from({ length: 17 }, (_, i): Op => ({ op: "update", key: val(i, 8), value: pc(i, 12) })),
      { op: "update", key: val(3, 8), value: pc(55, 12), flags: 2 },
      { op: "update", key: val(3, 8), value: pc(55, 12), flags: F_LOCK },
      { op: "dump" },
      { op: "lookupAndDelete", key: val(4, 8) },
      { op: "lookupBatch", count: 5 },
      { op: "lookupBatch", count: 5, cursor: "prev" },
      { op: "dump" },
    ],
  });
  for (const [type, flags, max] of [
    ["lru_hash", ZERO_SEED, 4],
    ["lru_hash", ZERO_SEED, 10],
    ["lru_hash", ZERO_SEED, 200],
    ["lru_hash", ZERO_SEED | NO_COMMON_LRU, 10],
    ["lru_percpu_hash", ZERO_SEED, 10],
    ["lru_percpu_hash", ZERO_SEED | NO_COMMON_LRU, 7],
  ] as const) {
    const percpu = type === "lru_percpu_hash";
    const v = (i: number): string => (percpu ? pc(i, 4) : val(i, 4));
    const ops: Op[] = [];
    for (let i = 0; i < max * 3; i++) {
      ops.push({ op: "update", key: k32(i), value: v(i), flags: i % 5 === 4 ? 1 : 0 });
      if (i >= max - 2) ops.push({ op: "keys" });
      if (i % 7 === 3) ops.push({ op: "lookup", key: k32(i - 2) });
      if (i % 11 === 5) ops.push({ op: "delete", key: k32(i - 4) });
      if (i % 13 === 6) ops.push({ op: "update", key: k32(i - 1), value: v(i), flags: 2 });
    }
    ops.push({ op: "dump" });
    s.push({ name: `${type} flags ${flags} max ${max}: eviction`, spec: { type, keySize: 4, valueSize: 4, maxEntries: max, flags }, ops });
  }
  s.push({
    name: "lru_hash: random operations",
    spec: { type: "lru_hash", keySize: 4, valueSize: 8, maxEntries: 32, flags: ZERO_SEED },
    ops: randomOps(7, 800, (i) => k32(i), (i) => val(i, 8), 60),
  });
  s.push({
    name: "lpm_trie: longest prefix match, postorder, errnos",
    spec: { type: "lpm_trie", keySize: 8, valueSize: 4, maxEntries: 8, flags: NO_PREALLOC },
    ops: [
      { op: "update", key: lpm(16, 192, 168, 0, 0), value: val(16, 4) },
      { op: "update", key: lpm(24, 192, 168, 0, 0), value: val(24, 4) },
      { op: "update", key: lpm(24, 192, 168, 1, 0), value: val(25, 4) },
      { op: "update", key: lpm(24, 192, 168, 128, 0), value: val(26, 4) },
      { op: "update", key: lpm(8, 10, 0, 0, 0), value: val(8, 4) },
      { op: "update", key: lpm(0, 0, 0, 0, 0), value: val(0, 4) },
      { op: "update", key: lpm(32, 10, 1, 2, 3), value: val(32, 4) },
      { op: "update", key: lpm(33, 10, 1, 2, 3), value: val(33, 4) },
      { op: "update", key: lpm(24, 192, 168, 1, 0), value: val(27, 4), flags: 1 },
      { op: "update", key: lpm(24, 192, 168, 9, 0), value: val(27, 4), flags: 2 },
      { op: "update", key: lpm(24, 192, 168, 1, 0), value: val(28, 4), flags: 2 },
      { op: "update", key: lpm(24, 192, 168, 1, 0), value: val(28, 4), flags: 4 },
      { op: "lookup", key: lpm(32, 192, 168, 1, 77) },
      { op: "lookup", key: lpm(32, 192, 168, 2, 77) },
      { op: "lookup", key: lpm(32, 172, 16, 0, 1) },
      { op: "lookup", key: lpm(20, 192, 168, 1, 1) },
      { op: "lookup", key: lpm(40, 192, 168, 1, 1) },
      { op: "lookup", key: lpm(32, 10, 1, 2, 3) },
      { op: "dump" },
      { op: "next", key: lpm(24, 192, 168, 1, 0) },
      { op: "next", key: lpm(16, 192, 168, 0, 0) },
      { op: "next", key: lpm(23, 192, 168, 0, 0) },
      { op: "next", key: lpm(99, 1, 2, 3, 4) },
      { op: "update", key: lpm(12, 172, 16, 0, 0), value: val(12, 4) },
      { op: "update", key: lpm(12, 172, 32, 0, 0), value: val(13, 4) },
      { op: "update", key: lpm(16, 192, 168, 0, 0), value: val(17, 4) },
      { op: "delete", key: lpm(24, 192, 168, 128, 0) },
      { op: "delete", key: lpm(24, 192, 168, 128, 0) },
      { op: "delete", key: lpm(16, 192, 168, 0, 0) },
      { op: "delete", key: lpm(40, 192, 168, 0, 0) },
      { op: "update", key: lpm(12, 172, 32, 0, 0), value: val(13, 4) },
      { op: "dump" },
      { op: "lookupAndDelete", key: lpm(0, 0, 0, 0, 0) },
      { op: "lookupBatch", count: 3 },
      { op: "lookupBatch", count: 3, cursor: "prev" },
      { op: "lookupBatch", count: 3, cursor: "prev" },
      { op: "lookupBatch", count: 3, del: true },
      { op: "deleteBatch", keys: [lpm(0, 0, 0, 0, 0), lpm(8, 10, 0, 0, 0)] },
      { op: "deleteBatch", keys: [lpm(24, 192, 168, 0, 0)] },
      { op: "dump" },
    ],
  });
  {
    const r = rng(99);
    const ops: Op[] = [];
    for (let i = 0; i < 600; i++) {
      const plen = Math.floor(r() * 25);
      const d = [10, Math.floor(r() * 4), Math.floor(r() * 256), 0];
      const key = lpm(plen, ...d);
      const x = r();
      if (x < 0.5) ops.push({ op: "update", key, value: val(i, 4) });
      else if (x < 0.7) ops.push({ op: "delete", key });
      else if (x < 0.85) ops.push({ op: "lookup", key: lpm(32, ...d) });
      else ops.push({ op: "next", key });
      if (i % 40 === 39) ops.push({ op: "dump" });
    }
    s.push({ name: "lpm_trie: random operations", spec: { type: "lpm_trie", keySize: 8, valueSize: 4, maxEntries: 64, flags: NO_PREALLOC }, ops });
  }
  for (const type of ["queue", "stack"]) {
    s.push({
      name: `${type}: push/pop/peek, full, BPF_EXIST overwrite`,
      spec: { type, keySize: 0, valueSize: 4, maxEntries: 3 },
      ops: [
        { op: "lookup" },
        { op: "lookupAndDelete" },
        { op: "update", value: val(1, 4) },
        { op: "update", value: val(2, 4) },
        { op: "update", value: val(3, 4) },
        { op: "update", value: val(4, 4) },
        { op: "update", value: val(4, 4), flags: 1 },
        { op: "update", value: val(4, 4), flags: 3 },
        { op: "update", value: val(4, 4), flags: 2 },
        { op: "lookup" },
        { op: "lookupAndDelete" },
        { op: "lookupAndDelete", flags: 4 },
        { op: "lookupAndDelete" },
        { op: "update", value: val(5, 4) },
        { op: "update", value: val(6, 4) },
        { op: "update", value: val(7, 4), flags: 2 },
        { op: "lookupAndDelete" },
        { op: "lookupAndDelete" },
        { op: "lookupAndDelete" },
        { op: "lookupAndDelete" },
        { op: "next" },
        { op: "lookupBatch", count: 2 },
      ],
    });
  }
  s.push({
    name: "BPF_F_RDONLY: host writes EPERM",
    spec: { type: "hash", keySize: 4, valueSize: 4, maxEntries: 4, flags: 8 },
    ops: [
      { op: "update", key: k32(1), value: val(1, 4) },
      { op: "delete", key: k32(1) },
      { op: "lookup", key: k32(1) },
      { op: "next" },
      { op: "lookupAndDelete", key: k32(1) },
      { op: "lookupBatch", count: 2 },
      { op: "lookupBatch", count: 2, del: true },
      { op: "deleteBatch", keys: [k32(1)] },
      { op: "freeze" },
    ],
  });
  s.push({
    name: "BPF_F_WRONLY: host reads EPERM",
    spec: { type: "array", keySize: 4, valueSize: 4, maxEntries: 4, flags: 16 },
    ops: [
      { op: "update", key: k32(1), value: val(1, 4) },
      { op: "lookup", key: k32(1) },
      { op: "next" },
      { op: "lookupBatch", count: 2 },
      { op: "freeze" },
      { op: "update", key: k32(1), value: val(1, 4) },
    ],
  });
  s.push({
    name: "prog_array / perf_event_array slots",
    spec: { type: "prog_array", keySize: 4, valueSize: 4, maxEntries: 4 },
    ops: [
      { op: "lookup", key: k32(1) },
      { op: "lookup", key: k32(9) },
      { op: "update", key: k32(1), value: k32(100000), flags: 0 },
      { op: "update", key: k32(1), value: k32(100000), flags: 1 },
      { op: "update", key: k32(9), value: k32(100000) },
      { op: "delete", key: k32(1) },
      { op: "delete", key: k32(9) },
      { op: "next" },
      { op: "next", key: k32(3) },
      { op: "lookupBatch", count: 2 },
    ],
  });
  s.push({
    name: "perf_event_array slots",
    spec: { type: "perf_event_array", keySize: 4, valueSize: 4, maxEntries: 4 },
    ops: [
      { op: "lookup", key: k32(1) },
      { op: "update", key: k32(1), value: k32(3), flags: 1 },
      { op: "delete", key: k32(1) },
      { op: "delete", key: k32(7) },
      { op: "next", key: k32(1) },
    ],
  });
  s.push({
    name: "devmap / cpumap slots",
    spec: { type: "cpumap", keySize: 4, valueSize: 4, maxEntries: 4 },
    ops: [
      { op: "lookup", key: k32(0) },
      { op: "update", key: k32(0), value: k32(0) },
      { op: "update", key: k32(0), value: k32(100000) },
      { op: "update", key: k32(9), value: k32(1) },
      { op: "update", key: k32(0), value: k32(1), flags: 1 },
      { op: "update", key: k32(0), value: k32(1), flags: 3 },
      { op: "update", key: k32(3), value: k32(64) },
      { op: "delete", key: k32(0) },
      { op: "delete", key: k32(9) },
      { op: "next", key: k32(2) },
    ],
  });
  s.push({
    name: "ringbuf: no element operations",
    spec: { type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 4096 },
    ops: [{ op: "lookup" }, { op: "next" }, { op: "lookupAndDelete" }, { op: "lookupBatch", count: 1 }],
  });
  return s;
}

/** Bad specs: the kernel's errno for each must be ours. */
export function createScenarios(): Scenario[] {
  const bad: Scenario["spec"][] = [
    { type: "array", keySize: 8, valueSize: 4, maxEntries: 1 },
    { type: "array", keySize: 4, valueSize: 0, maxEntries: 1 },
    { type: "array", keySize: 4, valueSize: 4, maxEntries: 0 },
    { type: "array", keySize: 4, valueSize: 4, maxEntries: 1, flags: NO_PREALLOC },
    { type: "array", keySize: 4, valueSize: 4, maxEntries: 1, flags: ZERO_SEED },
    { type: "array", keySize: 4, valueSize: 4, maxEntries: 1, flags: 128 | 256 },
    { type: "array", keySize: 4, valueSize: 4, maxEntries: 1, flags: 8 | 16 },
    { type: "array", keySize: 4, valueSize: 4, maxEntries: 1, mapExtra: 1 },
    { type: "array", keySize: 4, valueSize: 4, maxEntries: 1, flags: 2048 },
    { type: "array", keySize: 4, valueSize: 4, maxEntries: 1, flags: 1024 | 4096 },
    { type: "percpu_array", keySize: 4, valueSize: 4, maxEntries: 1, flags: 1024 },
    { type: "percpu_array", keySize: 4, valueSize: 32769, maxEntries: 1 },
    { type: "hash", keySize: 0, valueSize: 4, maxEntries: 1 },
    { type: "hash", keySize: 4, valueSize: 0, maxEntries: 1 },
    { type: "hash", keySize: 4, valueSize: 4, maxEntries: 0 },
    { type: "hash", keySize: 4, valueSize: 4, maxEntries: 1, flags: NO_COMMON_LRU },
    { type: "hash", keySize: 4, valueSize: 4, maxEntries: 1, flags: 1024 },
    { type: "hash", keySize: 4, valueSize: 1 << 22, maxEntries: 1 },
    { type: "hash", keySize: 4, valueSize: 4, maxEntries: 2 ** 31 + 1 },
    { type: "percpu_hash", keySize: 4, valueSize: 32769, maxEntries: 1 },
    { type: "lru_hash", keySize: 4, valueSize: 4, maxEntries: 4, flags: NO_PREALLOC },
    { type: "lpm_trie", keySize: 8, valueSize: 4, maxEntries: 4 },
    { type: "lpm_trie", keySize: 4, valueSize: 4, maxEntries: 4, flags: NO_PREALLOC },
    { type: "lpm_trie", keySize: 261, valueSize: 4, maxEntries: 4, flags: NO_PREALLOC },
    { type: "lpm_trie", keySize: 8, valueSize: 0, maxEntries: 4, flags: NO_PREALLOC },
    { type: "lpm_trie", keySize: 8, valueSize: 4, maxEntries: 0, flags: NO_PREALLOC },
    { type: "queue", keySize: 4, valueSize: 4, maxEntries: 4 },
    { type: "stack", keySize: 0, valueSize: 0, maxEntries: 4 },
    { type: "queue", keySize: 0, valueSize: 4, maxEntries: 4, flags: NO_PREALLOC },
    { type: "queue", keySize: 0, valueSize: (1 << 22) + 1, maxEntries: 4 },
    { type: "bloom_filter", keySize: 4, valueSize: 4, maxEntries: 4 },
    { type: "bloom_filter", keySize: 0, valueSize: 4, maxEntries: 4, mapExtra: 16 },
    { type: "bloom_filter", keySize: 0, valueSize: 4, maxEntries: 0 },
    { type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 4096 * 3 },
    { type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 2048 },
    { type: "ringbuf", keySize: 4, valueSize: 0, maxEntries: 4096 },
    { type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 4096, flags: NO_PREALLOC },
    { type: "prog_array", keySize: 4, valueSize: 8, maxEntries: 4 },
    { type: "prog_array", keySize: 4, valueSize: 4, maxEntries: 4, flags: 128 },
    { type: "perf_event_array", keySize: 4, valueSize: 4, maxEntries: 4, flags: 2048 },
    { type: "devmap", keySize: 4, valueSize: 12, maxEntries: 4 },
    { type: "cpumap", keySize: 4, valueSize: 4, maxEntries: 4, flags: 8 },
    { type: "cpumap", keySize: 4, valueSize: 4, maxEntries: 100000 },
  ];
  const good: Scenario["spec"][] = [
    { type: "lru_hash", keySize: 4, valueSize: 4, maxEntries: 5, flags: NO_COMMON_LRU },
    { type: "lru_percpu_hash", keySize: 4, valueSize: 4, maxEntries: 3, flags: NO_COMMON_LRU },
    { type: "devmap", keySize: 4, valueSize: 8, maxEntries: 4 },
    { type: "bloom_filter", keySize: 0, valueSize: 4, maxEntries: 4, mapExtra: 3, flags: ZERO_SEED },
    { type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 8192 },
    { type: "array", keySize: 4, valueSize: 4, maxEntries: 1, name: "ok.name_1" },
    { type: "array", keySize: 4, valueSize: 4, maxEntries: 1, flags: 1024 },
    { type: "queue", keySize: 0, valueSize: 4, maxEntries: 4, flags: 128 },
  ];
  return [...bad, ...good].map((spec, i) => ({ name: `create #${i} ${JSON.stringify(spec)}`, spec, ops: [] }));
}
