/**
 * The interpreter's behaviour cases as a table any engine can run: test/vm/interpreter.test.ts runs
 * them on the Interpreter, test/jit/interpreter-cases.test.ts on the JIT (checked and unchecked).
 * The assertions are the ones the interpreter was written against; keep them engine-neutral.
 */
import { describe, expect, it } from "vitest";
import { VmError } from "../../src/errors.js";
import { HelperRegistry } from "../../src/helpers/registry.js";
import * as O from "../../src/isa/opcodes.js";
import { build as b, type Instruction } from "../../src/isa/index.js";
import { AddressSpace, createImage, PERM_READ, type ExecuteOptions, type ExecuteResult, type ProgramImage, type RunOptions, type RunResult } from "../../src/vm/index.js";

/** An engine under test: the one-shot `execute` and a reusable runner over a given address space. */
export interface EngineUnderTest {
  execute(insns: readonly Instruction[], options?: ExecuteOptions): ExecuteResult;
  create(space: AddressSpace, helpers: HelperRegistry): { run(image: ProgramImage, options?: RunOptions): RunResult };
}

export function engineCases(e: EngineUnderTest): void {
  const run = (insns: Instruction[], memory?: Uint8Array) => e.execute(insns, memory ? { memory } : {});

  describe("memory access", () => {
    it("loads and stores every size, little-endian, with sign-extending loads", () => {
      const mem = new Uint8Array([0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88]);
      expect(run([b.ldx(O.BPF_B, 0, 1, 0), b.exit()], mem).r0).toBe(0x81n);
      expect(run([b.ldx(O.BPF_H, 0, 1, 0), b.exit()], mem).r0).toBe(0x8281n);
      expect(run([b.ldx(O.BPF_W, 0, 1, 0), b.exit()], mem).r0).toBe(0x84838281n);
      expect(run([b.ldx(O.BPF_DW, 0, 1, 0), b.exit()], mem).r0).toBe(0x8887868584838281n);
      expect(run([b.ldxsx(O.BPF_B, 0, 1, 0), b.exit()], mem).r0).toBe(0xffffffffffffff81n);
      expect(run([b.ldxsx(O.BPF_H, 0, 1, 0), b.exit()], mem).r0).toBe(0xffffffffffff8281n);
      expect(run([b.ldxsx(O.BPF_W, 0, 1, 0), b.exit()], mem).r0).toBe(0xffffffff84838281n);
      const out = run([b.st(O.BPF_DW, 1, 0, 0x01020304), b.st(O.BPF_H, 1, 2, -2), b.exit()], new Uint8Array(8)).memory;
      expect([...out]).toEqual([0x04, 0x03, 0xfe, 0xff, 0, 0, 0, 0]);
      expect([...run([b.st(O.BPF_DW, 1, 0, -1), b.exit()], new Uint8Array(8)).memory]).toEqual(new Array(8).fill(0xff));
    });

    it("faults cleanly outside regions, naming pc and address", () => {
      const mem = new Uint8Array(4);
      expect(() => run([b.ldx(O.BPF_W, 0, 1, 1), b.exit()], mem)).toThrow(/pc 0: invalid read of 4 bytes at 0x.*runs past the end of memory/);
      expect(() => run([b.mov64Imm(1, 0), b.ldx(O.BPF_B, 0, 1, 0), b.exit()])).toThrow(/pc 1: invalid read of 1 bytes at 0x0: null/);
      expect(() => run([b.ldImm64(1, 1n << 40n), b.stx(O.BPF_B, 1, 0, 0), b.exit()])).toThrow(VmError);
      expect(() => run([b.stx(O.BPF_DW, 10, 1, 0), b.exit()])).toThrow(/invalid write of 8 bytes/);
      expect(() => run([b.ldx(O.BPF_DW, 0, 10, -4104), b.exit()])).toThrow(/invalid read/);
      try {
        run([b.mov64Imm(0, 0), b.ldx(O.BPF_B, 0, 0, 16), b.exit()]);
      } catch (e) {
        expect(e).toBeInstanceOf(VmError);
        expect((e as VmError).pc).toBe(1);
        expect((e as VmError).address).toBe(16n);
        expect((e as VmError).code).toBe("EFAULT");
      }
    });

    it("honours read-only regions", () => {
      const space = new AddressSpace();
      const interp = e.create(space, new HelperRegistry());
      const ro = space.mapBytes(new Uint8Array([7, 0, 0, 0]), ".rodata", PERM_READ);
      const read = createImage([b.ldx(O.BPF_W, 0, 1, 0), b.exit()]);
      expect(interp.run(read, { args: [ro.start] }).r0).toBe(7n);
      const write = createImage([b.st(O.BPF_W, 1, 0, 1), b.exit()]);
      expect(() => interp.run(write, { args: [ro.start] })).toThrow(/invalid write.*\.rodata does not allow it/);
    });

    it("atomics: add/or/and/xor with and without fetch, xchg, cmpxchg, 32 and 64 bit", () => {
      const init = [b.ldImm64(2, 0xf0f0f0f0f0f0f0f0n), b.stx(O.BPF_DW, 10, 2, -8)];
      const load = [b.ldx(O.BPF_DW, 0, 10, -8), b.exit()];
      const at = (size: number, op: number, src: bigint) => run([...init, b.ldImm64(3, src), b.atomic(size, op, 10, 3, -8), ...load]).r0;
      expect(at(O.BPF_DW, O.BPF_ADD, 0x10n)).toBe(0xf0f0f0f0f0f0f100n);
      expect(at(O.BPF_W, O.BPF_ADD, 0x10n)).toBe(0xf0f0f0f0f0f0f100n);
      expect(at(O.BPF_W, O.BPF_ADD, 0x0f0f0f10n)).toBe(0xf0f0f0f000000000n); // no carry into the next word
      expect(at(O.BPF_DW, O.BPF_OR, 0x0fn)).toBe(0xf0f0f0f0f0f0f0ffn);
      expect(at(O.BPF_DW, O.BPF_AND, 0xffn)).toBe(0xf0n);
      expect(at(O.BPF_DW, O.BPF_XOR, 0xffn)).toBe(0xf0f0f0f0f0f0f00fn);
      expect(at(O.BPF_DW, O.BPF_XCHG, 5n)).toBe(5n);
      // fetch returns the old value in src (zero-extended for 32 bit)
      const fetched = (size: number, op: number) => run([...init, b.mov64Imm(3, 1), b.atomic(size, op, 10, 3, -8), b.mov64Reg(0, 3), b.exit()]).r0;
      expect(fetched(O.BPF_DW, O.BPF_ADD | O.BPF_FETCH)).toBe(0xf0f0f0f0f0f0f0f0n);
      expect(fetched(O.BPF_W, O.BPF_OR | O.BPF_FETCH)).toBe(0xf0f0f0f0n);
      expect(fetched(O.BPF_W, O.BPF_XCHG)).toBe(0xf0f0f0f0n);
      // cmpxchg: r0 = old; store src only when r0 matched
      const cas = (size: number, expect0: bigint) =>
        run([...init, b.ldImm64(0, expect0), b.mov64Imm(3, 9), b.atomic(size, O.BPF_CMPXCHG, 10, 3, -8), b.mov64Reg(4, 0), b.ldx(O.BPF_DW, 0, 10, -8), b.alu64Reg(O.BPF_XOR, 0, 4), b.exit()]).r0;
      expect(cas(O.BPF_DW, 0xf0f0f0f0f0f0f0f0n)).toBe(9n ^ 0xf0f0f0f0f0f0f0f0n);
      expect(cas(O.BPF_DW, 1n)).toBe(0n);
      expect(cas(O.BPF_W, 0xfffffffff0f0f0f0n)).toBe(0xf0f0f0f000000009n ^ 0xf0f0f0f0n); // 32-bit compares the low half
    });
  });

  describe("calls", () => {
    it("local calls preserve r6-r9, give each frame its own stack, and return r0", () => {
      const prog = [
        b.mov64Imm(6, 6), b.st(O.BPF_DW, 10, -8, 42), b.mov64Imm(1, 5),
        b.callLocal(3),
        b.ldx(O.BPF_DW, 2, 10, -8), b.alu64Reg(O.BPF_ADD, 0, 2), b.exit(),
        // f(r1): writes its own stack slot, clobbers r6, returns r1 * 10
        b.st(O.BPF_DW, 10, -8, 99), b.mov64Imm(6, 0), b.mov64Reg(0, 1), b.alu64Imm(O.BPF_MUL, 0, 10), b.exit(),
      ];
      expect(run(prog).r0).toBe(92n);
      const preserved = [b.mov64Imm(6, 7), b.callLocal(2), b.mov64Reg(0, 6), b.exit(), b.mov64Imm(6, 1), b.exit()];
      expect(run(preserved).r0).toBe(7n);
    });

    it("limits call depth to 8 frames", () => {
      const recurse = [b.callLocal(-1), b.exit()];
      expect(() => run(recurse)).toThrow(/call stack of 9 frames is too deep/);
    });

    it("calls helpers from the registry with r1-r5, and rejects unknown ids before running", () => {
      const helpers = new HelperRegistry().register({
        id: 7, name: "sum", fn: (c) => c.arg(1) + c.arg(2) + c.arg(3) + c.arg(4) + c.arg(5),
      }).register({ id: 8, name: "neg", fn: () => -22 });
      const prog = [1, 2, 3, 4, 5].map((v, i) => b.mov64Imm(i + 1, v)).concat([b.callHelper(7), b.exit()]);
      expect(e.execute(prog, { helpers }).r0).toBe(15n);
      expect(e.execute([b.callHelper(8), b.exit()], { helpers }).r0).toBe(0xffffffffffffffean);
      expect(() => e.execute([b.mov64Imm(0, 0), b.callHelper(99), b.exit()], { helpers })).toThrow(/pc 1: program calls unknown helper id 99/);
    });

    it("callx calls a subprogram address from lddw src=4, or a helper id", () => {
      const fn: Instruction = { op: O.OP_LDDW, dst: 2, src: O.BPF_PSEUDO_FUNC, off: 0, imm: 4, imm2: 0 };
      // pc0-1 lddw r2 = &f (pc 5), pc2 callx r2, pc3 exit, pc4 unused, pc5 f
      const prog = [fn, b.callx(2), b.exit(), b.exit(), b.mov64Imm(0, 77), b.exit()];
      expect(run(prog).r0).toBe(77n);
      const helpers = new HelperRegistry().register({ id: 5, name: "five", fn: () => 5 });
      expect(e.execute([b.mov64Imm(3, 5), b.callx(3), b.exit()], { helpers }).r0).toBe(5n);
    });

    it("tail calls replace the program, up to 33 times", () => {
      const space = new AddressSpace();
      const interp = e.create(space, new HelperRegistry());
      const target = createImage([b.alu64Imm(O.BPF_ADD, 6, 1), b.callHelper(12), b.mov64Reg(0, 6), b.exit()]);
      const entry = createImage([b.mov64Imm(6, 0), b.callHelper(12), b.mov64Imm(0, 1234), b.exit()]);
      const r = interp.run(entry, { tailCall: () => target });
      expect(r.r0).toBe(33n); // 33 tail calls succeed, the 34th falls through
      expect(interp.run(entry, { tailCall: () => undefined }).r0).toBe(1234n);
    });
  });

  describe("limits and arithmetic edge cases", () => {
    it("stops runaway programs at the instruction budget", () => {
      expect(() => e.execute([b.ja(-1), b.exit()], { budget: 1000 })).toThrow(/instruction budget of 1000 exhausted/);
      expect(() => run([b.ja(-1), b.exit()])).toThrow(/budget of 1000000/);
    });

    it("divides and takes modulo by zero as the kernel does", () => {
      expect(run([b.mov64Imm(0, 5), b.mov64Imm(1, 0), b.alu64Reg(O.BPF_DIV, 0, 1), b.exit()]).r0).toBe(0n);
      expect(run([b.ldImm64(0, 0xffffffff00000005n), b.mov64Imm(1, 0), b.alu64Reg(O.BPF_MOD, 0, 1), b.exit()]).r0).toBe(0xffffffff00000005n);
      expect(run([b.ldImm64(0, 0xffffffff00000005n), b.mov64Imm(1, 0), b.alu32Reg(O.BPF_MOD, 0, 1), b.exit()]).r0).toBe(5n);
      expect(run([b.ldImm64(0, 1n << 63n), b.alu64Imm(O.BPF_DIV, 0, -1, 1), b.exit()]).r0).toBe(1n << 63n);
      expect(run([b.ldImm64(0, 1n << 63n), b.alu64Imm(O.BPF_MOD, 0, -1, 1), b.exit()]).r0).toBe(0n);
      expect(run([b.mov32Imm(0, -0x80000000), b.alu32Imm(O.BPF_DIV, 0, -1, 1), b.exit()]).r0).toBe(0x80000000n);
    });

    it("ends the program with r0 = 0 when LD_ABS reads past the packet", () => {
      const space = new AddressSpace();
      const interp = e.create(space, new HelperRegistry());
      const pkt = space.mapBytes(new Uint8Array([0x12, 0x34, 0x56, 0x78]), "packet");
      const packet = { start: pkt.start, length: pkt.size };
      expect(interp.run(createImage([b.ldAbs(O.BPF_H, 1), b.exit()]), { packet }).r0).toBe(0x3456n);
      expect(interp.run(createImage([b.ldAbs(O.BPF_W, 0), b.exit()]), { packet }).r0).toBe(0x12345678n);
      expect(interp.run(createImage([b.mov64Imm(0, 9), b.ldAbs(O.BPF_W, 1), b.mov64Imm(0, 9), b.exit()]), { packet }).r0).toBe(0n);
      expect(interp.run(createImage([b.mov64Imm(3, 2), b.ldInd(O.BPF_B, 3, 1), b.exit()]), { packet }).r0).toBe(0x78n);
    });

    it("rejects bad programs with typed errors before running", () => {
      expect(() => run([b.mov64Imm(0, 0)])).toThrow(/execution fell off the end/);
      expect(() => run([b.ja(5), b.exit()])).toThrow(/pc 0: jump out of range from insn 0 to 6/);
      expect(() => run([{ op: 0xff, dst: 0, src: 0, off: 0, imm: 0 }, b.exit()])).toThrow(/unknown opcode ff/);
      expect(() => run([b.mov64Imm(11, 0), b.exit()])).toThrow(/R11 is invalid/);
      expect(() => run([b.mov64Imm(10, 0), b.exit()])).toThrow(/frame pointer is read only/);
      expect(() => run([{ op: O.OP_LDDW, dst: 0, src: 1, off: 0, imm: 3, imm2: 0 }, b.exit()])).toThrow(/pseudo source 1 refers to a map/);
    });
  });

  describe("callbacks from helpers", () => {
    it("callFunction runs a subprogram in a new frame and restores the caller's registers", () => {
      // helper 100(fn, n): calls fn(i) for i < n, sums the results (a bpf_loop in miniature)
      const helpers = new HelperRegistry().register({
        id: 100,
        name: "loop_sum",
        fn: (call) => {
          let sum = 0n;
          const n = call.argNum(2);
          for (let i = 0; i < n; i++) sum += call.callFunction!(call.arg(1), [i]);
          return sum;
        },
      });
      const fnAddr: Instruction = { op: O.OP_LDDW, dst: 1, src: O.BPF_PSEUDO_FUNC, off: 0, imm: 7, imm2: 0 }; // f at pc 10
      const prog = [
        b.mov64Imm(6, 1000), b.st(O.BPF_DW, 10, -8, 5),
        fnAddr, b.mov64Imm(2, 4), b.callHelper(100), // r0 = sum of f(0..3)
        b.alu64Reg(O.BPF_ADD, 0, 6), b.ldx(O.BPF_DW, 1, 10, -8), b.alu64Reg(O.BPF_ADD, 0, 1), b.exit(),
        // f(i): clobbers r6 and its own stack slot, returns i * i
        b.mov64Imm(6, 0), b.st(O.BPF_DW, 10, -8, 77), b.mov64Reg(0, 1), b.alu64Reg(O.BPF_MUL, 0, 1), b.exit(),
      ];
      expect(e.execute(prog, { helpers }).r0).toBe(0n + 1n + 4n + 9n + 1000n + 5n);
    });
  });
}
