/**
 * A seeded generator of random programs the kernel verifier accepts, for differential testing.
 *
 * Shape of a generated program (the "body", run as-is by the interpreter with r1 = memory and,
 * behind an XDP prolog that sets r1 = packet data, by the kernel):
 *
 *   r9 = r1                      packet/memory pointer, never changed in main
 *   init r0–r8, stack slots      every register and slot read later is written first
 *   random items                 ALU/ALU64 (all ops, sdiv/smod, movsx, neg, end/bswap), lddw,
 *                                JMP/JMP32 forward jumps (all conditions, ja, gotol), stack and
 *                                packet loads/stores of every size (incl. sign-extending loads),
 *                                atomics on the stack, bpf-to-bpf calls
 *   epilogue                     r0–r8 and the stack area stored into the packet; exit
 *   subprograms                  init r0, r6–r9 and own stack; random items; exit
 *
 * Programs are kept as items with symbolic jump targets so the shrinker can drop items and
 * re-resolve offsets.
 */
import type { Instruction } from "../isa/instruction.js";
import * as O from "../isa/opcodes.js";
import { splitImm64 } from "../isa/instruction.js";

// ---------------------------------------------------------------- random numbers

/** sfc32 seeded through splitmix32: fast, deterministic, good enough for fuzzing. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 8; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 0x100000000) * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }

  i32(): number {
    return this.u32() | 0;
  }

  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
}

// ---------------------------------------------------------------- program items

/** Where a jump or call goes: an item id, or the end of the function (epilogue / final exit). */
export const END = -1;

export type Item =
  /**
   * `keep`: never dropped by the shrinker. Main's register init and every stack init: without them
   * the kernel (as root) would read the prolog's registers or stale stack bytes, the interpreter zeros.
   */
  | { id: number; kind: "insn"; insn: Instruction; keep?: boolean }
  | { id: number; kind: "jump"; insn: Instruction; target: number }
  | { id: number; kind: "call"; func: number };

export interface Func {
  items: Item[];
}

export interface GeneratedProgram {
  /** funcs[0] is main's random part; the rest are subprograms. */
  funcs: Func[];
  /** Bytes of main's stack that are initialised and dumped (a multiple of 8). */
  stackBytes: number;
  /** Initial packet/memory. */
  memory: Uint8Array;
}

export const REG_DUMP_AT = 0; // r0–r8: 72 bytes
export const STACK_DUMP_AT = 72;
export const MAIN_STACK = 64;
export const SCRATCH_AT = STACK_DUMP_AT + MAIN_STACK; // 136
export const SCRATCH_BYTES = 64;
export const PACKET_BYTES = SCRATCH_AT + SCRATCH_BYTES; // 200
const SUB_STACK = 32;

const I = (op: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ op, dst, src, off, imm });

const EDGE32 = [0, 1, -1, 2, -2, 0x7fffffff, -0x80000000, 0x7ffffffe, -0x7fffffff, 0xffff, 0x8000, 0x7f, 0x80, 0xff, 31, 32, 63, 64];
const EDGE64 = [
  0n,
  1n,
  -1n,
  2n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  -0x80000000n,
  0x7fffffffffffffffn,
  -0x8000000000000000n,
  0x8000000000000000n - 1n,
  0xffffffff00000000n,
  0x00000000ffff8000n,
  0x8000n,
  0x80n,
];

function imm32(r: Rng): number {
  return r.chance(0.6) ? r.pick(EDGE32) : r.chance(0.5) ? r.int(256) - 128 : r.i32();
}

function value64(r: Rng): bigint {
  return r.chance(0.6) ? BigInt.asUintN(64, r.pick(EDGE64)) : r.chance(0.3) ? BigInt(r.int(64)) : r.u64();
}

const ALU_OPS = [O.BPF_ADD, O.BPF_SUB, O.BPF_MUL, O.BPF_DIV, O.BPF_OR, O.BPF_AND, O.BPF_LSH, O.BPF_RSH, O.BPF_NEG, O.BPF_MOD, O.BPF_XOR, O.BPF_MOV, O.BPF_ARSH, O.BPF_END];
const JMP_OPS = [O.BPF_JEQ, O.BPF_JGT, O.BPF_JGE, O.BPF_JSET, O.BPF_JNE, O.BPF_JSGT, O.BPF_JSGE, O.BPF_JLT, O.BPF_JLE, O.BPF_JSLT, O.BPF_JSLE];
const SIZES = [O.BPF_B, O.BPF_H, O.BPF_W, O.BPF_DW];
const ATOMIC_OPS = [O.BPF_ADD, O.BPF_OR, O.BPF_AND, O.BPF_XOR, O.BPF_ADD | O.BPF_FETCH, O.BPF_OR | O.BPF_FETCH, O.BPF_AND | O.BPF_FETCH, O.BPF_XOR | O.BPF_FETCH, O.BPF_XCHG, O.BPF_CMPXCHG];

