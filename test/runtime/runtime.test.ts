/** The Runtime API: loading objects, maps and global data, calls, tail calls, events, helpers, errors. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadObject, type ObjectSpec, type ProgramSpec } from "../../src/elf/index.js";
import { build, BPF_DW, BPF_W } from "../../src/isa/index.js";
import { ManualClock } from "../../src/helpers/time.js";
import { PerfEventArrayMap } from "../../src/maps/perf_event_array.js";
import { RingbufMap } from "../../src/maps/ringbuf.js";
import { hostBtfLoader, hostKconfig } from "../../src/runtime/node.js";
import { Runtime, type EngineFactory } from "../../src/runtime/runtime.js";
import { hexDump } from "../../src/runtime/dump.js";
import { Interpreter } from "../../src/vm/interpreter.js";
import { eth, ipv4, tcp, udp } from "./packets.js";

const FIX = join(import.meta.dirname, "../fixtures/runtime");
const object = (name: string): ObjectSpec => loadObject(new Uint8Array(readFileSync(join(FIX, name))));
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (b: Uint8Array, at = 0) => new DataView(b.buffer, b.byteOffset).getBigUint64(at, true);
const rd32 = (b: Uint8Array, at = 0) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);

/** A one-program object built by hand (no ELF), for API cases no C fixture needs. */
function handObject(instructions: ProgramSpec["instructions"], o: { type?: string; maps?: ObjectSpec["maps"] } = {}): ObjectSpec {
  const type = (o.type ?? "xdp") as ProgramSpec["type"];
  return {
    programs: [{ name: "prog", sectionName: type, type, flags: 0, autoload: true, license: "GPL", kernVersion: 0, instructions, functions: [{ name: "prog", insnOff: 0 }] }],
    maps: o.maps ?? [],
    license: "GPL",
    kernVersion: 0,
    bigEndian: false,
    subprograms: [],
    externs: [],
  };
}

const mapRef = (dst: number, name: string) => ({ ...build.ldMapFd(dst, 0), meta: { reference: name } });

