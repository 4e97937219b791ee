import { describe, expect, it } from "vitest";
import { build, BPF_ADD, BPF_DW, BPF_JEQ, BPF_JNE, BPF_W, type Instruction } from "../../src/isa/index.js";
import { HelperRegistry, type HelperCall } from "../../src/helpers/registry.js";
import { mapHelpers, tailCallResolver, type CallbackCall, type RedirectRecord } from "../../src/helpers/maps.js";
import { ringbufHelpers } from "../../src/helpers/ringbuf.js";
import { perfHelpers } from "../../src/helpers/perf.js";
import { MapTable, PerfEventArrayMap, RingbufMap, type BpfMap } from "../../src/maps/index.js";
import { createImage, FUNC_PTR_HI, type ProgramImage } from "../../src/vm/image.js";
import { Interpreter, type RunOptions } from "../../src/vm/interpreter.js";
import { AddressSpace } from "../../src/vm/memory.js";
import type { RunContext } from "../../src/helpers/context.js";

const u32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n >>> 0]).buffer);
const u64 = (n: bigint): Uint8Array => new Uint8Array(new BigUint64Array([n]).buffer);
const rd32 = (b: Uint8Array | undefined): number => new DataView(b!.buffer, b!.byteOffset).getUint32(0, true);
const rd64 = (b: Uint8Array | undefined, off = 0): bigint => new DataView(b!.buffer, b!.byteOffset).getBigUint64(off, true);
const H = { lookup: 1, update: 2, delete: 3, tail_call: 12, perf: 25, redirect_map: 51, push: 87, pop: 88, peek: 89, spin_lock: 93, spin_unlock: 94, rb_output: 130, rb_reserve: 131, rb_submit: 132, rb_discard: 133, rb_query: 134, for_each: 164, percpu: 195 };

function setup(cpus = 2) {
  const space = new AddressSpace();
  const table = new MapTable(space, { cpus });
  const reg = new HelperRegistry();
  for (const d of [...mapHelpers(table), ...ringbufHelpers(table), ...perfHelpers(table)]) reg.register(d);
  const interp = new Interpreter(space, reg);
  const run = (insns: Instruction[], ctx: RunContext = { cpu: 0 }, extra: RunOptions = {}): bigint =>
    interp.run(createImage(insns, { resolveLdImm64: table.resolver() }), { context: ctx, ...extra }).r0;
  return { space, table, reg, interp, run };
}

/** *(u32 *)(fp - 4) = key; r2 = fp - 4 */
const keyOnStack = (key: number): Instruction[] => [build.st(BPF_W, 10, -4, key), build.mov64Reg(2, 10), build.alu64Imm(BPF_ADD, 2, -4)];

