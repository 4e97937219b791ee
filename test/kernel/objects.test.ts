import { describe, expect, it } from "vitest";
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from "node:fs";
import { build, BPF_ADD, BPF_DW, BPF_W } from "../../src/isa/index.js";
import {
  KernelBtf,
  KernelError,
  KernelLink,
  KernelMap,
  KernelProgram,
  mapIds,
  programIds,
  BPF_NOEXIST,
  BPF_F_RDONLY_PROG,
  possibleCpus,
} from "../../src/kernel/index.js";
import { noBpf, openFdCount } from "./support.js";

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (n: bigint) => new Uint8Array(new BigUint64Array([n]).buffer);
const readU32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(0, true);

const retImm = (imm: number) => [build.mov64Imm(0, imm), build.exit()];

describe.skipIf(noBpf)("kernel maps", () => {
  it("create, update, lookup, delete, iterate a hash map", () => {
    using m = KernelMap.create({ type: "hash", keySize: 4, valueSize: 8, maxEntries: 16, name: "t_hash" });
    expect(m.lookup(u32(1))).toBeUndefined();
    m.update(u32(1), u64(11n));
    m.update(u32(2), u64(22n));
    expect(m.lookup(u32(1))).toEqual(u64(11n));
    expect(() => m.update(u32(1), u64(5n), BPF_NOEXIST)).toThrowError(expect.objectContaining({ code: "EEXIST" }));
    const keys = [...m.keys()].map(readU32).sort();
    expect(keys).toEqual([1, 2]);
    expect(m.delete(u32(1))).toBe(true);
    expect(m.delete(u32(1))).toBe(false);
    expect(m.lookupAndDelete(u32(2))).toEqual(u64(22n));
    expect(m.nextKey()).toBeUndefined();
    const info = m.info();
    expect(info).toMatchObject({ typeName: "hash", keySize: 4, valueSize: 8, maxEntries: 16, name: "t_hash" });
    expect(info.id).toBeGreaterThan(0);
  });

  it("rejects keys of the wrong size before calling the kernel", () => {
    using m = KernelMap.create({ type: "array", keySize: 4, valueSize: 4, maxEntries: 4 });
    expect(() => m.lookup(new Uint8Array(3))).toThrowError(expect.objectContaining({ code: "EINVAL" }));
  });

  it("batch update, lookup, delete and lookup-and-delete", () => {
    using m = KernelMap.create({ type: "hash", keySize: 4, valueSize: 4, maxEntries: 128 });
    const keys = Array.from({ length: 100 }, (_, i) => u32(i));
    const values = Array.from({ length: 100 }, (_, i) => u32(i * 10));
    expect(m.updateBatch(keys, values)).toBe(100);
    const seen = new Map<number, number>();
    for (const [k, v] of m.batchEntries(7)) seen.set(readU32(k), readU32(v));
    expect(seen.size).toBe(100);
    expect(seen.get(42)).toBe(420);
    expect(m.deleteBatch(keys.slice(0, 50))).toBe(50);
    const rest = m.lookupAndDeleteBatch(100);
    expect(rest.keys.length).toBe(50);
    expect(rest.next).toBeUndefined();
    expect(m.nextKey()).toBeUndefined();
  });

  it("array batch lookup walks every element", () => {
    using m = KernelMap.create({ type: "array", keySize: 4, valueSize: 8, maxEntries: 10 });
    m.update(u32(3), u64(33n));
    const all = [...m.batchEntries(4)];
    expect(all.length).toBe(10);
    expect(all[3]![1]).toEqual(u64(33n));
  });

  it("per-CPU values are one 8-byte slot per possible CPU", () => {
    using m = KernelMap.create({ type: "percpu_array", keySize: 4, valueSize: 4, maxEntries: 1 });
    expect(m.valueBytes).toBe(8 * possibleCpus());
    const v = new Uint8Array(m.valueBytes).fill(7);
    m.update(u32(0), v);
    expect(m.lookup(u32(0))).toEqual(v);
  });

  it("freeze makes a map read-only from user space", () => {
    using m = KernelMap.create({ type: "array", keySize: 4, valueSize: 4, maxEntries: 1, flags: BPF_F_RDONLY_PROG });
    m.update(u32(0), u32(5));
    m.freeze();
    expect(() => m.update(u32(0), u32(6))).toThrowError(expect.objectContaining({ code: "EPERM", command: "BPF_MAP_UPDATE_ELEM" }));
    expect(m.lookup(u32(0))).toEqual(u32(5));
  });

  it("a map of an impossible shape is a typed error with the errno name", () => {
    let err: unknown;
    try {
      KernelMap.create({ type: "array", keySize: 8, valueSize: 4, maxEntries: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).code).toBe("EINVAL");
    expect((err as KernelError).errno).toBe(22);
    expect((err as KernelError).message).toMatch(/BPF_MAP_CREATE failed: EINVAL/);
  });

  it("lists map ids and reopens a map by id", () => {
    using m = KernelMap.create({ type: "array", keySize: 4, valueSize: 4, maxEntries: 1, name: "t_byid" });
    const id = m.info().id;
    expect([...mapIds()]).toContain(id);
    using again = KernelMap.fromId(id);
    expect(again.name).toBe("t_byid");
    again.update(u32(0), u32(9));
    expect(m.lookup(u32(0))).toEqual(u32(9));
  });
});

describe.skipIf(noBpf)("kernel programs", () => {
  it("loads an XDP program, test-runs it and reads its info", () => {
    using p = KernelProgram.load({ type: "xdp", instructions: retImm(2), name: "t_pass" });
    const data = new Uint8Array(64).map((_, i) => i);
    const r = p.testRun({ data, repeat: 3 });
    expect(r.retval).toBe(2);
    expect(r.dataOut).toEqual(data);
    expect(r.durationNs).toBeGreaterThanOrEqual(0);
    const info = p.info({ xlated: true });
    expect(info).toMatchObject({ typeName: "xdp", name: "t_pass", gplCompatible: true });
    expect(info.tag).toMatch(/^[0-9a-f]{16}$/);
    expect(info.xlated?.length).toBe(16);
    expect([...programIds()]).toContain(info.id);
    using again = KernelProgram.fromId(info.id);
    expect(again.type).toBe(6);
  });

  it("writes to the packet show in data_out", () => {
    const insns = [
      build.ldx(BPF_W, 2, 1, 0), // data
      build.ldx(BPF_W, 3, 1, 4), // data_end
      build.mov64Reg(4, 2),
      build.alu64Imm(BPF_ADD, 4, 8),
      build.jmpReg(0xa0 /* JLT */, 3, 4, 3), // to "r0 = 1"
      build.ldImm64(5, 0x1122334455667788n),
      build.stx(BPF_DW, 2, 5, 0),
      build.mov64Imm(0, 1),
      build.exit(),
    ];
    using p = KernelProgram.load({ type: "xdp", instructions: insns });
    const r = p.testRun({ data: new Uint8Array(20) });
    expect(Array.from(r.dataOut!.subarray(0, 8))).toEqual([0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
  });

  it("a rejected program carries the verifier log and the errno name", () => {
    // r0 is read before it is written: the verifier says "R0 !read_ok".
    const insns = [build.alu64Imm(BPF_ADD, 0, 1), build.exit()];
    let err: unknown;
    try {
      KernelProgram.load({ type: "socket_filter", instructions: insns, name: "t_bad" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    const k = err as KernelError;
    expect(k.code).toBe("EACCES");
    expect(k.command).toBe("BPF_PROG_LOAD");
    expect(k.log).toMatch(/R0 !read_ok/);
    expect(k.message).toMatch(/EACCES/);
    expect(k.message).toMatch(/verifier log:\n.*R0 !read_ok/s);
  });

  it("keeps the verifier log of a successful load when asked", () => {
    using p = KernelProgram.load({ type: "socket_filter", instructions: retImm(0), logLevel: 2 });
    expect(p.verifierLog).toMatch(/processed \d+ insns/);
  });

  it("runs ALU64 arithmetic the same as the ISA says", () => {
    using p = KernelProgram.load({ type: "xdp", instructions: [build.mov64Imm(0, 40), build.alu64Imm(BPF_ADD, 0, 2), build.exit()] });
    expect(p.testRun({ data: new Uint8Array(14) }).retval).toBe(42);
  });
});

describe.skipIf(noBpf)("pinning, BTF, links", () => {
  const dir = `/sys/fs/bpf/ebpf-ts-test-${process.pid}`;

  it("pins a map and a program and opens them again", () => {
    mkdirSync(dir, { recursive: true });
    try {
      using m = KernelMap.create({ type: "array", keySize: 4, valueSize: 4, maxEntries: 1, name: "t_pin" });
      m.pin(`${dir}/map`);
      using p = KernelProgram.load({ type: "xdp", instructions: retImm(1), name: "t_pinp" });
      p.pin(`${dir}/prog`);
      using m2 = KernelMap.fromPin(`${dir}/map`);
      expect(m2.name).toBe("t_pin");
      using p2 = KernelProgram.fromPin(`${dir}/prog`);
      expect(p2.name).toBe("t_pinp");
      expect(() => KernelMap.fromPin(`${dir}/prog`)).toThrowError(/bpf prog, not a bpf map/);
      expect(() => KernelProgram.fromPin(`${dir}/none`)).toThrowError(expect.objectContaining({ code: "ENOENT" }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("loads a BTF blob and reports a bad one with the kernel's log", () => {
    const btf = minimalBtf();
    using b = KernelBtf.load(btf);
    expect(b.info().id).toBeGreaterThan(0);
    const bad = btf.slice();
    bad[24 + 4] = 0x7f; // type kind 0x7f: not a BTF kind
    let err: unknown;
    try {
      KernelBtf.load(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).code).toBe("EINVAL");
    expect((err as KernelError).log).toBeTruthy();
  });

  const cgroupRoot = "/sys/fs/cgroup/unified";
  it.skipIf(!existsSync(`${cgroupRoot}/cgroup.procs`))("creates and detaches a cgroup link", () => {
    const cg = `${cgroupRoot}/ebpf-ts-test-${process.pid}`;
    mkdirSync(cg, { recursive: true });
    try {
      const cgfd = openSync(cg, "r");
      try {
        using p = KernelProgram.load({ type: "cgroup_skb", instructions: retImm(1), expectedAttachType: "cgroup_inet_ingress" });
        using link = KernelLink.create({ program: p, attachType: "cgroup_inet_ingress", target: cgfd });
        const info = link.info();
        expect(info.progId).toBe(p.info().id);
        link.detach();
        expect(link.info().progId).toBe(p.info().id);
      } finally {
        closeSync(cgfd);
      }
    } finally {
      rmSync(cg, { recursive: true, force: true });
    }
  });
});

describe.skipIf(noBpf)("file descriptors", () => {
  it("opening and closing thousands of maps and programs leaks no fd", async () => {
    const before = await openFdCount();
    for (let i = 0; i < 2000; i++) {
      const m = KernelMap.create({ type: "array", keySize: 4, valueSize: 4, maxEntries: 1 });
      m.close();
      m.close(); // twice is harmless
      using p = KernelProgram.load({ type: "socket_filter", instructions: retImm(i & 1) });
      expect(p.fd).toBeGreaterThan(2);
    }
    for (let i = 0; i < 200; i++) {
      try {
        KernelProgram.load({ type: "socket_filter", instructions: [build.exit()] });
      } catch {
        // rejected loads must not leak either
      }
    }
    expect(await openFdCount()).toBe(before);
  });

  it("a closed object refuses to be used", () => {
    const m = KernelMap.create({ type: "array", keySize: 4, valueSize: 4, maxEntries: 1 });
    m.close();
    expect(() => m.lookup(u32(0))).toThrowError(expect.objectContaining({ code: "EBADF" }));
  });
});

/** A BTF blob with one type: int (4 bytes, signed). */
function minimalBtf(): Uint8Array {
  const strings = new TextEncoder().encode("\0int\0");
  const types = new Uint8Array(16);
  const t = new DataView(types.buffer);
  t.setUint32(0, 1, true); // name_off → "int"
  t.setUint32(4, 1 << 24, true); // kind INT, vlen 0
  t.setUint32(8, 4, true); // size
  t.setUint32(12, (1 << 24) | 32, true); // BTF_INT_SIGNED, offset 0, 32 bits
  const hdr = new Uint8Array(24);
  const h = new DataView(hdr.buffer);
  h.setUint16(0, 0xeb9f, true);
  h.setUint8(2, 1);
  h.setUint32(4, 24, true);
  h.setUint32(8, 0, true);
  h.setUint32(12, types.length, true);
  h.setUint32(16, types.length, true);
  h.setUint32(20, strings.length, true);
  const out = new Uint8Array(24 + types.length + strings.length);
  out.set(hdr);
  out.set(types, 24);
  out.set(strings, 24 + types.length);
  return out;
}
