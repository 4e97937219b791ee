import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { AddressSpace, PERM_READ, PERM_WRITE } from "../../src/vm/memory.js";
import {
  ArrayMap,
  BloomFilterMap,
  BPF_F_NO_PREALLOC,
  BPF_F_RDONLY_PROG,
  BPF_F_ZERO_SEED,
  checkMapSpec,
  createMap,
  FdArrayMap,
  HashMap,
  jhash,
  jhash2,
  MapBatchError,
  MapTable,
  PerfEventArrayMap,
  QueueStackMap,
  RingbufMap,
  type BpfMap,
  type MapSpec,
} from "../../src/maps/index.js";
import { build } from "../../src/isa/index.js";
import { createImage } from "../../src/vm/image.js";

const u32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n >>> 0]).buffer);
const rd32 = (b: Uint8Array | undefined, off = 0): number => new DataView(b!.buffer, b!.byteOffset).getUint32(off, true);
const lpmKey = (plen: number, ...d: number[]): Uint8Array => new Uint8Array([...u32(plen), ...d]);

function mk(spec: MapSpec, cpus = 1): BpfMap {
  return createMap(spec, new AddressSpace(), { cpus });
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

describe("jhash", () => {
  it("matches lookup3's published values (hashlittle)", () => {
    // lookup3.c driver: hashlittle("", 0, 0) = 0xdeadbeef, ("Four score and seven years ago", 30, 0) = 0x17770551
    expect(jhash(new Uint8Array(0), 0, 0)).toBe(0xdeadbeef);
    expect(jhash(new TextEncoder().encode("Four score and seven years ago"), 30, 0)).toBe(0x17770551);
    expect(jhash(new TextEncoder().encode("Four score and seven years ago"), 30, 1)).toBe(0xcd628161);
  });
  it("jhash2 over words equals jhash over the same bytes on a little-endian machine", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }).map((a) => a.subarray(0, a.length & ~3)), fc.integer({ min: 0, max: 0xffffffff }), (b, seed) => {
        expect(jhash2(b, b.length / 4, seed)).toBe(jhash(b, b.length, seed));
      }),
    );
  });
});

describe("createMap validation", () => {
  it.each<[MapSpec, string]>([
    [{ type: "array", keySize: 8, valueSize: 4, maxEntries: 1 }, "EINVAL"],
    [{ type: "array", keySize: 4, valueSize: 4, maxEntries: 0 }, "EINVAL"],
    [{ type: "array", keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F_NO_PREALLOC }, "EINVAL"],
    [{ type: "hash", keySize: 4, valueSize: 1 << 22, maxEntries: 1 }, "E2BIG"],
    [{ type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 12288 }, "EINVAL"],
    [{ type: "lru_hash", keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F_NO_PREALLOC }, "ENOTSUPP"],
    [{ type: "nosuch", keySize: 4, valueSize: 4, maxEntries: 1 }, "EINVAL"],
    [{ type: "array", keySize: 4, valueSize: 4, maxEntries: 1, name: "bad-name" }, "EINVAL"],
    [{ type: "array", keySize: 4, valueSize: 4, maxEntries: 1, name: "sixteen_chars_xx" }, "EINVAL"],
    [{ type: "array_of_maps", keySize: 4, valueSize: 4, maxEntries: 1 }, "EBADF"],
    [{ type: "array", keySize: 4, valueSize: 8, maxEntries: 1, spinLockOffset: 6 }, "EINVAL"],
  ])("%j → %s", (spec, want) => {
    expect(code(() => mk(spec))).toBe(want);
  });
  it("stores what the kernel stores: rounded per-CPU LRU size, devmap read-only for programs, no RDONLY/WRONLY", () => {
    expect(checkMapSpec({ type: "lru_hash", keySize: 4, valueSize: 4, maxEntries: 5, flags: 2 }, 4).maxEntries).toBe(8);
    expect(checkMapSpec({ type: "devmap", keySize: 4, valueSize: 4, maxEntries: 5 }).flags).toBe(BPF_F_RDONLY_PROG);
    expect(checkMapSpec({ type: "hash", keySize: 4, valueSize: 4, maxEntries: 5, flags: 8 }).flags).toBe(0);
  });
});