/** Generation context of one function. */
interface Ctx {
  r: Rng;
  nextId: () => number;
  /** Registers the random part may use. */
  regs: number[];
  /** Bytes of this frame's stack that are initialised. */
  stack: number;
  /** Whether packet accesses through r9 are allowed (main only). */
  packet: boolean;
  /** Subprogram indices callable from here. */
  callees: number[];
}

function aluItem(c: Ctx): Instruction[] {
  const { r } = c;
  const is64 = r.chance(0.55);
  const cls = is64 ? O.BPF_ALU64 : O.BPF_ALU;
  const op = r.pick(ALU_OPS);
  const dst = r.pick(c.regs);
  const src = r.pick(c.regs);
  const useReg = r.chance(0.5);
  switch (op) {
    case O.BPF_NEG:
      return [I(cls | O.BPF_NEG | O.BPF_K, dst)];
    case O.BPF_END: {
      const bits = r.pick([16, 32, 64]);
      if (is64) return [I(O.BPF_ALU64 | O.BPF_END | O.BPF_K, dst, 0, 0, bits)]; // bswap
      return [I(O.BPF_ALU | O.BPF_END | (r.chance(0.5) ? O.BPF_TO_BE : O.BPF_TO_LE), dst, 0, 0, bits)];
    }
    case O.BPF_MOV: {
      if (useReg && r.chance(0.5)) {
        // movsx: ALU64 sign-extends 8/16/32 bits, ALU 8/16 bits.
        const off = is64 ? r.pick([8, 16, 32]) : r.pick([8, 16]);
        return [I(cls | O.BPF_MOV | O.BPF_X, dst, src, off)];
      }
      return [useReg ? I(cls | O.BPF_MOV | O.BPF_X, dst, src) : I(cls | O.BPF_MOV | O.BPF_K, dst, 0, 0, imm32(r))];
    }
    case O.BPF_LSH:
    case O.BPF_RSH:
    case O.BPF_ARSH: {
      if (useReg) return [I(cls | op | O.BPF_X, dst, src)];
      return [I(cls | op | O.BPF_K, dst, 0, 0, r.int(is64 ? 64 : 32))]; // the verifier rejects out-of-range shift immediates
    }
    case O.BPF_DIV:
    case O.BPF_MOD: {
      const off = r.chance(0.4) ? 1 : 0; // sdiv / smod
      if (useReg) return [I(cls | op | O.BPF_X, dst, src, off)];
      let imm = imm32(r);
      if (imm === 0) imm = r.pick([1, -1, 3, 7, -0x80000000]); // div/mod by an immediate zero is rejected
      return [I(cls | op | O.BPF_K, dst, 0, off, imm)];
    }
    default:
      return [useReg ? I(cls | op | O.BPF_X, dst, src) : I(cls | op | O.BPF_K, dst, 0, 0, imm32(r))];
  }
}

function lddw(dst: number, v: bigint): Instruction {
  const { imm, imm2 } = splitImm64(v);
  return { op: O.OP_LDDW, dst, src: 0, off: 0, imm, imm2 };
}

/** An aligned stack offset (negative) inside the initialised area for an access of `bytes`. */
function stackOff(c: Ctx, bytes: number, area = c.stack): number {
  const slots = area / bytes;
  return -(1 + c.r.int(slots)) * bytes;
}

/** Offset inside the atomic slots (the last ATOMIC_BYTES of main's stack area). */
function atomicOff(c: Ctx, bytes: number): number {
  return -(c.stack - ATOMIC_BYTES) + stackOff(c, bytes, ATOMIC_BYTES);
}

function memItem(c: Ctx): Instruction[] {
  const { r } = c;
  const sizeCode = r.pick(SIZES);
  const bytes = O.sizeBytes(sizeCode);
  const reg = r.pick(c.regs);
  const onPacket = c.packet && r.chance(0.3);
  const base = onPacket ? 9 : 10;
  const kind = r.int(3);
  // Loads read any slot; stores keep off the atomic slots (see ATOMIC_BYTES).
  const off = onPacket ? SCRATCH_AT + bytes * r.int(SCRATCH_BYTES / bytes) : stackOff(c, bytes, kind === 0 || !c.packet ? c.stack : c.stack - ATOMIC_BYTES);
  if (kind === 0) {
    // load, sign-extending for B/H/W half of the time
    const sx = sizeCode !== O.BPF_DW && r.chance(0.5);
    return [I(O.BPF_LDX | (sx ? O.BPF_MEMSX : O.BPF_MEM) | sizeCode, reg, base, off)];
  }
  if (kind === 1) return [I(O.BPF_STX | O.BPF_MEM | sizeCode, base, reg, off)];
  return [I(O.BPF_ST | O.BPF_MEM | sizeCode, base, 0, off, imm32(r))];
}

