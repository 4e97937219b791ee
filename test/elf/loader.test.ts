import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EbpfError } from "../../src/errors.js";
import { loadObject, ElfError, classifySection, BPF_PSEUDO_FUNC, type ObjectSpec } from "../../src/elf/index.js";
import { CORPUS, corpusFiles, FIXTURES, hasCorpus } from "../btf/oracle.js";

const load = (f: string): ObjectSpec => loadObject(new Uint8Array(readFileSync(join(FIXTURES, f))));
const slotsOf = (insns: { op: number }[]) => insns.reduce((n, i) => n + (i.op === 0x18 ? 2 : 1), 0);

describe("section conventions", () => {
  it.each([
    ["socket", "socket_filter", undefined, undefined],
    ["socket1", "socket_filter", undefined, undefined],
    ["kprobe/sys_write", "kprobe", undefined, "sys_write"],
    ["kretprobe/x", "kprobe", undefined, "x"],
    ["tp/syscalls/sys_enter_write", "tracepoint", undefined, "syscalls/sys_enter_write"],
    ["fentry/do_unlinkat", "tracing", "trace_fentry", "do_unlinkat"],
    ["fexit.s/f", "tracing", "trace_fexit", "f"],
    ["lsm/file_open", "lsm", "lsm_mac", "file_open"],
    ["xdp", "xdp", "xdp", undefined],
    ["xdp.frags/devmap", "xdp", "xdp_devmap", undefined],
    ["tc", "sched_cls", undefined, undefined],
    ["tcx/ingress", "sched_cls", "tcx_ingress", undefined],
    ["classifier", "sched_cls", undefined, undefined],
    ["cgroup_skb/egress", "cgroup_skb", "cgroup_inet_egress", undefined],
    ["cgroup/sock1", "cgroup_sock", "cgroup_inet_sock_create", undefined],
    ["cgroup/connect4", "cgroup_sock_addr", "cgroup_inet4_connect", undefined],
    ["sk_msg", "sk_msg", "sk_msg_verdict", undefined],
    ["struct_ops/foo", "struct_ops", undefined, undefined],
    ["syscall", "syscall", undefined, undefined],
    ["perf_event", "perf_event", undefined, undefined],
    ["2/1", "unspec", undefined, undefined],
  ])("%s → %s", (name, type, attach, to) => {
    const k = classifySection(name);
    expect(k.type).toBe(type);
    expect(k.attachType).toBe(attach);
    expect(k.attachTo).toBe(to);
  });
  it("? means no autoload", () => {
    expect(classifySection("?xdp")).toMatchObject({ type: "xdp", autoload: false, sectionName: "xdp" });
  });
});