describe("array maps", () => {
  it("values live contiguously in the address space; programs see them in place", () => {
    const space = new AddressSpace();
    const m = createMap({ type: "array", keySize: 4, valueSize: 12, maxEntries: 3 }, space, { cpus: 1 }) as ArrayMap;
    m.update(u32(1), new Uint8Array(12).fill(7));
    const a1 = m.valueAddress(1);
    expect(a1 - m.valueAddress(0)).toBe(16);
    expect(space.u8[a1]).toBe(7);
    space.u8[a1] = 9;
    expect(m.lookup(u32(1))![0]).toBe(9);
    expect(m.lookup(u32(3))).toBeUndefined();
    expect(code(() => m.delete(u32(1)))).toBe("EINVAL");
    expect(code(() => m.lookup(new Uint8Array(3)))).toBe("EINVAL");
  });
  it("per-CPU: host sees every CPU's value, 8-aligned; a program sees its CPU's", () => {
    const space = new AddressSpace();
    const m = createMap({ type: "percpu_array", keySize: 4, valueSize: 4, maxEntries: 2 }, space, { cpus: 3 });
    const v = new Uint8Array(24);
    v.set(u32(10), 0);
    v.set(u32(11), 8);
    v.set(u32(12), 16);
    m.update(u32(0), v);
    expect(m.lookup(u32(0))).toEqual(v);
    const k = space.mapBytes(u32(0), "key");
    for (let c = 0; c < 3; c++) expect(space.view.getUint32(m.lookupAddr(k.start, c), true)).toBe(10 + c);
    expect(space.view.getUint32(m.lookupPercpuAddr(k.start, 2), true)).toBe(12);
    expect(m.lookupPercpuAddr(k.start, 3)).toBe(0);
  });
  it("RDONLY_PROG values are read-only for programs and program writes are refused; WRONLY_PROG write-only", () => {
    const space = new AddressSpace();
    const ro = createMap({ type: "array", keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F_RDONLY_PROG }, space, { cpus: 1 }) as ArrayMap;
    expect(space.allows(ro.valueAddress(0), 4, PERM_READ)).toBe(true);
    expect(space.allows(ro.valueAddress(0), 4, PERM_WRITE)).toBe(false);
    const k = space.mapBytes(u32(0), "key");
    expect(code(() => ro.updateFromVm(k.start, k.start, 0, 0))).toBe("EACCES");
    const wo = createMap({ type: "array", keySize: 4, valueSize: 4, maxEntries: 1, flags: 256 }, space, { cpus: 1 }) as ArrayMap;
    expect(space.allows(wo.valueAddress(0), 4, PERM_READ)).toBe(false);
  });
  it("BPF_F_LOCK needs a spin lock; the lock word is neither copied in nor shown", () => {
    const m = mk({ type: "array", keySize: 4, valueSize: 8, maxEntries: 1, spinLockOffset: 0 });
    m.update(u32(0), new Uint8Array([1, 1, 1, 1, 5, 6, 7, 8]), 4);
    expect([...m.lookup(u32(0), 4)!]).toEqual([0, 0, 0, 0, 5, 6, 7, 8]);
    expect(code(() => m.freeze())).toBe("ENOTSUPP");
    expect(code(() => mk({ type: "array", keySize: 4, valueSize: 8, maxEntries: 1 }).update(u32(0), new Uint8Array(8), 4))).toBe("EINVAL");
  });
  it("a zero-count batch copies nothing and keeps the cursor", () => {
    const m = mk({ type: "array", keySize: 4, valueSize: 4, maxEntries: 4 });
    expect(m.lookupBatch(0, u32(2))).toEqual({ keys: [], values: [], next: u32(2) });
  });
});

