/**
 * Map lookups on the JIT (inlined array lookups, the `lookup` import for other maps, the helper's
 * own path for everything else) against the interpreter: the same programs and operations on
 * both engines must leave the same r0, the same maps and the same faults.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadObject } from "../../src/elf/index.js";
import { VmError } from "../../src/errors.js";
import { mapHelpers } from "../../src/helpers/maps.js";
import { HelperRegistry } from "../../src/helpers/registry.js";
import { BPF_ADD, BPF_B, BPF_DW, BPF_JEQ, BPF_JNE, BPF_W, build as b, type Instruction } from "../../src/isa/index.js";
import { JitEngine } from "../../src/jit/index.js";
import { MapType } from "../../src/maps/constants.js";
import { MapTable } from "../../src/maps/table.js";
import type { MapSpec } from "../../src/maps/types.js";
import { Runtime } from "../../src/runtime/runtime.js";
import { createImage } from "../../src/vm/image.js";
import { Interpreter } from "../../src/vm/interpreter.js";
import { AddressSpace, PERM_RW } from "../../src/vm/memory.js";

type EngineKind = "interp" | "jit" | "jit-unchecked";
const ENGINES: EngineKind[] = ["interp", "jit", "jit-unchecked"];

function world(kind: EngineKind, specs: MapSpec[], cpus = 1) {
  const space = new AddressSpace();
  const table = new MapTable(space, { cpus });
  const helpers = new HelperRegistry();
  for (const h of mapHelpers(table)) helpers.register(h);
  const fds = specs.map((s) => table.create(s).fd);
  const engine = kind === "interp" ? new Interpreter(space, helpers) : new JitEngine(space, helpers, { checked: kind === "jit" });
  return { space, table, helpers, fds, engine };
}

const u32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);

/** Every map's contents, sorted by key. */
function contents(table: MapTable): string[][] {
  return table.list().map((m) => [...m.entries()].map(([k, v]) => `${Buffer.from(k).toString("hex")}=${Buffer.from(v).toString("hex")}`).sort());
}

/** Instructions with jumps to labels (`{ label }` marks a place; `to` names a jump's target). */
type Item = Instruction | { label: string } | { jump: (off: number) => Instruction; to: string };
function assemble(items: Item[]): Instruction[] {
  const slots = new Map<string, number>();
  let slot = 0;
  for (const it of items) {
    if ("label" in it) slots.set(it.label, slot);
    else slot += "jump" in it ? 1 : it.op === 0x18 ? 2 : 1;
  }
  const out: Instruction[] = [];
  slot = 0;
  for (const it of items) {
    if ("label" in it) continue;
    if ("jump" in it) out.push(it.jump(slots.get(it.to)! - slot - 1));
    else out.push(it);
    slot += "jump" in it ? 1 : it.op === 0x18 ? 2 : 1;
  }
  return out;
}

/**
 * A counting program: for r7 = 0..n-1, key = (r7 * mul) & mask stored at r10-4 (or, with
 * keyMapFd, in the value of that array map's element 0, and r2 points there), look it up in map
 * fd, add 1 to the u64 value when found, else insert 1 (update with BPF_NOEXIST); r0 = hits.
 */
function countingProgram(fd: number, n: number, mul: number, mask: number, keyMapFd?: number): Instruction[] {
  const p: Item[] = [b.mov64Imm(6, 0), b.mov64Imm(7, 0), { label: "loop" }];
  p.push(b.mov64Reg(1, 7), b.alu64Imm(0x20, 1, mul), b.alu64Imm(0x50, 1, mask), b.stx(BPF_W, 10, 1, -4));
  if (keyMapFd !== undefined) {
    p.push(b.mov64Reg(8, 1), b.st(BPF_W, 10, -8, 0), b.ldMapFd(1, keyMapFd), b.mov64Reg(2, 10), b.alu64Imm(BPF_ADD, 2, -8), b.callHelper(1));
    p.push({ jump: (o) => b.jmpImm(BPF_JEQ, 0, 0, o), to: "next" }, b.stx(BPF_W, 0, 8, 0), b.mov64Reg(2, 0));
  } else {
    p.push(b.mov64Reg(2, 10), b.alu64Imm(BPF_ADD, 2, -4));
  }
  p.push(b.ldMapFd(1, fd), b.callHelper(1));
  p.push({ jump: (o) => b.jmpImm(BPF_JEQ, 0, 0, o), to: "insert" }, b.mov64Imm(1, 1), b.atomic(BPF_DW, BPF_ADD, 0, 1, 0), b.alu64Imm(BPF_ADD, 6, 1));
  p.push({ jump: (o) => b.ja(o), to: "next" }, { label: "insert" });
  // value 1 at r10-16; update(map, key at r10-4, value, BPF_NOEXIST)
  p.push(b.st(BPF_DW, 10, -16, 1), b.ldMapFd(1, fd), b.mov64Reg(2, 10), b.alu64Imm(BPF_ADD, 2, -4), b.mov64Reg(3, 10), b.alu64Imm(BPF_ADD, 3, -16), b.mov64Imm(4, 1), b.callHelper(2));
  p.push({ label: "next" }, b.alu64Imm(BPF_ADD, 7, 1), { jump: (o) => b.jmpImm(BPF_JNE, 7, n, o), to: "loop" });
  p.push(b.mov64Reg(0, 6), b.exit());
  return assemble(p);
}