describe("map helpers in programs on the interpreter", () => {
  it("lookup + atomic add counts in place; update/delete return the kernel's errnos", () => {
    const { table, run } = setup();
    const { map, fd } = table.create({ type: "hash", keySize: 4, valueSize: 8, maxEntries: 4, name: "counts" });
    map.update(u32(7), u64(0n));
    const prog = [
      ...keyOnStack(7),
      build.ldMapFd(1, fd),
      build.callHelper(H.lookup),
      build.jmpImm(BPF_JEQ, 0, 0, 3),
      build.mov64Imm(1, 5),
      build.atomic(BPF_DW, BPF_ADD, 0, 1, 0),
      build.mov64Imm(0, 1),
      build.exit(),
    ];
    expect(run(prog)).toBe(1n);
    expect(run(prog)).toBe(1n);
    expect(rd64(map.lookup(u32(7)))).toBe(10n);
    // update with BPF_NOEXIST on an existing key: -EEXIST; delete twice: 0 then -ENOENT
    const upd = [
      ...keyOnStack(7),
      build.st(BPF_DW, 10, -16, 99),
      build.ldMapFd(1, fd),
      build.mov64Reg(3, 10),
      build.alu64Imm(BPF_ADD, 3, -16),
      build.mov64Imm(4, 1),
      build.callHelper(H.update),
      build.exit(),
    ];
    expect(BigInt.asIntN(64, run(upd))).toBe(-17n);
    const del = [...keyOnStack(7), build.ldMapFd(1, fd), build.callHelper(H.delete), build.exit()];
    expect(run(del)).toBe(0n);
    expect(BigInt.asIntN(64, run(del))).toBe(-2n);
  });

  it("per-CPU array: each CPU's program sees its own slot; lookup_percpu_elem reads another", () => {
    const { table, run } = setup(2);
    const { map, fd } = table.create({ type: "percpu_array", keySize: 4, valueSize: 4, maxEntries: 1 });
    const inc = [...keyOnStack(0), build.ldMapFd(1, fd), build.callHelper(H.lookup), build.jmpImm(BPF_JEQ, 0, 0, 2), build.mov64Imm(1, 1), build.atomic(BPF_W, BPF_ADD, 0, 1, 0), build.exit()];
    run(inc, { cpu: 0 });
    run(inc, { cpu: 1 });
    run(inc, { cpu: 1 });
    const v = map.lookup(u32(0))!;
    expect([rd32(v.subarray(0)), rd32(v.subarray(8))]).toEqual([1, 2]);
    const other = [...keyOnStack(0), build.ldMapFd(1, fd), build.mov64Imm(3, 1), build.callHelper(H.percpu), build.jmpImm(BPF_JEQ, 0, 0, 1), build.ldx(BPF_W, 0, 0, 0), build.exit()];
    expect(run(other, { cpu: 0 })).toBe(2n);
  });

  it("writes into a BPF_F_RDONLY_PROG map fault (the kernel's verifier refuses them)", () => {
    const { table, run } = setup();
    const { fd } = table.create({ type: "array", keySize: 4, valueSize: 4, maxEntries: 1, flags: 1 << 7 });
    const del = [...keyOnStack(0), build.ldMapFd(1, fd), build.callHelper(H.delete), build.exit()];
    expect(() => run(del)).toThrowError(expect.objectContaining({ code: "EACCES" }));
    const store = [...keyOnStack(0), build.ldMapFd(1, fd), build.callHelper(H.lookup), build.jmpImm(BPF_JEQ, 0, 0, 1), build.st(BPF_W, 0, 0, 1), build.exit()];
    expect(() => run(store)).toThrowError(expect.objectContaining({ code: "EFAULT" }));
  });

  it("a non-map pointer in r1 faults; a key outside memory faults", () => {
    const { run, table } = setup();
    const { fd } = table.create({ type: "hash", keySize: 4, valueSize: 4, maxEntries: 1 });
    expect(() => run([build.mov64Imm(1, 12345), build.callHelper(H.lookup), build.exit()])).toThrowError(/not a map pointer/);
    expect(() => run([build.ldMapFd(1, fd), build.mov64Imm(2, 0), build.callHelper(H.lookup), build.exit()])).toThrowError(expect.objectContaining({ code: "EFAULT" }));
  });

  it("queue push/pop/peek through helpers", () => {
    const { table, run } = setup();
    const { map, fd } = table.create({ type: "queue", keySize: 0, valueSize: 4, maxEntries: 2 });
    const push = (v: number) => [build.st(BPF_W, 10, -4, v), build.ldMapFd(1, fd), build.mov64Reg(2, 10), build.alu64Imm(BPF_ADD, 2, -4), build.mov64Imm(3, 0), build.callHelper(H.push), build.exit()];
    expect(run(push(1))).toBe(0n);
    expect(run(push(2))).toBe(0n);
    expect(BigInt.asIntN(64, run(push(3)))).toBe(-7n);
    const pop = (h: number) => [build.ldMapFd(1, fd), build.mov64Reg(2, 10), build.alu64Imm(BPF_ADD, 2, -4), build.callHelper(h), build.jmpImm(BPF_JNE, 0, 0, 1), build.ldx(BPF_W, 0, 10, -4), build.exit()];
    expect(run(pop(H.peek))).toBe(1n);
    expect(run(pop(H.pop))).toBe(1n);
    expect(run(pop(H.pop))).toBe(2n);
    expect(BigInt.asIntN(64, run(pop(H.pop)))).toBe(-2n);
    expect(map.lookup()).toBeUndefined();
  });

  it("ring buffer reserve/submit/discard/output/query from a program", () => {
    const { table, run } = setup();
    const { map, fd } = table.create({ type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 4096 });
    const rb = map as RingbufMap;
    const prog = [
      build.ldMapFd(1, fd),
      build.mov64Imm(2, 8),
      build.mov64Imm(3, 0),
      build.callHelper(H.rb_reserve),
      build.jmpImm(BPF_JEQ, 0, 0, 5),
      build.st(BPF_DW, 0, 0, 0x1234),
      build.mov64Reg(1, 0),
      build.mov64Imm(2, 0),
      build.callHelper(H.rb_submit),
      build.mov64Imm(0, 1),
      build.exit(),
    ];
    expect(run(prog)).toBe(1n);
    const discard = [build.ldMapFd(1, fd), build.mov64Imm(2, 4), build.mov64Imm(3, 0), build.callHelper(H.rb_reserve), build.mov64Reg(1, 0), build.mov64Imm(2, 0), build.callHelper(H.rb_discard), build.exit()];
    run(discard);
    const out = [build.st(BPF_W, 10, -4, 0xabcd), build.ldMapFd(1, fd), build.mov64Reg(2, 10), build.alu64Imm(BPF_ADD, 2, -4), build.mov64Imm(3, 4), build.mov64Imm(4, 0), build.callHelper(H.rb_output), build.exit()];
    expect(run(out)).toBe(0n);
    const q = [build.ldMapFd(1, fd), build.mov64Imm(2, 0), build.callHelper(H.rb_query), build.exit()];
    expect(run(q)).toBe(16n + 16n + 16n);
    expect(rb.records()).toEqual([u64(0x1234n), u32(0xabcd)]);
    expect(() => run([build.mov64Reg(1, 10), build.mov64Imm(2, 0), build.callHelper(H.rb_submit), build.exit()])).toThrowError(/not a reserved ring buffer record/);
  });

  it("perf_event_output to the current CPU", () => {
    const { table, run } = setup(2);
    const { map, fd } = table.create({ type: "perf_event_array", keySize: 4, valueSize: 4, maxEntries: 2 });
    (map as PerfEventArrayMap).openAll();
    const prog = [
      build.st(BPF_DW, 10, -8, 0x77),
      build.mov64Imm(1, 0),
      build.ldMapFd(2, fd),
      build.ldImm64(3, 0xffffffffn),
      build.mov64Reg(4, 10),
      build.alu64Imm(BPF_ADD, 4, -8),
      build.mov64Imm(5, 8),
      build.callHelper(H.perf),
      build.exit(),
    ];
    expect(run(prog, { cpu: 1 })).toBe(0n);
    const recs = (map as PerfEventArrayMap).readAll();
    expect(recs).toHaveLength(1);
    expect(recs[0]!.cpu).toBe(1);
    expect(rd64(recs[0]!.data)).toBe(0x77n);
  });

  it("spin_lock/unlock pair; a second lock faults", () => {
    const { table, run } = setup();
    const { fd } = table.create({ type: "array", keySize: 4, valueSize: 8, maxEntries: 1, spinLockOffset: 0 });
    const body = (n: number) => [
      ...keyOnStack(0),
      build.ldMapFd(1, fd),
      build.callHelper(H.lookup),
      build.jmpImm(BPF_JEQ, 0, 0, 2 + 2 * n + 2),
      build.mov64Reg(6, 0),
      ...Array.from({ length: n }, () => [build.mov64Reg(1, 6), build.callHelper(H.spin_lock)]).flat(),
      build.mov64Reg(1, 6),
      build.callHelper(H.spin_unlock),
      build.mov64Imm(0, 0),
      build.exit(),
    ];
    expect(run(body(1), { cpu: 0 })).toBe(0n);
    expect(() => run(body(2), { cpu: 0 })).toThrowError(/already held/);
  });

  it("redirect_map records the target in the run context", () => {
    const { table, run } = setup();
    const { map, fd } = table.create({ type: "devmap", keySize: 4, valueSize: 4, maxEntries: 4 });
    map.update(u32(1), u32(42));
    const prog = (key: number, flags: number) => [build.ldMapFd(1, fd), build.mov64Imm(2, key), build.mov64Imm(3, flags), build.callHelper(H.redirect_map), build.exit()];
    const ctx: RunContext & { redirect?: RedirectRecord } = { cpu: 0, progType: "xdp" };
    expect(run(prog(1, 0), ctx)).toBe(4n);
    expect(ctx.redirect).toMatchObject({ key: 1, target: 42, broadcast: false });
    expect(run(prog(2, 2), { cpu: 0 })).toBe(2n);
    expect(run(prog(2, 64), { cpu: 0 })).toBe(0n);
  });

  it("tail calls through a prog_array with the resolver the runtime passes", () => {
    const { table, interp } = setup();
    const target = createImage([build.mov64Imm(0, 42), build.exit()]);
    const pfd = table.addProgram({ id: 1, image: target });
    const { map, fd } = table.create({ type: "prog_array", keySize: 4, valueSize: 4, maxEntries: 4 });
    map.update(u32(3), u32(pfd));
    const main = (idx: number) => createImage([build.ldMapFd(2, fd), build.mov64Imm(3, idx), build.callHelper(H.tail_call), build.mov64Imm(0, 7), build.exit()], { resolveLdImm64: table.resolver() });
    expect(interp.run(main(3), { tailCall: tailCallResolver(table), context: { cpu: 0 } }).r0).toBe(42n);
    expect(interp.run(main(2), { tailCall: tailCallResolver(table), context: { cpu: 0 } }).r0).toBe(7n);
  });

  it("for_each_map_elem calls the callback through HelperCall.callFunction until it returns 1", () => {
    const { table, reg, space } = setup();
    const { map, fd } = table.create({ type: "array", keySize: 4, valueSize: 8, maxEntries: 5 });
    for (let i = 0; i < 5; i++) map.update(u32(i), u64(BigInt(i * 10)));
    // main: r2 = &callback (lddw src=4), r3 = ctx (unused), r4 = 0; call for_each; exit
    // callback(map, key, value, ctx): *value += 1; return *key == 2
    const prog: Instruction[] = [
      build.ldMapFd(1, fd),
      { op: 0x18, dst: 2, src: 4, off: 0, imm: 5, imm2: 0 },
      build.mov64Imm(3, 0),
      build.mov64Imm(4, 0),
      build.callHelper(H.for_each),
      build.exit(),
      build.ldx(BPF_DW, 0, 3, 0),
      build.alu64Imm(BPF_ADD, 0, 1),
      build.stx(BPF_DW, 3, 0, 0),
      build.ldx(BPF_W, 1, 2, 0),
      build.mov64Imm(0, 0),
      build.jmpImm(BPF_JNE, 1, 2, 1),
      build.mov64Imm(0, 1),
      build.exit(),
    ];
    const image = createImage(prog, { resolveLdImm64: table.resolver() });
    expect([image.imm[2], image.imm[3]]).toEqual([8, FUNC_PTR_HI]);
    // Until the interpreter implements callFunction, a stand-in runs the callback's code as its own image.
    const cbImage = (pc: number): ProgramImage => createImage(prog.slice(pc - 2), {}); // two lddw before it
    const inner = new Interpreter(space, reg);
    const outer = new Interpreter(space, reg);
    const withCallbacks = new Proxy(outer, {
      get(target, prop, recv) {
        if (prop === "callFunction") {
          return (fn: bigint, args: readonly (bigint | number)[]) => {
            expect(fn >> 32n).toBe(BigInt(FUNC_PTR_HI));
            return inner.run(cbImage(Number(fn & 0xffffffffn)), { args, context: { cpu: 0 } }).r0;
          };
        }
        return Reflect.get(target, prop, recv);
      },
    }) as unknown as CallbackCall;
    const def = reg.get(H.for_each)!;
    // Drive the helper directly with the main program's registers at the call.

    const r1 = BigInt(map.identity);
    const fake: CallbackCall = {
      space,
      pc: 4,
      context: { cpu: 0 },
      arg: (i: number) => [0n, r1, (BigInt(FUNC_PTR_HI) << 32n) | BigInt(image.imm[2]!), 0n, 0n, 0n][i]!,
      argI32: () => 0,
      argU32: () => 0,
      argNum: () => 0,
      checkMem: (a: number) => a,
      stop: () => undefined,
      callFunction: withCallbacks.callFunction,
    };
    expect(def.fn(fake)).toBe(3);
    expect([0, 1, 2, 3, 4].map((i) => rd64(map.lookup(u32(i))))).toEqual([1n, 11n, 21n, 30n, 40n]);
    // An engine without the hook reports it clearly.
    const bare: HelperCall = { ...fake, callFunction: undefined } as unknown as HelperCall;
    expect(() => def.fn(bare)).toThrowError(/callFunction/);
  });
});

export type { BpfMap };