describe("hash maps", () => {
  it("is full at max_entries (E2BIG) but replacing works; update moves the key to its bucket's head", () => {
    const m = mk({ type: "hash", keySize: 4, valueSize: 4, maxEntries: 2, flags: BPF_F_ZERO_SEED }) as HashMap;
    m.update(u32(1), u32(1));
    m.update(u32(2), u32(2));
    expect(code(() => m.update(u32(3), u32(3)))).toBe("E2BIG");
    m.update(u32(1), u32(5));
    expect(rd32(m.lookup(u32(1)))).toBe(5);
    expect(m.size).toBe(2);
  });
  it("batch lookup takes whole buckets: ENOSPC when the first bucket does not fit", () => {
    const m = mk({ type: "hash", keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F_ZERO_SEED });
    m.update(u32(7), u32(7));
    expect(m.lookupBatch(1).keys).toHaveLength(1);
    const big = mk({ type: "hash", keySize: 4, valueSize: 4, maxEntries: 1 }) as HashMap;
    expect(big.nBuckets).toBe(1);
    expect(code(() => big.lookupBatch(1))).toBeUndefined();
  });
  it("delete batch stops at the first missing key with the count done", () => {
    const m = mk({ type: "hash", keySize: 4, valueSize: 4, maxEntries: 8 });
    m.update(u32(1), u32(1));
    try {
      m.deleteBatch([u32(1), u32(2), u32(3)]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MapBatchError);
      expect((e as MapBatchError).done).toBe(1);
      expect((e as MapBatchError).code).toBe("ENOENT");
    }
  });
  it("agrees with a JS Map under random operations (model test)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2 })), { maxLength: 300 }), (ops) => {
        const m = mk({ type: "hash", keySize: 4, valueSize: 4, maxEntries: 32 });
        const model = new Map<number, number>();
        ops.forEach(([op, k, f], i) => {
          if (op <= 1) {
            const exists = model.has(k);
            const want = f === 1 && exists ? "EEXIST" : f === 2 && !exists ? "ENOENT" : !exists && model.size >= 32 ? "E2BIG" : undefined;
            expect(code(() => m.update(u32(k), u32(i), f))).toBe(want);
            if (!want) model.set(k, i);
          } else if (op === 2) {
            expect(m.delete(u32(k))).toBe(model.delete(k));
          } else {
            const v = m.lookup(u32(k));
            expect(v === undefined ? undefined : rd32(v)).toBe(model.get(k));
          }
        });
        expect(new Set([...m.keys()].map((k) => rd32(k)))).toEqual(new Set(model.keys()));
      }),
      { numRuns: 60 },
    );
  });
  it("per-CPU hash from a program: new elements zero other CPUs; in-place update of one CPU", () => {
    const space = new AddressSpace();
    const m = createMap({ type: "percpu_hash", keySize: 4, valueSize: 4, maxEntries: 4 }, space, { cpus: 2 });
    const k = space.mapBytes(u32(1), "key");
    const v = space.mapBytes(u32(42), "value");
    expect(m.updateFromVm(k.start, v.start, 0, 1)).toBe(0);
    expect([...m.lookup(u32(1))!]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0]);
    expect(space.view.getUint32(m.lookupAddr(k.start, 1), true)).toBe(42);
    expect(m.updateFromVm(k.start, v.start, 4, 0)).toBe(-22);
  });
});

describe("lru maps", () => {
  it("evicts the least recently used, and a program lookup protects an element", () => {
    const space = new AddressSpace();
    const m = createMap({ type: "lru_hash", keySize: 4, valueSize: 4, maxEntries: 4, flags: BPF_F_ZERO_SEED }, space, { cpus: 1 });
    for (let i = 0; i < 4; i++) m.update(u32(i), u32(i));
    const k = space.mapBytes(u32(0), "key");
    expect(m.lookupAddr(k.start, 0)).not.toBe(0); // sets the reference bit of key 0
    m.update(u32(4), u32(4));
    m.update(u32(5), u32(5));
    const keys = [...m.keys()].map((x) => rd32(x)).sort();
    expect(keys).toContain(0);
    expect(keys).toContain(5);
    expect(keys).toHaveLength(4);
  });
});