function runBoth(specs: MapSpec[], prog: (fds: number[]) => Instruction[], runs = 3, cpus = 1): { r0: bigint[]; maps: string[][] }[] {
  return ENGINES.map((kind) => {
    const w = world(kind, specs, cpus);
    const image = createImage(prog(w.fds), { resolveLdImm64: w.table.resolver() });
    const r0: bigint[] = [];
    for (let i = 0; i < runs; i++) r0.push(w.engine.run(image, { context: { cpu: cpus - 1 } }).r0);
    return { r0, maps: contents(w.table) };
  });
}

const ARRAY: MapSpec = { type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 64 };
const HASH: MapSpec = { type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 64, flags: 1 /* BPF_F_NO_PREALLOC */ };

describe("map lookups: JIT against the interpreter", () => {
  const cases: [string, MapSpec[], (fds: number[]) => Instruction[], number?][] = [
    // indexes past max_entries give NULL (then update fails with E2BIG/EEXIST: same on both)
    ["array map, keys on the stack, some out of range", [ARRAY], (f) => countingProgram(f[0]!, 100, 7, 0x7f)],
    ["array map with a 12-byte value (stride 16)", [{ ...ARRAY, valueSize: 12 }], (f) => countingProgram(f[0]!, 50, 3, 0x3f)],
    ["hash map, inserts then hits, full at 64", [HASH], (f) => countingProgram(f[0]!, 90, 5, 0x7f)],
    ["LRU hash map", [{ ...HASH, type: MapType.LRU_HASH, flags: 0 }], (f) => countingProgram(f[0]!, 40, 5, 0x7f)],
    ["per-CPU array (through the lookup import)", [{ ...ARRAY, type: MapType.PERCPU_ARRAY }], (f) => countingProgram(f[0]!, 40, 1, 0x3f), 2],
    ["per-CPU hash", [{ ...HASH, type: MapType.PERCPU_HASH, flags: 0 }], (f) => countingProgram(f[0]!, 40, 3, 0x3f), 2],
    ["array map, key in another map's value (not on the stack)", [ARRAY, { ...ARRAY, maxEntries: 1 }], (f) => countingProgram(f[0]!, 70, 1, 0x7f, f[1]!)],
    ["hash map, key in a map value", [HASH, { ...ARRAY, maxEntries: 1 }], (f) => countingProgram(f[0]!, 70, 1, 0x3f, f[1]!)],
  ];
  for (const [name, specs, prog, cpus] of cases) {
    it(name, () => {
      const [interp, ...jits] = runBoth(specs, prog, 3, cpus);
      for (const j of jits) expect(j).toEqual(interp);
      expect(interp!.r0.some((r) => r !== 0n)).toBe(true);
    });
  }

  const fault = (kind: EngineKind, prog: (fds: number[], w: ReturnType<typeof world>) => Instruction[]): string => {
    const w = world(kind, [ARRAY, HASH]);
    try {
      w.engine.run(createImage(prog(w.fds, w), { resolveLdImm64: w.table.resolver() }));
      return "no fault";
    } catch (e) {
      expect(e).toBeInstanceOf(VmError);
      const v = e as VmError;
      return `${v.code} pc ${v.pc}: ${v.message}`;
    }
  };
  const faults: [string, (fds: number[], w: ReturnType<typeof world>) => Instruction[]][] = [
    ["r1 is not a map", () => [b.mov64Imm(1, 12345), b.mov64Reg(2, 10), b.alu64Imm(BPF_ADD, 2, -4), b.callHelper(1), b.exit()]],
    ["r1 above 4 GiB", () => [b.ldImm64(1, 0x1_0000_0000n), b.mov64Reg(2, 10), b.alu64Imm(BPF_ADD, 2, -4), b.callHelper(1), b.exit()]],
    ["array key pointer unmapped", (f) => [b.ldMapFd(1, f[0]!), b.mov64Imm(2, 0x100), b.callHelper(1), b.exit()]],
    ["hash key pointer unmapped", (f) => [b.ldMapFd(1, f[1]!), b.mov64Imm(2, 0x100), b.callHelper(1), b.exit()]],
    ["array key runs past the stack's top", (f) => [b.ldMapFd(1, f[0]!), b.mov64Reg(2, 10), b.alu64Imm(BPF_ADD, 2, -2), b.callHelper(1), b.exit()]],
  ];
  for (const [name, prog] of faults) {
    it(`same fault: ${name}`, () => {
      const want = fault("interp", prog);
      expect(fault("jit", prog)).toBe(want);
      expect(fault("jit-unchecked", prog)).toBe(want);
    });
  }

  it("a map closed and another created at its identity: the JIT recompiles instead of using stale addresses", () => {
    for (const kind of ENGINES) {
      const w = world(kind, [{ ...ARRAY, maxEntries: 1 }]);
      const prog = [b.st(BPF_W, 10, -4, 0), b.ldMapFd(1, w.fds[0]!), b.mov64Reg(2, 10), b.alu64Imm(BPF_ADD, 2, -4), b.callHelper(1), b.jmpImm(BPF_JEQ, 0, 0, 1), b.ldx(BPF_B, 0, 0, 0), b.exit()];
      const image = createImage(prog, { resolveLdImm64: w.table.resolver() });
      w.table.byFd(w.fds[0]!)!.update(u32(0), new Uint8Array([7, 0, 0, 0, 0, 0, 0, 0]));
      expect(w.engine.run(image).r0).toBe(7n);
      const identity = w.table.byFd(w.fds[0]!)!.identity;
      w.table.close(w.fds[0]!);
      // the old values' 8 bytes taken, so the new map's values land elsewhere and its identity where the old one was
      w.space.map(8, "filler", PERM_RW);
      const next = w.table.create({ ...ARRAY, maxEntries: 1, valueSize: 16 });
      expect(next.map.identity).toBe(identity);
      next.map.update(u32(0), new Uint8Array(16).fill(9));
      expect(w.engine.run(image).r0).toBe(9n);
    }
  });

  it("a host's own map_lookup_elem replaces the inlined one", () => {
    for (const kind of ENGINES) {
      const w = world(kind, [ARRAY]);
      w.helpers.register({ id: 1, name: "map_lookup_elem", fn: () => 0x4242 });
      const prog = [b.st(BPF_W, 10, -4, 0), b.ldMapFd(1, w.fds[0]!), b.mov64Reg(2, 10), b.alu64Imm(BPF_ADD, 2, -4), b.callHelper(1), b.exit()];
      expect(w.engine.run(createImage(prog, { resolveLdImm64: w.table.resolver() })).r0).toBe(0x4242n);
    }
  });
});

describe("the benchmark objects on every engine", () => {
  const dir = join(import.meta.dirname, "../../bench/programs");
  const packet = new Uint8Array(1500).map((_, i) => (i * 7 + 3) & 0xff);
  for (const [file, prog] of [["hashmap.o", "hashmap"], ["arraymap.o", "arraymap"], ["compute.o", "compute"]] as const) {
    it(file, () => {
      const out = ENGINES.map((kind) => {
        const rt = new Runtime({ seed: 1, engine: kind === "interp" ? "interp" : (s, h) => new JitEngine(s, h, { checked: kind === "jit" }) });
        try {
          const c = rt.load(loadObject(readFileSync(join(dir, file))));
          const rets = [1, 3].map((repeat) => c.program(prog).testRun({ dataIn: packet, repeat }).retval);
          const maps = Object.fromEntries(Object.entries(c.dumpMaps()).map(([k, v]) => [k, v.map((e) => JSON.stringify(e)).sort()]));
          return { rets, maps };
        } finally {
          rt.close();
        }
      });
      expect(out[1]).toEqual(out[0]);
      expect(out[2]).toEqual(out[0]);
    });
  }
});
