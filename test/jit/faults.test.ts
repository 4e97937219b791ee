import { describe, expect, it } from "vitest";
import { VmError } from "../../src/errors.js";
import { HelperRegistry } from "../../src/helpers/registry.js";
import { build as b, type Instruction } from "../../src/isa/index.js";
import * as O from "../../src/isa/opcodes.js";
import { executeJit, JitEngine } from "../../src/jit/index.js";
import { AddressSpace, createImage, execute, Interpreter, PERM_READ, PERM_RW, type RunOptions } from "../../src/vm/index.js";

/** Runs on a fresh interpreter and a fresh JIT over equal address spaces; both outcomes. */
function both(insns: Instruction[], setup: (space: AddressSpace) => RunOptions = () => ({}), helpers = new HelperRegistry()) {
  const go = (make: (s: AddressSpace) => { run: Interpreter["run"] }) => {
    const space = new AddressSpace();
    const engine = make(space);
    const opts = setup(space);
    try {
      return engine.run(createImage(insns), opts);
    } catch (e) {
      if (e instanceof VmError) return { code: e.code, pc: e.pc, message: e.message };
      throw e;
    }
  };
  return { interp: go((s) => new Interpreter(s, helpers)), jit: go((s) => new JitEngine(s, helpers)) };
}

const expectSame = (r: ReturnType<typeof both>) => expect(r.jit).toEqual(r.interp);

describe("JIT safety in checked mode", () => {
  it("caches read-only regions for reads only: a write after a read still faults", () => {
    const prog = [b.ldx(O.BPF_W, 0, 1, 0), b.ldx(O.BPF_W, 2, 1, 4), b.st(O.BPF_W, 1, 0, 1), b.exit()];
    const r = both(prog, (s) => ({ args: [s.mapBytes(new Uint8Array(16).fill(7), ".rodata", PERM_READ).start] }));
    expectSame(r);
    expect(r.jit).toMatchObject({ code: "EFAULT", pc: 2 });
    expect((r.jit as { message: string }).message).toMatch(/invalid write of 4 bytes .*\.rodata does not allow it/);
  });

  it("checks regions smaller than 8 bytes exactly", () => {
    const prog = [b.ldx(O.BPF_H, 0, 1, 0), b.ldx(O.BPF_H, 0, 1, 2), b.ldx(O.BPF_H, 0, 1, 3), b.exit()];
    const r = both(prog, (s) => ({ args: [s.mapBytes(new Uint8Array([1, 2, 3, 4]), "tiny").start] }));
    expectSame(r);
    expect(r.jit).toMatchObject({ code: "EFAULT", pc: 2 });
  });

  it("cannot reach the guard page, where the JIT keeps its scratch area", () => {
    for (const addr of [0, 8, 4096, 4096 + 32, 65535]) {
      const r = both([b.ldImm64(1, BigInt(addr)), b.ldx(O.BPF_DW, 0, 1, 0), b.exit()]);
      expectSame(r);
      expect(r.jit).toMatchObject({ code: "EFAULT", pc: 2 });
      const w = both([b.ldImm64(1, BigInt(addr)), b.st(O.BPF_DW, 1, 0, 1), b.exit()]);
      expectSame(w);
    }
  });

  it("faults on addresses above 4 GiB and on wrap-around, naming the 64-bit address", () => {
    for (const a of [1n << 32n, (1n << 64n) - 8n, 0xffffffffn, (1n << 40n) + 0x10000n]) {
      const r = both([b.ldImm64(1, a), b.ldx(O.BPF_DW, 0, 1, 4), b.exit()]);
      expectSame(r);
      expect(r.jit).toMatchObject({ code: "EFAULT", pc: 2 });
    }
  });

  it("forgets cached regions after a helper call (the helper may unmap them)", () => {
    const space = new AddressSpace();
    const region = space.map(64, "value");
    const helpers = new HelperRegistry().register({ id: 1, name: "unmap", fn: () => space.unmap(region) });
    const jit = new JitEngine(space, helpers);
    const img = createImage([b.mov64Reg(6, 1), b.ldx(O.BPF_DW, 0, 6, 0), b.callHelper(1), b.ldx(O.BPF_DW, 0, 6, 8), b.exit()]);
    expect(() => jit.run(img, { args: [region.start] })).toThrow(/pc 3: invalid read of 8 bytes/);
  });

  it("sees memory that a helper maps during the run, even when the memory grows", () => {
    const space = new AddressSpace();
    const helpers = new HelperRegistry().register({
      id: 1,
      name: "alloc",
      fn: () => {
        const r = space.map(8 << 20, "big"); // forces WebAssembly.Memory.grow
        space.view.setUint32(r.start + (8 << 20) - 8, 0xabcdef, true);
        return r.start;
      },
    });
    const jit = new JitEngine(space, helpers);
    const prog = createImage([b.callHelper(1), b.ldx(O.BPF_W, 0, 0, (8 << 20) - 8), b.exit()]);
    expect(jit.run(prog).r0).toBe(0xabcdefn);
  });

  it("never throws a raw wasm trap in unchecked mode: it becomes a VmError", () => {
    const prog = [b.ldImm64(1, 0x7ffffff0n), b.ldx(O.BPF_DW, 0, 1, 0), b.exit()];
    expect(() => executeJit(prog, { checked: false })).toThrow(VmError);
    expect(() => executeJit(prog, { checked: false })).toThrow(/wasm trap/);
  });
});