describe("lpm_trie", () => {
  it("longest prefix match from host and program, and postorder iteration", () => {
    const space = new AddressSpace();
    const m = createMap({ type: "lpm_trie", keySize: 8, valueSize: 4, maxEntries: 16, flags: BPF_F_NO_PREALLOC }, space, { cpus: 1 });
    m.update(lpmKey(16, 192, 168, 0, 0), u32(16));
    m.update(lpmKey(24, 192, 168, 1, 0), u32(24));
    m.update(lpmKey(24, 192, 168, 0, 0), u32(240));
    m.update(lpmKey(0, 0, 0, 0, 0), u32(0));
    expect(rd32(m.lookup(lpmKey(32, 192, 168, 1, 9)))).toBe(24);
    expect(rd32(m.lookup(lpmKey(32, 192, 168, 7, 9)))).toBe(16);
    expect(rd32(m.lookup(lpmKey(32, 8, 8, 8, 8)))).toBe(0);
    const k = space.mapBytes(lpmKey(32, 192, 168, 0, 77), "key");
    expect(space.view.getUint32(m.lookupAddr(k.start, 0), true)).toBe(240);
    expect([...m.keys()].map((x) => `${x[4]}.${x[5]}.${x[6]}.${x[7]}/${rd32(x)}`)).toEqual(["192.168.0.0/24", "192.168.1.0/24", "192.168.0.0/16", "0.0.0.0/0"]);
    expect(code(() => m.update(lpmKey(33, 1, 1, 1, 1), u32(1)))).toBe("EINVAL");
    expect(m.delete(lpmKey(16, 192, 168, 0, 0))).toBe(true);
    expect(rd32(m.lookup(lpmKey(32, 192, 168, 7, 9)))).toBe(0);
  });
});

describe("queue, stack, bloom filter", () => {
  it("queue is FIFO, stack LIFO", () => {
    const q = mk({ type: "queue", keySize: 0, valueSize: 4, maxEntries: 2 }) as QueueStackMap;
    const s = mk({ type: "stack", keySize: 0, valueSize: 4, maxEntries: 2 }) as QueueStackMap;
    for (const m of [q, s]) {
      m.pushValue(u32(1));
      m.pushValue(u32(2));
      expect(code(() => m.pushValue(u32(3)))).toBe("E2BIG");
    }
    expect(rd32(q.pop())).toBe(1);
    expect(rd32(s.pop())).toBe(2);
    expect(rd32(q.peek())).toBe(2);
  });
  it("bloom filter: no false negatives, zero-seed deterministic, few false positives", () => {
    const a = mk({ type: "bloom_filter", keySize: 0, valueSize: 4, maxEntries: 100, flags: BPF_F_ZERO_SEED }) as BloomFilterMap;
    const b = mk({ type: "bloom_filter", keySize: 0, valueSize: 4, maxEntries: 100, flags: BPF_F_ZERO_SEED }) as BloomFilterMap;
    for (let i = 0; i < 100; i++) {
      a.update(undefined, u32(i * 3));
      b.update(undefined, u32(i * 3));
    }
    for (let i = 0; i < 100; i++) expect(a.contains(u32(i * 3))).toBe(true);
    let fp = 0;
    for (let i = 1000; i < 3000; i++) {
      expect(a.contains(u32(i))).toBe(b.contains(u32(i)));
      if (a.contains(u32(i))) fp++;
    }
    expect(fp).toBeLessThan(200);
    expect(a.nrHashes).toBe(5);
    expect(code(() => a.update(undefined, u32(1), 1))).toBe("EINVAL");
    expect(code(() => a.nextKey())).toBe("EOPNOTSUPP");
  });
});