/**
 * Linux 6.18 on x86-64 loses the zero-extension of r0 after a 32-bit cmpxchg whose compare
 * succeeded when the only 64-bit read of r0 is on a path the verifier prunes (the zext is
 * inserted per instruction, only when an explored path reads all 64 bits). Minimal case:
 *   r0 = -1; *(u64 *)(r10 - 8) = -1; w0 = cmpxchg32(r10 - 8, w0, w0)
 *   if r6 < r1 goto +2; r0 = bswap32(r0); if w1 == w2 goto +0
 *   *(u64 *)(r9 + 0) = r0          → kernel stores 0xffffffffffffffff, the ISA says 0x00000000ffffffff
 * A 64-bit read of r0 right after the cmpxchg (`if r0 == r0 goto +0`, a no-op) makes the
 * verifier insert the zext on every path, so generated programs test the interpreter, not this.
 */
/**
 * Atomics work on dedicated stack slots whose contents come from the packet, so the verifier
 * never knows them. Linux 6.18 does not carry precision back through an atomic fetch from a
 * stack slot holding a known constant: it then prunes a path as "safe" and removes code that
 * path runs as dead (seen as a skipped fetch_and). Minimal trigger, from a generated program:
 *   *(u64 *)(r10 -32) = r2 (const); if w7 > w3 goto +1; *(u64 *)(r10 -32) = 31;
 *   r5 = atomic64_fetch_add((u64 *)(r10 -32), r5); r7 >>= r5; if w8 >= w7 goto +1; <dead?>
 */
export const ATOMIC_BYTES = 16;

export const CMPXCHG32_ZEXT_GUARD: Instruction = I(O.BPF_JMP | O.BPF_JEQ | O.BPF_X, 0, 0, 0);

function atomicItem(c: Ctx): Instruction[] {
  const { r } = c;
  const sizeCode = r.chance(0.5) ? O.BPF_W : O.BPF_DW;
  const op = r.pick(ATOMIC_OPS);
  const src = r.pick(c.regs);
  const insn = I(O.BPF_STX | O.BPF_ATOMIC | sizeCode, 10, src, atomicOff(c, O.sizeBytes(sizeCode)), op);
  return op === O.BPF_CMPXCHG && sizeCode === O.BPF_W ? [insn, { ...CMPXCHG32_ZEXT_GUARD }] : [insn];
}

function jumpInsn(c: Ctx): Instruction {
  const { r } = c;
  const cls = r.chance(0.5) ? O.BPF_JMP : O.BPF_JMP32;
  const op = r.pick(JMP_OPS);
  const dst = r.pick(c.regs);
  if (r.chance(0.5)) return I(cls | op | O.BPF_X, dst, r.chance(0.15) ? dst : r.pick(c.regs));
  return I(cls | op | O.BPF_K, dst, 0, 0, imm32(r));
}

