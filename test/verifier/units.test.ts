/**
 * Unit and property tests of the abstract domain: tnum operations and scalar bounds must contain
 * every concrete result (soundness), and the structure checks give the kernel's messages.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { constReg, copyReg, refineCondOp, regBoundsSync, regBoundsSyncFull, syncIsIdentity, scalarAlu, scalarBranchTaken, scalarUnknown, JGT, JLE, JSGT } from "../../src/verifier/bounds.js";
import { verify } from "../../src/verifier/index.js";
import { tnumAdd, tnumAnd, tnumIn, tnumMul, tnumOr, tnumRange, tnumSub, tnumXor, tnumConst, type Tnum } from "../../src/verifier/tnum.js";
import type { Reg } from "../../src/verifier/types.js";

const M = (1n << 64n) - 1n;
const u64 = fc.bigInt({ min: 0n, max: M });

/** A tnum and one value it contains. */
const tnumWithMember = fc.tuple(u64, u64, u64).map(([v, m, pick]) => {
  const mask = m;
  const value = v & ~mask & M;
  return { t: { value, mask } as Tnum, x: value | (pick & mask) };
});

const contains = (t: Tnum, x: bigint): boolean => tnumIn(t, tnumConst(x));

describe("tnum operations are sound", () => {
  const ops: [string, (a: Tnum, b: Tnum) => Tnum, (a: bigint, b: bigint) => bigint][] = [
    ["add", tnumAdd, (a, b) => (a + b) & M],
    ["sub", tnumSub, (a, b) => (a - b) & M],
    ["and", tnumAnd, (a, b) => a & b],
    ["or", tnumOr, (a, b) => a | b],
    ["xor", tnumXor, (a, b) => a ^ b],
    ["mul", tnumMul, (a, b) => (a * b) & M],
  ];
  for (const [name, op, conc] of ops) {
    it(name, () => {
      fc.assert(fc.property(tnumWithMember, tnumWithMember, (a, b) => contains(op(a.t, b.t), conc(a.x, b.x))), { numRuns: 300 });
    });
  }
  it("range", () => {
    fc.assert(fc.property(u64, u64, u64, (a, b, p) => {
      const [lo, hi] = a < b ? [a, b] : [b, a];
      const x = lo + (p % (hi - lo + 1n));
      return contains(tnumRange(lo, hi), x);
    }));
  });
});

/** A scalar with bounds [lo, hi] (unsigned) and a member. */
const scalarWithMember = fc.tuple(fc.bigInt({ min: 0n, max: 1n << 20n }), fc.bigInt({ min: 0n, max: 1n << 20n }), fc.bigInt({ min: 0n, max: M })).map(([a, b, p]) => {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  const r = scalarUnknown();
  r.umin = lo;
  r.umax = hi;
  regBoundsSync(r);
  return { r, x: lo + (p % (hi - lo + 1n)) };
});

function admits(r: Reg, x: bigint): boolean {
  const s = BigInt.asIntN(64, x);
  const x32 = x & 0xffffffffn;
  const s32 = BigInt.asIntN(32, x);
  return x >= r.umin && x <= r.umax && s >= r.smin && s <= r.smax && x32 >= r.u32min && x32 <= r.u32max && s32 >= r.s32min && s32 <= r.s32max && contains(r.varOff, x);
}

describe("scalar ALU bounds are sound", () => {
  const ops: [string, number, (a: bigint, b: bigint) => bigint][] = [
    ["add", 0x00, (a, b) => (a + b) & M],
    ["sub", 0x10, (a, b) => (a - b) & M],
    ["mul", 0x20, (a, b) => (a * b) & M],
    ["and", 0x50, (a, b) => a & b],
    ["or", 0x40, (a, b) => a | b],
    ["xor", 0xa0, (a, b) => a ^ b],
  ];
  for (const [name, op, conc] of ops) {
    it(name, () => {
      fc.assert(fc.property(scalarWithMember, scalarWithMember, (a, b) => {
        const d = copyReg(a.r);
        scalarAlu(d, copyReg(b.r), op, false);
        return admits(d, conc(a.x, b.x));
      }), { numRuns: 300 });
    });
  }
  it("lsh/rsh by constants", () => {
    fc.assert(fc.property(scalarWithMember, fc.integer({ min: 0, max: 63 }), (a, k) => {
      const l = copyReg(a.r);
      scalarAlu(l, constReg(BigInt(k)), 0x60, false);
      const r = copyReg(a.r);
      scalarAlu(r, constReg(BigInt(k)), 0x70, false);
      return admits(l, (a.x << BigInt(k)) & M) && admits(r, a.x >> BigInt(k));
    }));
  });
});

describe("reg_bounds_sync shortcut", () => {
  // regBoundsSync skips the computation when syncIsIdentity says it is a fixed point: check that
  // the full computation really leaves such registers unchanged, and that the shortcut fires.
  const same = (a: Reg, b: Reg): boolean =>
    a.varOff.value === b.varOff.value && a.varOff.mask === b.varOff.mask && a.umin === b.umin && a.umax === b.umax && a.smin === b.smin && a.smax === b.smax && a.u32min === b.u32min && a.u32max === b.u32max && a.s32min === b.s32min && a.s32max === b.s32max;
  const edge = fc.constantFrom(0n, 1n, M, M - 1n, 1n << 63n, (1n << 63n) - 1n, 1n << 31n, (1n << 31n) - 1n, 1n << 32n, (1n << 32n) - 1n, 0x8000_0000_7fff_ffffn);
  it("constants and the unknown scalar are fixed points", () => {
    fc.assert(fc.property(fc.oneof(u64, edge), (v) => {
      const r = constReg(v);
      expect(syncIsIdentity(r)).toBe(true);
      const full = copyReg(r);
      regBoundsSyncFull(full);
      expect(same(full, r)).toBe(true);
    }), { numRuns: 500 });
    const u = scalarUnknown();
    expect(syncIsIdentity(u)).toBe(true);
    const full = copyReg(u);
    regBoundsSyncFull(full);
    expect(same(full, u)).toBe(true);
  });
  it("the shortcut agrees with the full computation on arbitrary registers", () => {
    fc.assert(fc.property(scalarWithMember, fc.oneof(u64, edge), fc.boolean(), ({ r }, v, asConst) => {
      const a = asConst ? constReg(v) : copyReg(r);
      if (asConst) a.umax = v === M ? M : v + 1n; // inconsistent: must not take the shortcut
      const b = copyReg(a);
      regBoundsSync(a);
      regBoundsSyncFull(b);
      expect(same(a, b)).toBe(true);
    }), { numRuns: 500 });
  });
});