describe("ring buffer", () => {
  it("reserve/submit/discard with the 8-byte header; consumer sees committed records in order", () => {
    const space = new AddressSpace();
    const rb = createMap({ type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 4096 }, space, { cpus: 1 }) as RingbufMap;
    const a = rb.reserve(5);
    const b = rb.reserve(16);
    expect(b - a).toBe(16); // 5 + 8 rounded to 16
    expect(space.view.getUint32(a - 8, true)).toBe((5 | 0x80000000) >>> 0);
    space.u8.set([1, 2, 3, 4, 5], a);
    space.u8.fill(9, b, b + 16);
    rb.commit(b, 0, false);
    expect(rb.consume()).toEqual([]); // a is still busy and blocks the consumer
    rb.commit(a, 0, false);
    expect(rb.query(0)).toBe(40n);
    expect(rb.records()).toEqual([new Uint8Array([1, 2, 3, 4, 5]), new Uint8Array(16).fill(9)]);
    const c = rb.reserve(1);
    rb.commit(c, 0, true);
    expect(rb.records()).toEqual([]);
    expect(rb.query(2)).toBe(rb.query(3));
  });
  it("wraps around, refuses records that do not fit, and counts wakeups", () => {
    const space = new AddressSpace();
    const rb = createMap({ type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 4096 }, space, { cpus: 1 }) as RingbufMap;
    expect(rb.reserve(4096)).toBe(0);
    expect(rb.reserve(4096 - 8)).toBe(0); // the producer stays at most size − 1 ahead
    expect(rb.output(new Uint8Array(3000), 0)).toBe(0);
    expect(rb.wakeups).toBe(1);
    expect(rb.output(new Uint8Array(3000), 0)).toBe(-11);
    rb.records();
    const big = new Uint8Array(2000).map((_, i) => i & 0xff);
    expect(rb.output(big, 1)).toBe(0); // wraps; NO_WAKEUP
    expect(rb.wakeups).toBe(1);
    expect(rb.output(new Uint8Array(8), 2)).toBe(0); // FORCE_WAKEUP
    expect(rb.wakeups).toBe(2);
    expect(rb.records()).toEqual([big, new Uint8Array(8)]);
    expect(rb.output(new Uint8Array(1), 4)).toBe(-22);
    expect(rb.reserve(8, 1)).toBe(0);
  });
});

describe("perf_event_array", () => {
  it("outputs go to the running CPU's buffer, padded as the kernel pads raw samples", () => {
    const m = mk({ type: "perf_event_array", keySize: 4, valueSize: 4, maxEntries: 2 }, 2) as PerfEventArrayMap;
    expect(m.output(0, 0, new Uint8Array(3))).toBe(-2);
    m.openAll();
    expect(m.output(1, 1, new Uint8Array([1, 2, 3, 4, 5]))).toBe(0);
    expect(m.output(0, 1, new Uint8Array(1))).toBe(-95);
    expect(m.output(5, 1, new Uint8Array(1))).toBe(-7);
    expect(m.readAll()).toEqual([{ cpu: 1, data: new Uint8Array([1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0, 0]) }]);
    const small = m.open(0, 0, 32);
    m.output(0, 0, new Uint8Array(16));
    m.output(0, 0, new Uint8Array(16));
    expect(small.lost).toBe(1);
  });
});