describe("fixtures", () => {
  it("BTF maps: every attribute, inner maps and initial values", () => {
    const o = load("btf_maps.o");
    const m = Object.fromEntries(o.maps.map((x) => [x.name, x]));
    expect(m.flows).toMatchObject({ type: 1, keySize: 8, valueSize: 32, maxEntries: 1024, flags: 1, pinning: 1 });
    expect(m.flows!.btfKeyTypeId).toBeGreaterThan(0);
    expect(m.counters).toMatchObject({ type: 2, keySize: 4, valueSize: 8, maxEntries: 4, numaNode: 0 });
    expect(m.bloom).toMatchObject({ type: 30, keySize: 0, valueSize: 4, mapExtra: 3n });
    expect(m.events).toMatchObject({ type: 27, maxEntries: 4096 });
    expect(m.outer).toMatchObject({ type: 12, keySize: 4, valueSize: 4, maxEntries: 3 });
    expect(m.outer!.innerMap).toMatchObject({ name: "outer.inner", type: 2, keySize: 4, valueSize: 4, maxEntries: 1 });
    expect(m.outer!.contents).toEqual([
      { key: 0, value: "inner_a" },
      { key: 2, value: "inner_b" },
    ]);
    expect(m.jumps!.contents).toEqual([{ key: 1, value: "tail_a" }]);
    const use = o.programs.find((p) => p.name === "use_maps")!;
    const refs = use.instructions.filter((i) => i.op === 0x18).map((i) => [i.src, i.meta?.reference]);
    expect(refs).toEqual(expect.arrayContaining([[1, "flows"], [1, "counters"], [1, "outer"], [1, "bloom"], [1, "events"], [1, "jumps"]]));
  });

  it("legacy maps, names and version", () => {
    const o = load("legacy.o");
    expect(o.kernVersion).toBe(0x050a00);
    expect(o.license).toBe("GPL");
    expect(o.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.flags])).toEqual([
      ["counts", 2, 4, 8, 256, 0],
      ["table", 1, 8, 8, 16, 1],
    ]);
    expect(o.programs.map((p) => [p.name, p.type, p.autoload])).toEqual([
      ["prog_socket", "socket_filter", true],
      ["prog_kprobe", "kprobe", true],
      ["prog_cgroup_sock", "cgroup_sock", true],
      ["prog_optional", "sched_cls", false],
    ]);
  });

  it("legacy map-in-map templates: iproute2's inner_id and bpf_load.c's inner_map_idx", () => {
    const ip = Object.fromEntries(load("legacy_inner.o").maps.map((m) => [m.name, m]));
    expect(ip.backends!.innerMap).toMatchObject({ name: "backends_inner", type: 2, keySize: 4, valueSize: 64, maxEntries: 1 });
    expect(ip.backends_inner!.innerMap).toBeUndefined();
    const bl = Object.fromEntries(load("legacy_inner_idx.o").maps.map((m) => [m.name, m]));
    expect(bl.of_counters).toMatchObject({ type: 12, keySize: 4, valueSize: 4, innerMap: { name: "counters", type: 1, valueSize: 8 } });
  });

  it("a ring buffer's or perf event array's record type does not size the map", () => {
    const m = Object.fromEntries(load("typed_event_maps.o").maps.map((x) => [x.name, x]));
    expect(m.records).toMatchObject({ type: 27, keySize: 0, valueSize: 0, maxEntries: 1 << 16 });
    expect(m.records!.btfValueTypeId).toBeGreaterThan(0);
    expect(m.samples).toMatchObject({ type: 4, keySize: 4, valueSize: 4, maxEntries: 0 });
  });

  it("global data and kconfig become array maps with their contents", () => {
    const o = load("global_data.o");
    const m = Object.fromEntries(o.maps.map((x) => [x.name, x]));
    expect(m[".rodata"]).toMatchObject({ type: 2, keySize: 4, maxEntries: 1, frozen: true });
    expect(m[".rodata"]!.flags & 0x80).toBe(0x80);
    expect(m[".data"]!.variables!.map((v) => v.name).sort()).toEqual(["counter", "hidden_static"]);
    expect(m[".bss"]!.contents).toBeUndefined();
    expect(m[".data.custom"]!.valueSize).toBe(4);
    const data = m[".data"]!.contents![0]!.value as Uint8Array;
    expect(new DataView(data.buffer, data.byteOffset).getInt32(m[".data"]!.variables!.find((v) => v.name === "counter")!.offset, true)).toBe(7);
    expect(m[".kconfig"]).toMatchObject({ frozen: true });
    expect(o.externs.map((e) => [e.name, e.kind, e.weak])).toEqual(
      expect.arrayContaining([
        ["LINUX_KERNEL_VERSION", "kconfig", false],
        ["CONFIG_BPF_SYSCALL", "kconfig", true],
      ]),
    );
    const p = o.programs[0]!;
    expect(p.instructions.filter((i) => i.meta?.reference === ".kconfig").length).toBe(2);
  });

  it("links subprograms depth first, as libbpf does, and fixes call offsets", () => {
    for (const f of ["calls.o", "calls_be.o"]) {
      const o = load(f);
      expect(o.bigEndian).toBe(f === "calls_be.o");
      const one = o.programs.find((p) => p.name === "entry_one")!;
      expect(one.functions.map((x) => x.name)).toEqual(["entry_one", "loop_cb", "global_helper", "middle", "leaf"]);
      const two = o.programs.find((p) => p.name === "entry_two")!;
      expect(two.functions.map((x) => x.name)).toEqual(["entry_two", "leaf", "middle"]);
      for (const p of [one, two]) {
        const starts = new Map(p.functions.map((x) => [x.name, x.insnOff]));
        let pc = 0;
        for (const i of p.instructions) {
          const isCall = i.op === 0x85 && i.src === 1;
          const isFunc = i.op === 0x18 && i.src === BPF_PSEUDO_FUNC;
          if (isCall || isFunc) expect(pc + i.imm + 1).toBe(starts.get(i.meta!.reference!));
          pc += i.op === 0x18 ? 2 : 1;
        }
        expect(p.funcInfo!.map((x) => x.insnOff)).toEqual(p.functions.map((x) => x.insnOff).sort((a, b) => a - b));
        expect(slotsOf(p.instructions)).toBeGreaterThan(0);
      }
      expect(o.subprograms.sort()).toEqual(["global_helper", "leaf", "loop_cb", "middle"]);
    }
  });

  it("line info becomes source metadata", () => {
    const o = load("calls.o");
    const p = o.programs[0]!;
    expect(p.instructions[0]!.meta?.source).toMatchObject({ file: "./calls.c", line: expect.any(Number) });
    expect(p.lineInfo!.length).toBeGreaterThan(5);
  });

  it("is structured-cloneable", () => {
    const o = load("btf_maps.o");
    expect(structuredClone(o).maps).toEqual(o.maps);
  });
});