describe("tnumIn shortcuts", () => {
  // The kernel's definition, without the constant / unknown exits.
  const ref = (a: Tnum, b: Tnum): boolean => (b.mask & ~a.mask) === 0n && a.value === (b.value & ~a.mask);
  const anyTnum = fc.tuple(u64, u64).map(([v, m]) => ({ value: v & ~m, mask: m }));
  const special = fc.oneof(anyTnum, u64.map((v) => tnumConst(v)), fc.constant({ value: 0n, mask: M }));
  it("agrees with the definition", () => {
    fc.assert(fc.property(special, special, (a, b) => tnumIn(a, b) === ref(a, b)), { numRuns: 1000 });
    fc.assert(fc.property(u64, (v) => tnumIn(tnumConst(v), tnumConst(v))));
  });
});

describe("branch refinement is sound", () => {
  it("unsigned and signed comparisons", () => {
    for (const op of [JGT, JLE, JSGT]) {
      fc.assert(fc.property(scalarWithMember, fc.bigInt({ min: 0n, max: 1n << 21n }), (a, k) => {
        const holds = op === JGT ? a.x > k : op === JLE ? a.x <= k : BigInt.asIntN(64, a.x) > k;
        const pred = scalarBranchTaken(a.r, constReg(k), op, false);
        if (pred === 1 && !holds) return false;
        if (pred === 0 && holds) return false;
        if (!holds) return true;
        const r = copyReg(a.r);
        refineCondOp(r, constReg(k), op, false);
        regBoundsSync(r);
        return admits(r, a.x);
      }));
    }
  });
});

describe("structure checks", () => {
  const msg = (asm: string, unprivileged = false): string | undefined =>
    verify({ insns: assemble(asm), progType: "socket_filter" }, { unprivileged }).error?.message;
  it("reports the kernel's messages", () => {
    expect(msg("r0 = 0")).toBe("last insn is not an exit or jmp");
    expect(msg("r0 = 0\nexit\nr0 = 1\nexit")).toBe("unreachable insn 2");
    expect(msg("r0 = 0\nif r0 == 0 goto +5\nexit")).toBe("jump out of range from insn 1 to 7");
    expect(msg("r0 = 0\nr1 = 0\nr1 += 1\nif r1 < 4 goto -2\nexit", true)).toBe("back-edge from insn 3 to 2");
    expect(msg("r0 = 0\nr1 = 0\nr1 += 1\nif r1 < 4 goto -2\nexit")).toBeUndefined();
    expect(msg("call pc+1\nexit\nr0 = 0\nexit")).toBeUndefined();
    expect(msg("call pc+1\nexit\nexit")).toBe("R0 !read_ok");
  });
  it("adds a source line and a hint", () => {
    const r = verify({ insns: assemble("r0 = *(u32 *)(r2 + 0)\nexit"), progType: "socket_filter" });
    expect(r.ok).toBe(false);
    expect(r.error?.message).toBe("R2 !read_ok");
    expect(r.error?.hint).toMatch(/initialise/);
  });
  it("enforces the bpf-to-bpf frame limit", () => {
    const chain = Array.from({ length: 9 }, (_, i) => (i < 8 ? `call pc+1\nexit` : "r0 = 0\nexit")).join("\n");
    expect(msg(`r0 = 0\n${chain}`)).toBeDefined();
  });
});

describe("level-2 'Live regs before insn' listing", () => {
  // Recorded from Linux 6.18.44 at log level 2 (two loops: the later one is numbered first).
  const KERNEL = `Live regs before insn:
      0: .......... (b4) w6 = 10
  2   1: ......6... (04) w6 += -1
  2   2: ......6... (56) if w6 != 0x0 goto pc-2
      3: .......... (b4) w6 = 5
  1   4: ......6... (04) w6 += -1
  1   5: ......6... (56) if w6 != 0x0 goto pc-2
      6: .......... (b4) w0 = 0
      7: 0......... (95) exit
`;
  it("numbers loops (SCCs) and lists live registers as the kernel does", () => {
    const insns = assemble("w6 = 10\nw6 += -1\nif w6 != 0 goto -2\nw6 = 5\nw6 += -1\nif w6 != 0 goto -2\nw0 = 0\nexit");
    const log = verify({ insns, progType: "socket_filter" }, { logLevel: 2 }).log;
    expect(log.slice(log.indexOf("Live regs"), log.indexOf("0: R1=ctx()"))).toBe(KERNEL);
  });
  it("LD_ABS reads every register, as compute_insn_live_regs's default", () => {
    const insns = assemble("r6 = r1\nr0 = *(u8 *)skb[12]\nexit");
    const log = verify({ insns, progType: "socket_filter" }, { logLevel: 2 }).log;
    expect(log).toContain("      1: 0123456789 (30) r0 = *(u8 *)skb[12]");
  });
});
