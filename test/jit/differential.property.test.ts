/**
 * The JIT against the interpreter on random programs: ALU sequences, forward and backward jumps
 * (loops, irreducible graphs, runaway loops stopped by the budget), loads / stores / atomics on a
 * buffer and the stack (some out of bounds), and bpf-to-bpf calls (some too deep). Both engines must
 * agree on r0, steps and memory, or throw the same VmError (code, pc, message).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VmError } from "../../src/errors.js";
import { build as b, checkInstruction, type Instruction } from "../../src/isa/index.js";
import * as O from "../../src/isa/opcodes.js";
import { executeJit } from "../../src/jit/index.js";
import { execute, type ExecuteOptions } from "../../src/vm/index.js";

const EDGE = [0n, 1n, 2n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n,
  0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0xfffffffffffffffen, 0x123456789abcdef0n, 0xffffffff80000000n];
const EDGE_IMM = [0, 1, -1, 2, 31, 32, 63, 64, 0x7fffffff, -0x80000000, 0xff, -2, 7, 16];

const value = fc.oneof(fc.constantFrom(...EDGE), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));
const imm = fc.oneof(fc.constantFrom(...EDGE_IMM), fc.integer({ min: -0x80000000, max: 0x7fffffff }));

/** ALU instructions (same shapes as test/vm/alu.property.test.ts) writing one of `dsts`. */
const aluInsn = (dsts: number[]): fc.Arbitrary<Instruction> =>
  fc
    .record({
      cls: fc.constantFrom(4, 7),
      code: fc.constantFrom(0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0),
      x: fc.boolean(),
      dst: fc.constantFrom(...dsts),
      src: fc.integer({ min: 0, max: 10 }),
      imm,
      off: fc.constantFrom(0, 1, 8, 16, 32),
      bits: fc.constantFrom(16, 32, 64),
    })
    .map(({ cls, code, x, dst, src, imm, off, bits }) => {
      if (code === 0x80) return { op: cls | code, dst, src: 0, off: 0, imm: 0 };
      if (code === 0xd0) return { op: cls | code | (cls === 4 && x ? 8 : 0), dst, src: 0, off: 0, imm: bits };
      if (code === 0xb0) return { op: cls | code | (x ? 8 : 0), dst, src: x ? src : 0, off: x && (off !== 1 && (off !== 32 || cls === 7)) ? off : 0, imm: x ? 0 : imm };
      if (code === 0x30 || code === 0x90) return { op: cls | code | (x ? 8 : 0), dst, src: x ? src : 0, off: off === 1 ? 1 : 0, imm: x ? 0 : imm };
      return { op: cls | code | (x ? 8 : 0), dst, src: x ? src : 0, off: 0, imm: x ? 0 : imm };
    })
    .filter((i) => checkInstruction(i) === null);

/** A body item; jumps and calls are resolved to offsets once the program is laid out. */
type Item =
  | { k: "insn"; insn: Instruction }
  | { k: "jmp"; insn: Instruction; to: number }
  | { k: "call"; fn: number };

const jmpItem = fc
  .record({
    cls: fc.constantFrom(5, 6),
    code: fc.constantFrom(0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0),
    x: fc.boolean(),
    dst: fc.integer({ min: 0, max: 10 }),
    src: fc.integer({ min: 0, max: 10 }),
    imm,
    to: fc.nat(),
  })
  .map(({ cls, code, x, dst, src, imm, to }): Item => {
    if (code === 0x00) return { k: "jmp", insn: { op: cls, dst: 0, src: 0, off: 0, imm: 0 }, to }; // ja / gotol
    if (code === 0xe0) return { k: "jmp", insn: { op: 0xe5, dst: 0, src: 0, off: 0, imm: 0 }, to }; // may_goto
    return { k: "jmp", insn: { op: cls | code | (x ? 8 : 0), dst, src: x ? src : 0, off: 0, imm: x ? 0 : imm }, to };
  });

const MEM_LEN = 64;
const memItem: fc.Arbitrary<Item> = fc
  .record({
    kind: fc.constantFrom("ldx", "ldxsx", "st", "stx", "atomic"),
    size: fc.constantFrom(O.BPF_B, O.BPF_H, O.BPF_W, O.BPF_DW),
    stack: fc.boolean(),
    memOff: fc.integer({ min: -4, max: MEM_LEN + 4 }),
    stackOff: fc.integer({ min: -530, max: 8 }),
    reg: fc.integer({ min: 0, max: 9 }),
    imm,
    aop: fc.constantFrom(0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1, 0x100, 0x110),
  })
  .map(({ kind, size, stack, memOff, stackOff, reg, imm, aop }): Item => {
    const base = stack ? 10 : 1;
    const off = stack ? stackOff : memOff;
    const dst = reg === 1 ? 2 : reg; // keep r1 the buffer pointer
    switch (kind) {
      case "ldx": return { k: "insn", insn: b.ldx(size, dst, base, off) };
      case "ldxsx": return { k: "insn", insn: size === O.BPF_DW ? b.ldx(size, dst, base, off) : b.ldxsx(size, dst, base, off) };
      case "st": return { k: "insn", insn: b.st(size, base, off, imm) };
      case "stx": return { k: "insn", insn: b.stx(size, base, reg, off) };
      default: {
        const sz = aop >= 0x100 ? size : size === O.BPF_DW ? O.BPF_DW : O.BPF_W;
        if (aop === 0x100) return { k: "insn", insn: b.atomic(sz, aop, dst, base, off) }; // load-acquire reads via src
        return { k: "insn", insn: b.atomic(sz, aop, base, reg, off) };
      }
    }
  });