/** Generates `n` random items for one function; jumps get targets later in the same function. */
function randomItems(c: Ctx, n: number): Item[] {
  const { r } = c;
  const items: Item[] = [];
  const push = (insns: Instruction[]) => insns.forEach((insn) => items.push({ id: c.nextId(), kind: "insn", insn }));
  const jumps: Extract<Item, { kind: "jump" }>[] = [];
  /** Conditional jumps placed over a ja: they must land just past it, keeping what follows reachable. */
  const over = new Map<Item, Item>();
  while (items.length < n) {
    const k = r.int(100);
    if (k < 45) push(aluItem(c));
    else if (k < 50) push([lddw(r.pick(c.regs), value64(r))]);
    else if (k < 66) {
      const j: Item = { id: c.nextId(), kind: "jump", insn: jumpInsn(c), target: END };
      items.push(j);
      jumps.push(j);
    } else if (k < 69) {
      // ja/gotol, made reachable past it by a conditional jump over it.
      const cond: Extract<Item, { kind: "jump" }> = { id: c.nextId(), kind: "jump", insn: jumpInsn(c), target: END };
      const ja: Extract<Item, { kind: "jump" }> = {
        id: c.nextId(),
        kind: "jump",
        insn: r.chance(0.5) ? I(O.BPF_JMP | O.BPF_JA) : I(O.BPF_JMP32 | O.BPF_JA),
        target: END,
      };
      items.push(cond, ja);
      over.set(cond, ja);
      jumps.push(cond, ja);
    } else if (k < 85) push(memItem(c));
    else if (k < 93 && c.packet) {
      const [atomic, guard] = atomicItem(c);
      push([atomic!]);
      if (guard) items.push({ id: c.nextId(), kind: "insn", insn: guard, keep: true });
    }
    else if (c.callees.length > 0) {
      items.push({ id: c.nextId(), kind: "call", func: r.pick(c.callees) });
      // The verifier forgets r1–r5 after a call; set them again so later reads are valid.
      for (let reg = 1; reg <= 5; reg++) push([I(O.BPF_ALU64 | O.BPF_MOV | O.BPF_K, reg, 0, 0, imm32(r))]);
    } else push(aluItem(c));
  }
  // Forward targets: any later item, or the end.
  for (const j of jumps) {
    const at = items.indexOf(j);
    const ja = over.get(j);
    if (ja) {
      j.target = items[items.indexOf(ja) + 1]?.id ?? END;
      continue;
    }
    const t = at + 1 + r.int(Math.min(items.length - at, 12)); // items at+1 … the end
    j.target = items[t]?.id ?? END;
  }
  return items;
}

function initRegs(c: Ctx, regs: number[]): Item[] {
  const out: Item[] = [];
  for (const reg of regs) {
    const insn = c.r.chance(0.5) ? lddw(reg, value64(c.r)) : I((c.r.chance(0.5) ? O.BPF_ALU64 : O.BPF_ALU) | O.BPF_MOV | O.BPF_K, reg, 0, 0, imm32(c.r));
    out.push({ id: c.nextId(), kind: "insn", insn });
  }
  return out;
}

/** Main's atomic slots (the deepest ATOMIC_BYTES of its stack) get packet bytes, through r1 before r1 is set. */
function initAtomicSlots(c: Ctx): Item[] {
  const out: Item[] = [];
  for (let off = -c.stack; off < -c.stack + ATOMIC_BYTES; off += 8) {
    out.push({ id: c.nextId(), kind: "insn", insn: I(O.BPF_LDX | O.BPF_MEM | O.BPF_DW, 1, 9, SCRATCH_AT + c.r.int(SCRATCH_BYTES / 8) * 8) });
    out.push({ id: c.nextId(), kind: "insn", insn: I(O.BPF_STX | O.BPF_MEM | O.BPF_DW, 10, 1, off) });
  }
  return out;
}

function initStack(c: Ctx, bytes: number, regs: number[]): Item[] {
  const out: Item[] = [];
  for (let off = -8; off >= -bytes; off -= 8) {
    const insn = c.r.chance(0.5) ? I(O.BPF_ST | O.BPF_MEM | O.BPF_DW, 10, 0, off, imm32(c.r)) : I(O.BPF_STX | O.BPF_MEM | O.BPF_DW, 10, c.r.pick(regs), off);
    out.push({ id: c.nextId(), kind: "insn", insn });
  }
  return out;
}

function keep(items: Item[]): Item[] {
  return items.map((it) => (it.kind === "insn" ? { ...it, keep: true } : it));
}

export interface GenerateOptions {
  /** Random items in main (default 40). */
  length?: number;
  /** Subprograms (default: 0–2). */
  subprograms?: number;
}

export function generate(seed: number, options: GenerateOptions = {}): GeneratedProgram {
  const r = new Rng(seed);
  let id = 0;
  const nextId = () => id++;
  const nsub = options.subprograms ?? r.int(3);
  const length = options.length ?? 20 + r.int(40);
  const funcs: Func[] = [];
  const mainRegs = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const main: Ctx = { r, nextId, regs: mainRegs, stack: MAIN_STACK, packet: true, callees: Array.from({ length: nsub }, (_, i) => i + 1) };
  funcs.push({
    items: [...keep(initAtomicSlots(main)), ...keep(initRegs(main, mainRegs)), ...keep(initStack(main, MAIN_STACK - ATOMIC_BYTES, mainRegs)), ...randomItems(main, length)],
  });
  for (let s = 0; s < nsub; s++) {
    const sub: Ctx = { r, nextId, regs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], stack: SUB_STACK, packet: false, callees: [] };
    const init = initRegs(sub, [0, 6, 7, 8, 9]);
    funcs.push({ items: [...init, ...keep(initStack(sub, SUB_STACK, [0, 1, 2, 3, 4, 5])), ...randomItems(sub, 6 + r.int(14))] });
  }
  const memory = new Uint8Array(PACKET_BYTES);
  for (let i = 0; i < memory.length; i++) memory[i] = r.int(256);
  // A subprogram main never calls is unreachable code to the verifier: drop it.
  return withoutUnusedFuncs({ funcs, stackBytes: MAIN_STACK, memory });
}