describe("loading objects", () => {
  it("creates every map of the object with its initial contents; .rodata is frozen and read-only to programs", () => {
    using rt = new Runtime();
    const c = rt.load(object("tc_csum.o"));
    expect([...c.maps.keys()].sort()).toEqual([".bss", ".data", ".rodata", "bytes_by_daddr", "pkt_count"]);
    const data = c.map(".data").lookup(u32(0))!;
    expect([rd32(data, 0), rd32(data, 4), rd32(data, 8), rd32(data, 12), rd32(data, 16)]).toEqual([1, 2, 3, 4, 0x1234]);
    const rodata = c.map(".rodata");
    expect(rd32(rodata.lookup(u32(0))!)).toBe(0x0a0a0a0a);
    expect(rodata.map.frozen).toBe(true);
    expect(() => rodata.update(u32(0), new Uint8Array(rodata.map.info.valueSize))).toThrowError(expect.objectContaining({ code: "EPERM" }));
    expect(c.map(".bss").lookup(u32(0))).toEqual(new Uint8Array(16));
    expect(c.map("pkt_count").map.info.typeName).toBe("percpu_array");
    // ids and handles are distinct and findable
    const ids = [...c.maps.values()].map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    const p = c.program("tc_nat");
    expect(rt.program(p.id)).toBe(p);
  });

  it("global data, bpf-to-bpf calls and checksum helpers work together (tc)", () => {
    using rt = new Runtime({ cpus: 3 });
    const c = rt.load(object("tc_csum.o"));
    const prog = c.program("tc_nat");
    expect(prog.spec.functions.map((f) => f.name)).toEqual(expect.arrayContaining(["tc_nat", "classify", "count"]));
    const pkt = eth(0x0800, ipv4(17, udp(53)));
    const r = prog.testRun({ dataIn: pkt });
    expect(r.retval).toBe(7); // TC_ACT_REDIRECT after the rewrite
    expect(Array.from(r.dataOut.subarray(30, 34))).toEqual([10, 10, 10, 10]); // new daddr
    const bss = c.map(".bss").lookup(u32(0))!;
    expect(u64(bss, 0)).toBe(1n); // rewritten
    expect(u64(bss, 8)).toBe(BigInt(pkt.length)); // last_len
    const counts = c.map("pkt_count").dump();
    expect(counts[2]!.values).toEqual(["0100000000000000", "0000000000000000", "0000000000000000"]);
    expect(rd32(c.map(".data").lookup(u32(0))!, 8)).toBe(4); // seen_protocols[2]++
    // a TCP packet to another port is counted and piped
    expect(prog.testRun({ dataIn: eth(0x0800, ipv4(6, tcp(80))) }).retval).toBe(3);
  });

  it("kconfig externs, weak externs and a map of maps filled by name", () => {
    using rt = new Runtime({ kconfig: { LINUX_KERNEL_VERSION: 0x060c00 } });
    const c = rt.load(object("globals.o"));
    const outer = c.map("outer");
    expect(rd32(outer.lookup(u32(0))!)).toBe(c.map("inner_a").id);
    expect(rd32(outer.lookup(u32(1))!)).toBe(c.map("inner_b").id);
    const pkt = eth(0x0800, ipv4(17, udp(53)));
    const r = c.program("globals").testRun({ dataIn: pkt });
    expect(r.retval).toBe(8); // counter 7 + 1
    const len = pkt.length - 14; // a socket filter's skb->len
    expect(rd32(c.map(len & 1 ? "inner_b" : "inner_a").lookup(u32(0))!)).toBe(len);
    const bss = c.map(".bss").lookup(u32(0))!;
    expect(rd32(bss, 0)).toBe(0x060c00);
    expect(u64(bss, 16)).toBe(BigInt("i".charCodeAt(0)));
    expect(() => new Runtime().load(object("globals.o"))).toThrowError(expect.objectContaining({ code: "ENOENT", message: expect.stringMatching(/LINUX_KERNEL_VERSION/) }));
  });

  it("tail calls through a prog_array filled by program name; ring buffer, perf buffer and trace output", () => {
    using rt = new Runtime({ clock: new ManualClock() });
    const c = rt.load(object("tailcall.o"));
    const pkt = eth(0x0800, ipv4(17, udp(53)));
    const r = c.program("stage1").testRun({ dataIn: pkt });
    expect(r.retval).toBe(2); // stage3 falls through the empty slot 3: XDP_PASS
    const counts = c.map("pinned_counts").dump();
    expect(counts.map((e) => e.key)).toEqual(["01000000", "02000000", "03000000"]);
    const jump = c.map("jump");
    expect(rd32(jump.lookup(u32(1))!)).toBe(c.program("stage2").id);
    const ring = c.map("events").map as RingbufMap;
    const recs = ring.consume().map((x) => [rd32(x.data, 0), rd32(x.data, 4)]);
    expect(recs).toEqual([[pkt.length, 2], [pkt.length, 3]]);
    const perf = c.map("perf_events").map as PerfEventArrayMap;
    const events = perf.readAll();
    expect(events).toHaveLength(1);
    expect([rd32(events[0]!.data, 0), rd32(events[0]!.data, 4)]).toEqual([7, 3]);
    expect(rt.trace.text()).toMatch(/bpf_trace_printk: stage3 len=47/);
    // emptying slot 1 stops the chain: stage1 returns XDP_ABORTED
    jump.delete(u32(1));
    expect(c.program("stage1").testRun({ dataIn: pkt }).retval).toBe(0);
  });

  it("socket filters with LD_ABS/LD_IND", () => {
    using rt = new Runtime();
    const c = rt.load(object("socket_ldabs.o"));
    const r = c.program("ldabs_filter").testRun({ dataIn: eth(0x0800, ipv4(6, tcp(443))) });
    expect(r.retval).toBe(40);
    expect(c.map("flows").dump()).toEqual([{ key: "0600bb01", value: "0100000000000000" }]); // dport 443 as the host-order u16 LD_ABS gives
  });

  it("bpf_loop and for_each_map_elem callbacks", () => {
    using rt = new Runtime();
    const c = rt.load(object("callbacks.o"));
    const pkt = eth(0x0800, ipv4(17, udp(53)));
    const r = c.program("loop_sum").testRun({ dataIn: pkt });
    expect(r.retval).toBe((pkt.length + 1) * 1000 + pkt.length); // stopped at the end of the packet
    const bss = c.map(".bss").lookup(u32(0))!;
    expect(u64(bss, 8)).toBe(BigInt(c.map("histogram").dump().filter((e) => !/^0+$/.test(e.value!)).length));
  });

  it("programs can be chosen; unknown names and missing maps are typed errors", () => {
    using rt = new Runtime();
    const c = rt.load(object("tailcall.o"), { programs: ["stage3"] });
    expect([...c.programs.keys()]).toEqual(["stage3"]);
    expect(() => c.program("stage1")).toThrowError(expect.objectContaining({ code: "ENOENT", message: expect.stringMatching(/programs: stage3/) }));
    expect(() => c.map("nope")).toThrowError(expect.objectContaining({ code: "ENOENT" }));
    expect(() => rt.load(object("tailcall.o"), { programs: ["nope"] })).toThrowError(expect.objectContaining({ code: "ENOENT" }));
    const bad = handObject([mapRef(1, "ghost"), build.mov64Imm(0, 0), build.exit()]);
    expect(() => rt.load(bad)).toThrowError(expect.objectContaining({ code: "ENOENT", message: expect.stringMatching(/map 'ghost'/) }));
  });

  it("context accesses are checked at load, with the kernel's message", () => {
    using rt = new Runtime();
    const spec = handObject([build.ldx(BPF_W, 0, 1, 400), build.exit()]);
    expect(() => rt.load(spec)).toThrowError(expect.objectContaining({ code: "EACCES", message: expect.stringMatching(/invalid bpf_context access off=400 size=4/) }));
  });

  it("programs cannot write .rodata (BPF_F_RDONLY_PROG): the store faults", () => {
    using rt = new Runtime();
    const maps: ObjectSpec["maps"] = [
      { name: ".rodata", type: 2, keySize: 4, valueSize: 8, maxEntries: 1, flags: 1 << 7, frozen: true, sectionName: ".rodata", contents: [{ key: 0, value: new Uint8Array([7, 0, 0, 0, 0, 0, 0, 0]) }] },
    ];
    const value = (off: number) => ({ op: 0x18, dst: 1, src: 2, off: 0, imm: 0, imm2: off, meta: { reference: ".rodata" } });
    const read = rt.load(handObject([value(0), build.ldx(BPF_W, 0, 1, 0), build.exit()], { type: "syscall", maps }));
    expect(read.program("prog").run()).toBe(7n);
    const write = rt.load(handObject([value(4), build.st(BPF_W, 1, 0, 1), build.mov64Imm(0, 0), build.exit()], { type: "syscall", maps }));
    expect(() => write.program("prog").run()).toThrowError(expect.objectContaining({ message: expect.stringMatching(/pc 2/) }));
    expect(write.map(".rodata").lookup(new Uint8Array(4))).toEqual(new Uint8Array([7, 0, 0, 0, 0, 0, 0, 0]));
  });

  it("host applications register their own helpers", () => {
    using rt = new Runtime();
    rt.registerHelper({ id: 0x10001, name: "host_double", fn: (call) => call.arg(1) * 2n });
    const c = rt.load(handObject([build.mov64Imm(1, 21), build.callHelper(0x10001), build.exit()], { type: "syscall" }));
    expect(c.program("prog").run()).toBe(42n);
  });

  it("per-CPU maps keep one value per CPU and programs see the CPU they run on", () => {
    using rt = new Runtime({ cpus: 4 });
    const maps: ObjectSpec["maps"] = [{ name: "pc", type: 6, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0, sectionName: ".maps" }];
    const insns = [
      build.st(BPF_W, 10, -4, 0),
      mapRef(1, "pc"),
      build.mov64Reg(2, 10),
      build.alu64Imm(0x00, 2, -4),
      build.callHelper(1),
      build.jmpImm(0x10, 0, 0, 3),
      build.mov64Imm(1, 5),
      build.stx(BPF_DW, 0, 1, 0),
      build.mov64Imm(0, 1),
      build.exit(),
    ];
    const c = rt.load(handObject(insns, { type: "syscall", maps }));
    expect(c.program("prog").run({ cpu: 2 })).toBe(1n);
    expect(c.map("pc").dump()).toEqual([{ key: "00000000", values: ["0000000000000000", "0000000000000000", "0500000000000000", "0000000000000000"] }]);
  });

  it("takes another engine through a factory", () => {
    let made = 0;
    const factory: EngineFactory = (space, helpers) => {
      made++;
      return new Interpreter(space, helpers);
    };
    using rt = new Runtime({ engine: factory });
    const c = rt.load(object("socket_ldabs.o"));
    expect(c.program("ldabs_filter").testRun({ dataIn: eth(0x0800, ipv4(17, udp(53))) }).retval).toBe(33);
    expect(made).toBe(1);
  });

  it("CO-RE needs a target BTF; with the host's it relocates", () => {
    const spec = loadObject(new Uint8Array(readFileSync(join(import.meta.dirname, "../fixtures/core.o"))));
    using rt = new Runtime();
    expect(() => rt.load(spec)).toThrowError(expect.objectContaining({ code: "ENOENT", message: expect.stringMatching(/CO-RE/) }));
    if (!existsSync("/sys/kernel/btf/vmlinux")) return;
    using rt2 = new Runtime({ targetBtf: hostBtfLoader(), kconfig: hostKconfig() });
    const c = rt2.load(spec);
    const before = spec.programs[0]!.instructions;
    const after = c.programs.values().next().value!.image.insns;
    expect(after).not.toEqual(before);
  });

  it("too-short packets are refused with the kernel's EINVAL", () => {
    using rt = new Runtime();
    const c = rt.load(object("xdp_adjust.o"));
    expect(() => c.program("xdp_rewrite").testRun({ dataIn: new Uint8Array(10) })).toThrowError(expect.objectContaining({ code: "EINVAL" }));
  });

  it("hexDump prints like bpftool's hex_print", () => {
    const b = new Uint8Array(20).map((_, i) => i + 0x3e);
    expect(hexDump(b)).toBe(
      "0000000\t3e3f 4041 4243 4445 4647 4849 4a4b 4c4d | >?@ABCDE FGHIJKLM\n" +
        "0000010\t4e4f 5051                               | NOPQ\n",
    );
  });
});