const callItem: fc.Arbitrary<Item> = fc.nat({ max: 3 }).map((fn) => ({ k: "call", fn }));

/** Lays out main body + fold + exit, then each subprogram body + exit; resolves jumps and calls. */
function layout(init: bigint[], main: Item[], subs: Item[][], initR1 = true): Instruction[] {
  const prologue = init.map((v, r) => b.ldImm64(r, v)).filter((_, r) => !(initR1 && r === 1));
  const fold: Instruction[] = [];
  for (let r = 2; r <= 9; r++) fold.push(b.alu64Imm(0x20, 0, 31), b.alu64Reg(0xa0, 0, r));
  const bodies = [main, ...subs];
  // Slot position of each body start (prologue lddw take two slots each).
  let pos = prologue.length * 2;
  const starts: number[] = [];
  bodies.forEach((body, i) => {
    starts.push(pos);
    pos += body.length + (i === 0 ? fold.length : 0) + 1;
  });
  const out: Instruction[] = [...prologue];
  bodies.forEach((body, i) => {
    const start = starts[i]!;
    body.forEach((it, j) => {
      const here = start + j;
      if (it.k === "insn") out.push(it.insn);
      else if (it.k === "jmp") {
        const target = start + (it.to % (body.length + 1)); // anywhere in the body, or its tail
        const rel = target - here - 1;
        out.push(it.insn.op === 0x06 ? { ...it.insn, imm: rel } : { ...it.insn, off: rel });
      } else {
        const fn = starts[1 + (it.fn % Math.max(1, subs.length))];
        out.push(fn === undefined ? b.mov64Imm(0, 0) : b.callLocal(fn - here - 1));
      }
    });
    if (i === 0) out.push(...fold);
    out.push(b.exit());
  });
  return out;
}

type Outcome = { r0: bigint; steps: number; memory: number[] } | { code: string; pc: number; message: string };
function outcome(f: () => { r0: bigint; steps: number; memory: Uint8Array }): Outcome {
  try {
    const r = f();
    return { r0: r.r0, steps: r.steps, memory: [...r.memory] };
  } catch (e) {
    if (e instanceof VmError) return { code: e.code, pc: e.pc, message: e.message };
    throw e;
  }
}

function compare(insns: Instruction[], opts: ExecuteOptions = {}): void {
  const ref = outcome(() => execute(insns, opts));
  expect(outcome(() => executeJit(insns, opts))).toEqual(ref);
  if ("r0" in ref) {
    expect(outcome(() => executeJit(insns, { ...opts, checked: false, budgetMode: "exact" }))).toEqual(ref);
    // as verified programs run: no budget, so nothing counted
    expect(outcome(() => executeJit(insns, { ...opts, checked: false }))).toEqual({ ...ref, steps: 0 });
  }
}

const budget = fc.oneof(fc.constant(3000), fc.integer({ min: 0, max: 120 }));
const inits = fc.array(value, { minLength: 10, maxLength: 10 });

describe("JIT against the interpreter on random programs", () => {
  it("random ALU sequences", () => {
    fc.assert(
      fc.property(inits, fc.array(aluInsn([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), { minLength: 1, maxLength: 16 }), (init, body) => {
        compare(layout(init, body.map((insn) => ({ k: "insn", insn })), [], false));
      }),
      { numRuns: 1500 },
    );
  });

  it("random jumps (forward, backward, may_goto) over ALU instructions, with small budgets", () => {
    const item = fc.oneof({ arbitrary: aluInsn([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).map((insn): Item => ({ k: "insn", insn })), weight: 3 }, { arbitrary: jmpItem, weight: 1 });
    fc.assert(
      fc.property(inits, fc.array(item, { minLength: 1, maxLength: 24 }), budget, (init, body, budget) => {
        compare(layout(init, body, [], false), { budget });
      }),
      { numRuns: 1500 },
    );
  });

  it("random loads, stores and atomics on a buffer and the stack, with jumps", () => {
    const item = fc.oneof(
      { arbitrary: aluInsn([0, 2, 3, 4, 5, 6, 7, 8, 9]).map((insn): Item => ({ k: "insn", insn })), weight: 2 },
      { arbitrary: memItem, weight: 3 },
      { arbitrary: jmpItem, weight: 1 },
    );
    const mem = fc.uint8Array({ minLength: MEM_LEN, maxLength: MEM_LEN });
    fc.assert(
      fc.property(inits, fc.array(item, { minLength: 1, maxLength: 24 }), mem, budget, (init, body, memory, budget) => {
        compare(layout(init, body, []), { memory, budget });
      }),
      { numRuns: 1500 },
    );
  });

  it("random bpf-to-bpf calls (recursion included) with stack traffic in every frame", () => {
    const item = fc.oneof(
      { arbitrary: aluInsn([0, 2, 3, 4, 5, 6, 7, 8, 9]).map((insn): Item => ({ k: "insn", insn })), weight: 3 },
      { arbitrary: memItem, weight: 2 },
      { arbitrary: jmpItem, weight: 1 },
      { arbitrary: callItem, weight: 1 },
    );
    const body = fc.array(item, { minLength: 1, maxLength: 12 });
    const mem = fc.uint8Array({ minLength: MEM_LEN, maxLength: MEM_LEN });
    fc.assert(
      fc.property(inits, body, fc.array(body, { minLength: 1, maxLength: 3 }), mem, budget, (init, main, subs, memory, budget) => {
        compare(layout(init, main, subs), { memory, budget });
      }),
      { numRuns: 1000 },
    );
  });
});