/** Lays out items into instructions: main frame, main items, epilogue, then each subprogram. */
export function assembleProgram(p: GeneratedProgram): Instruction[] {
  const out: Instruction[] = [];
  // Each function: list of [instruction, item|undefined]; slots assigned after.
  type Slot = { insn: Instruction; item?: Item };
  const bodies: Slot[][] = p.funcs.map((f, fi) => {
    const slots: Slot[] = [];
    if (fi === 0) slots.push({ insn: I(O.BPF_ALU64 | O.BPF_MOV | O.BPF_X, 9, 1) });
    for (const item of f.items) slots.push({ insn: item.kind === "call" ? I(O.OP_CALL, 0, O.BPF_PSEUDO_CALL) : { ...item.insn }, item });
    const endAt = slots.length;
    if (fi === 0) {
      for (let reg = 0; reg <= 8; reg++) slots.push({ insn: I(O.BPF_STX | O.BPF_MEM | O.BPF_DW, 9, reg, REG_DUMP_AT + reg * 8) });
      for (let i = 0; i < p.stackBytes / 8; i++) {
        slots.push({ insn: I(O.BPF_LDX | O.BPF_MEM | O.BPF_DW, 1, 10, -8 * (i + 1)) });
        slots.push({ insn: I(O.BPF_STX | O.BPF_MEM | O.BPF_DW, 9, 1, STACK_DUMP_AT + 8 * i) });
      }
    }
    slots.push({ insn: I(O.OP_EXIT) });
    (slots as Slot[] & { endAt?: number }).endAt = endAt;
    return slots;
  });
  // Slot positions.
  const funcStart: number[] = [];
  const slotOf = new Map<number, number>();
  const endSlot: number[] = [];
  let pc = 0;
  bodies.forEach((slots, fi) => {
    funcStart[fi] = pc;
    slots.forEach((s, i) => {
      if (i === (slots as Slot[] & { endAt?: number }).endAt) endSlot[fi] = pc;
      if (s.item) slotOf.set(s.item.id, pc);
      pc += s.insn.op === O.OP_LDDW ? 2 : 1;
    });
  });
  bodies.forEach((slots, fi) => {
    for (const s of slots) {
      const item = s.item;
      if (!item || item.kind === "insn") {
        out.push(s.insn);
        continue;
      }
      const at = slotOf.get(item.id)!;
      if (item.kind === "call") {
        s.insn.imm = funcStart[item.func]! - at - 1;
      } else {
        const target = item.target === END ? endSlot[fi]! : (slotOf.get(item.target) ?? endSlot[fi]!);
        const rel = target - at - 1;
        if (s.insn.op === (O.BPF_JMP32 | O.BPF_JA)) s.insn.imm = rel;
        else s.insn.off = rel;
      }
      out.push(s.insn);
    }
  });
  return out;
}

/** Removes items (by id) and retargets jumps whose target went away to the next surviving item. */
export function withoutItems(p: GeneratedProgram, drop: ReadonlySet<number>): GeneratedProgram {
  const funcs = p.funcs.map((f) => {
    const kept = f.items.filter((it) => !drop.has(it.id));
    const items = kept.map((it): Item => {
      if (it.kind !== "jump" || it.target === END || !drop.has(it.target)) return it;
      const all = f.items;
      let k = all.findIndex((x) => x.id === it.target);
      while (k < all.length && drop.has(all[k]!.id)) k++;
      return { ...it, target: all[k]?.id ?? END };
    });
    return { items };
  });
  return { ...p, funcs };
}

/** Drops subprograms no call refers to any more (renumbering calls). */
export function withoutUnusedFuncs(p: GeneratedProgram): GeneratedProgram {
  const used = new Set<number>([0]);
  for (const f of p.funcs) for (const it of f.items) if (it.kind === "call") used.add(it.func);
  if (used.size === p.funcs.length) return p;
  const map = new Map<number, number>();
  const funcs: Func[] = [];
  p.funcs.forEach((f, i) => {
    if (!used.has(i)) return;
    map.set(i, funcs.length);
    funcs.push(f);
  });
  return {
    ...p,
    funcs: funcs.map((f) => ({ items: f.items.map((it) => (it.kind === "call" ? { ...it, func: map.get(it.func)! } : it)) })),
  };
}