describe("JIT instruction budget", () => {
  it("stops runaway loops at the same pc and with the same error as the interpreter", () => {
    const loops: Instruction[][] = [
      [b.ja(-1), b.exit()],
      [b.mov64Imm(0, 0), b.alu64Imm(O.BPF_ADD, 0, 1), b.alu64Imm(O.BPF_ADD, 0, 1), b.ja(-3), b.exit()],
      [b.mov64Imm(1, 0), b.stx(O.BPF_DW, 10, 1, -8), b.ldx(O.BPF_DW, 1, 10, -8), b.alu64Imm(O.BPF_ADD, 1, 1), b.jmpImm(O.BPF_JNE, 1, -1, -4), b.exit()],
    ];
    for (const prog of loops) {
      for (const budget of [0, 1, 2, 3, 4, 5, 6, 7, 100, 1001]) {
        const r = both(prog, () => ({ budget }));
        expectSame(r);
        expect(r.jit).toMatchObject({ code: "E2BIG" });
      }
    }
  });

  it("counts steps exactly like the interpreter", () => {
    const prog = [b.mov64Imm(0, 0), b.mov64Imm(1, 0), b.alu64Reg(O.BPF_ADD, 0, 1), b.alu64Imm(O.BPF_ADD, 1, 1), b.jmpImm(O.BPF_JNE, 1, 1000, -3), b.exit()];
    expect(executeJit(prog)).toEqual(execute(prog));
    expect(executeJit(prog, { budget: 3003 })).toEqual(execute(prog, { budget: 3003 }));
    expect(() => executeJit(prog, { budget: 3002 })).toThrow(/pc 5: instruction budget of 3002 exhausted/);
  });

  it("charges the budget before a fault it would reach first, and after an earlier fault", () => {
    // budget 1: the interpreter stops at pc 1 before the bad load; budget 2: the load faults.
    const prog = [b.mov64Imm(1, 0), b.ldx(O.BPF_DW, 0, 1, 0), b.exit()];
    expectSame(both(prog, () => ({ budget: 1 })));
    expectSame(both(prog, () => ({ budget: 2 })));
    expect(both(prog, () => ({ budget: 1 })).jit).toMatchObject({ code: "E2BIG", pc: 1 });
    expect(both(prog, () => ({ budget: 2 })).jit).toMatchObject({ code: "EFAULT", pc: 1 });
  });

  it("does not call a helper the budget does not reach", () => {
    let calls = 0;
    const helpers = new HelperRegistry().register({ id: 1, name: "count", fn: () => void calls++ });
    const prog = [b.mov64Imm(0, 0), b.mov64Imm(0, 0), b.callHelper(1), b.exit()];
    expect(() => new JitEngine(new AddressSpace(), helpers).run(createImage(prog), { budget: 2 })).toThrow(/pc 2: instruction budget/);
    expect(calls).toBe(0);
  });
});