describe("MapTable", () => {
  it("gives maps ids, handles and unreadable identity addresses, and resolves lddw", () => {
    const space = new AddressSpace();
    const t = new MapTable(space, { cpus: 2 });
    const { map: data, fd } = t.create({ type: "array", keySize: 4, valueSize: 16, maxEntries: 1, name: ".data" });
    const { fd: hfd, map: h } = t.create({ type: "hash", keySize: 4, valueSize: 4, maxEntries: 4 });
    expect(data.info.id).toBe(1);
    expect(h.info.id).toBe(2);
    expect(t.byAddress(BigInt(data.identity))).toBe(data);
    expect(space.allows(data.identity, 1, PERM_READ)).toBe(false);
    const img = createImage([build.ldMapFd(1, fd), { op: 0x18, dst: 2, src: 2, off: 0, imm: fd, imm2: 8 }, build.mov64Imm(0, 0), build.exit()], { resolveLdImm64: t.resolver() });
    expect(img.imm[0]).toBe(data.identity);
    expect(img.imm[2]).toBe((data as ArrayMap).valueAddress(0) + 8);
    expect(code(() => createImage([{ op: 0x18, dst: 2, src: 2, off: 0, imm: hfd, imm2: 0 }, build.exit()], { resolveLdImm64: t.resolver() }))).toBe("EINVAL");
    expect(code(() => createImage([{ op: 0x18, dst: 2, src: 2, off: 0, imm: fd, imm2: 16 }, build.exit()], { resolveLdImm64: t.resolver() }))).toBe("EINVAL");
    expect(code(() => createImage([build.ldMapFd(1, 99), build.exit()], { resolveLdImm64: t.resolver() }))).toBe("EBADF");
    const viaIdx = createImage([{ op: 0x18, dst: 1, src: 5, off: 0, imm: 0, imm2: 0 }, build.exit()], { resolveLdImm64: t.resolver([hfd]) });
    expect(viaIdx.imm[0]).toBe(h.identity);
    t.close(hfd);
    expect(t.byFd(hfd)).toBeUndefined();
  });
  it("map-in-map: inner maps must match the template; lookups give ids to the host and identities to programs", () => {
    const space = new AddressSpace();
    const t = new MapTable(space);
    const inner = { type: "array", keySize: 4, valueSize: 4, maxEntries: 2 } as const;
    const { map: i1, fd: f1 } = t.create(inner);
    const { fd: f2 } = t.create({ ...inner, maxEntries: 3 });
    const { map: outer } = t.create({ type: "array_of_maps", keySize: 4, valueSize: 4, maxEntries: 2, innerMap: inner });
    outer.update(u32(0), u32(f1));
    expect(code(() => outer.update(u32(1), u32(f2)))).toBe("EINVAL");
    expect(code(() => outer.update(u32(1), u32(999)))).toBe("EBADF");
    expect(rd32(outer.lookup(u32(0)))).toBe(i1.info.id);
    const k = space.mapBytes(u32(0), "k");
    expect(outer.lookupAddr(k.start, 0)).toBe(i1.identity);
    const { map: hom } = t.create({ type: "hash_of_maps", keySize: 4, valueSize: 4, maxEntries: 2, innerMap: i1 });
    hom.update(u32(5), u32(f1));
    expect(rd32(hom.lookup(u32(5)))).toBe(i1.info.id);
    const k5 = space.mapBytes(u32(5), "k5");
    expect(hom.lookupAddr(k5.start, 0)).toBe(i1.identity);
    expect(code(() => t.create({ type: "hash_of_maps", keySize: 4, valueSize: 4, maxEntries: 2, innerMap: hom }))).toBe("EINVAL");
  });
  it("prog_array holds programs registered with the table", () => {
    const t = new MapTable(new AddressSpace());
    const image = createImage([build.mov64Imm(0, 1), build.exit()]);
    const pfd = t.addProgram({ id: 7, image });
    const { map } = t.create({ type: "prog_array", keySize: 4, valueSize: 4, maxEntries: 4 });
    map.update(u32(2), u32(pfd));
    expect(rd32(map.lookup(u32(2)))).toBe(7);
    expect((map as FdArrayMap).get(2)).toEqual({ id: 7, image });
    expect(code(() => map.update(u32(2), u32(pfd), 1))).toBe("EINVAL");
    expect(map.delete(u32(2))).toBe(true);
    expect(map.delete(u32(2))).toBe(false);
  });
});