describe("bad input", () => {
  const good = readFileSync(join(FIXTURES, "calls.o"));
  const mutate = (f: (b: Uint8Array) => void) => {
    const b = new Uint8Array(good);
    f(b);
    return b;
  };
  it("names the section and offset", () => {
    expect(() => loadObject(new Uint8Array(10))).toThrow(ElfError);
    expect(() => loadObject(mutate((b) => (b[4] = 1)))).toThrow(/ELF class/);
    expect(() => loadObject(good.subarray(0, 200))).toThrow(/past the end of the file/);
  });
  it("rejects a relocation against a missing symbol", () => {
    const o = new Uint8Array(good);
    // find .rel.text* and point its first relocation at a huge symbol index
    const dv = new DataView(o.buffer);
    const shoff = Number(dv.getBigUint64(40, true));
    const shnum = dv.getUint16(60, true);
    for (let i = 0; i < shnum; i++) {
      const at = shoff + i * 64;
      if (dv.getUint32(at + 4, true) === 9 /* SHT_REL */) {
        const off = Number(dv.getBigUint64(at + 24, true));
        const info = dv.getUint32(at + 44, true);
        if (info === 0) continue;
        dv.setUint32(off + 12, 0xfffff, true);
        break;
      }
    }
    expect(() => loadObject(o)).toThrow(/missing symbol/);
  });
});

describe.skipIf(!hasCorpus)("samples corpus", () => {
  it("every object loads or fails with an EbpfError", () => {
    const files = corpusFiles(/\.(c|h|md)$/);
    let loaded = 0;
    let failed = 0;
    for (const f of files) {
      try {
        const o = loadObject(new Uint8Array(readFileSync(f)));
        loaded++;
        expect(structuredClone(o.programs.length)).toBe(o.programs.length);
      } catch (e) {
        if (!(e instanceof EbpfError)) throw new Error(`${f}: non-Ebpf error ${(e as Error).stack}`);
        expect(e.message.length).toBeGreaterThan(10);
        failed++;
      }
    }
    expect(loaded).toBeGreaterThan(120);
    expect(failed).toBeGreaterThan(0);
  });
  it("every invalid/ object that is not a valid ELF fails cleanly", () => {
    const bad = ["badsymsize.o", "invalid-lddw.o"];
    for (const f of bad) expect(() => loadObject(new Uint8Array(readFileSync(join(CORPUS, "invalid", f))))).toThrow(EbpfError);
  });
});