describe("JIT control flow and calls", () => {
  it("compiles irreducible control flow through the dispatch fallback", () => {
    // Two entries into the loop {A, B}: from pc 1 into A, from pc 2 into B.
    const prog = [
      b.mov64Imm(0, 0),
      b.jmpImm(O.BPF_JEQ, 1, 0, 2), // → B
      b.alu64Imm(O.BPF_ADD, 0, 1), // A
      b.alu64Imm(O.BPF_ADD, 0, 2), // B (also the fallthrough of A)
      b.jmpImm(O.BPF_JLT, 0, 20, -3), // → A
      b.exit(),
    ];
    const jit = new JitEngine(new AddressSpace(), new HelperRegistry());
    const image = createImage(prog);
    expect(jit.compile(image).dispatched).toBe(1);
    for (const r1 of [0, 1]) {
      expect(jit.run(image, { args: [r1] })).toEqual(new Interpreter(new AddressSpace(), new HelperRegistry()).run(image, { args: [r1] }));
    }
  });

  it("uses structured control flow for clang-shaped programs", () => {
    const jit = new JitEngine(new AddressSpace(), new HelperRegistry());
    const prog = [b.mov64Imm(0, 0), b.mov64Imm(1, 0), b.alu64Reg(O.BPF_ADD, 0, 1), b.alu64Imm(O.BPF_ADD, 1, 1), b.jmpImm(O.BPF_JNE, 1, 1000, -3), b.exit()];
    expect(jit.compile(createImage(prog))).toMatchObject({ structured: 1, dispatched: 0 });
  });

  it("reports callx errors like the interpreter", () => {
    expectSame(both([b.ldImm64(2, 0x100000005n), b.callx(2), b.exit()]));
    const fn: Instruction = { op: O.OP_LDDW, dst: 2, src: O.BPF_PSEUDO_FUNC, off: 0, imm: 4, imm2: 0 }; // f at pc 5
    // A tagged address past the program: both say execution fell off the end.
    const far: Instruction = { ...b.ldImm64(2, (BigInt(0x7ffff000) << 32n) | 99n) };
    expectSame(both([far, b.callx(2), b.exit()]));
    expect(both([fn, b.callx(2), b.exit(), b.exit(), b.mov64Imm(0, 3), b.exit()]).jit).toMatchObject({ r0: 3n });
  });

  it("refuses kfunc calls and LD_ABS without a packet with typed errors", () => {
    expect(() => executeJit([b.callKfunc(5), b.exit()])).toThrow(/ENOTSUPP|kfunc/);
    expectSame(both([b.ldAbs(O.BPF_B, 0), b.exit()]));
  });

  it("may_goto falls through until the allowance is used up, then jumps", () => {
    const prog = [b.mov64Imm(0, 0), { op: 0xe5, dst: 0, src: 0, off: 2, imm: 0 }, b.alu64Imm(O.BPF_ADD, 0, 1), b.ja(-3), b.exit()];
    const r = both(prog, () => ({ budget: 1e9 }));
    expectSame(r);
    expect(r.jit).toMatchObject({ r0: 8n * 1024n * 1024n });
  });

  it("shares the address space with the interpreter: maps and memory written by one are seen by the other", () => {
    const space = new AddressSpace();
    const helpers = new HelperRegistry();
    const interp = new Interpreter(space, helpers);
    const jit = new JitEngine(space, helpers);
    const shared = space.map(8, "counter", PERM_RW);
    const inc = createImage([b.mov64Imm(2, 1), b.atomic(O.BPF_DW, O.BPF_ADD, 1, 2, 0), b.ldx(O.BPF_DW, 0, 1, 0), b.exit()]);
    expect(interp.run(inc, { args: [shared.start] }).r0).toBe(1n);
    expect(jit.run(inc, { args: [shared.start] }).r0).toBe(2n);
    expect(interp.run(inc, { args: [shared.start] }).r0).toBe(3n);
  });
});

describe("JIT stack between runs (unchecked: only what the last run could write is re-zeroed)", () => {
  // writer: frame 0 and, through a call, frame 1 get non-zero bytes
  const writer = [b.st(O.BPF_DW, 10, -8, 0x1234), b.callLocal(1), b.exit(), b.st(O.BPF_DW, 10, -512, 77), b.st(O.BPF_DW, 10, -8, 99), b.mov64Imm(0, 0), b.exit()];
  // no stack use at all: its runs zero nothing of their own
  const noStack = [b.mov64Imm(0, 5), b.exit()];
  // reader: frame 0 and frame 1 (through a call), summed into r0
  const reader = [b.ldx(O.BPF_DW, 6, 10, -8), b.callLocal(2), b.alu64Reg(O.BPF_ADD, 0, 6), b.exit(), b.ldx(O.BPF_DW, 0, 10, -8), b.ldx(O.BPF_DW, 1, 10, -512), b.alu64Reg(O.BPF_ADD, 0, 1), b.exit()];

  for (const [label, make] of [
    ["unchecked, no budget", (s: AddressSpace) => new JitEngine(s, new HelperRegistry(), { checked: false })],
    ["unchecked, exact budget", (s: AddressSpace) => new JitEngine(s, new HelperRegistry(), { checked: false, budgetMode: "exact" })],
    ["checked", (s: AddressSpace) => new JitEngine(s, new HelperRegistry())],
    ["interpreter", (s: AddressSpace) => new Interpreter(s, new HelperRegistry())],
  ] as const) {
    it(`${label}: every run starts on a zero stack`, () => {
      const space = new AddressSpace();
      const engine = make(space);
      const [w, n, r] = [createImage(writer), createImage(noStack), createImage(reader)];
      expect(engine.run(w, {}).r0).toBe(0n);
      expect(engine.run(r, {}).r0).toBe(0n);
      engine.run(w, {});
      expect(engine.run(n, {}).r0).toBe(5n);
      expect(engine.run(r, {}).r0).toBe(0n);
      engine.run(w, {});
      const top = engine.stack.start + engine.stack.size;
      // what the writer left is there after its run (hosts and tests read it) …
      expect(space.view.getBigUint64(top - 8, true)).toBe(0x1234n);
      expect(space.view.getBigUint64(top - 1024, true)).toBe(77n);
      engine.run(n, {});
      // … and gone once the next run has started
      expect(space.view.getBigUint64(top - 8, true)).toBe(0n);
      expect(space.view.getBigUint64(top - 1024, true)).toBe(0n);
    });
  }
});
