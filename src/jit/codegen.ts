/**
 * eBPF → WebAssembly code generation: one wasm function per eBPF function (see cfg.ts), registers
 * r0–r9 as i64 parameters/locals, r10 derived from the call depth, the runtime's memory imported.
 *
 * Calling convention of every compiled function: (r0..r9: i64, depth: i32, budget: i64) →
 * (r0..r5, budget). Callees see the caller's registers and hand back r0–r5, exactly as the
 * interpreter's shared register file behaves; r6–r9 and r10 come back unchanged because they
 * are the caller's own locals.
 *
 * Everything that leaves wasm (helpers, faults, budget exhaustion, tail calls) goes through four
 * imports; registers and the budget cross through a scratch area in the shared memory, so no
 * BigInt is created on any call between wasm and JS.
 */
import { EbpfError } from "../errors.js";
import { BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_STACK_SIZE, MAX_CALL_FRAMES } from "../isa/opcodes.js";
import { FUNC_PTR_HI, type ProgramImage } from "../vm/image.js";
import { PERM_READ, PERM_RW } from "../vm/memory.js";
import { analyze, buildCfg, functionEntries, leaders, width, type Block, type FuncCfg } from "./cfg.js";
import { emitDispatch, emitStructured, type BlockEmitter } from "./structure.js";
import { Code, encodeModule, I32, I64, Op, type FuncDef } from "./wasm.js";

/** Scratch area layout (byte offsets from JitLayout.scratch). */
export const SCR_BUDGET = 0; // i64 remaining instruction budget
export const SCR_MAY_GOTO = 8; // i32 may_goto allowance left
export const SCR_PKT_LEN = 12; // i32 packet length, -1 without a packet
export const SCR_PKT_START = 16; // i32 packet address
export const SCR_CACHE_START = 20; // u32 region start reported by the checker
export const SCR_CACHE_LIM = 24; // u32 region size - 8
export const SCR_REGS = 32; // r0..r10, i64 each
export const SCRATCH_SIZE = SCR_REGS + 11 * 8;

/** Import indices. */
const IMP_CHECK = 0; // (lo, hi, size, perm, pc) → cacheable; throws on a fault
const IMP_HELPER = 1; // (id, pc, depth)
const IMP_TAIL = 2; // (pc, depth) → 0 fell through, 1 tail-called, 2 ran helper 12
const IMP_TRAP = 3; // (kind, pc, a, b, c), always throws
const IMP_LOOKUP = 4; // (map, key, pc) → value address, 0, or -1: take the helper's own path
const N_IMPORTS = 5;

/** Trap kinds for IMP_TRAP. */
export const enum Trap {
  Budget = 1, // pc = segment start, a = instructions the budget still allowed in it
  LdAbs = 2, // pc
  Depth = 3, // pc, a = depth
  Callx = 4, // pc, a = register, b/c = its lo/hi
  Target = 5, // pc = call site (-1 from the host), a = target pc
  FallOff = 6, // pc
  Kfunc = 7, // pc, a = btf id
  Opcode = 8, // pc, a = opcode
}

const T_FN = 0;
const T_DISPATCH = 1;
const T_ENTRY = 2;
const T_RUN = 8;
const FN_PARAMS = [I64, I64, I64, I64, I64, I64, I64, I64, I64, I64, I32, I64];
const FN_RESULTS = [I64, I64, I64, I64, I64, I64, I64];

// Locals of a compiled function.
const DEPTH = 10;
const BUDGET = 11;
const R10 = 12;
const ADDR = 13;
const RS = 14; // read-cache region start
const RL = 15; // read-cache region size - 8
const WS = 16; // write-cache (read/write region) start
const WL = 17;
const T1 = 18;
const T32 = 20;
const LABEL = 21;
const RS2 = 22; // second read-cache entry (start, size - 8)
const RL2 = 23;
const WS2 = 24; // second write-cache entry
const WL2 = 25;
const reg = (r: number) => (r === 10 ? R10 : r);
/** V8's limit on br_table entries. */
const MAX_BR_TABLE = 65520;

export interface JitLayout {
  /** The engine's stack region: MAX_CALL_FRAMES frames of 512 bytes. */
  stackStart: number;
  stackEnd: number;
  /** Address of the engine's scratch area (SCRATCH_SIZE bytes, not accessible to programs). */
  scratch: number;
  /** Bounds- and permission-check every access (unverified programs). */
  checked: boolean;
  /**
   * Count executed instructions against the budget (exactly as the interpreter: same steps, E2BIG
   * at the same pc). Off only for verified programs (see JitOptions.budgetMode): nothing is counted.
   */
  counted: boolean;
}

/** A plain array map whose lookups are compiled inline (see MapLookupPlan). */
export interface InlineArray {
  /** The map's identity address (what lddw src=1 loads into r1). */
  identity: number;
  /** Address of element 0's value, the value stride, and the element count. */
  values: number;
  elemSize: number;
  maxEntries: number;
}

/**
 * How bpf_map_lookup_elem (helper 1) is compiled when it is the runtime's own: lookups in the
 * listed array maps with the key on the stack become a bounds check and address arithmetic in
 * wasm; other lookups with 32-bit operands call the `lookup` import (no HelperCall, no BigInt);
 * anything else (faults included) takes the helper's ordinary path.
 */
export interface MapLookupPlan {
  arrays: readonly InlineArray[];
}

export interface CompiledWasm {
  bytes: Uint8Array;
  /** Function entry pcs, in wasm function order. */
  entries: number[];
  /** How many functions used structured control flow and how many the dispatch loop. */
  structured: number;
  dispatched: number;
  /**
   * How many 512-byte frames, from the top of the stack, a run of this program can write when
   * it was verified (unchecked mode): frames of functions that never mention r10 stay untouched.
   * MAX_CALL_FRAMES when unknown (tail calls, callx, recursion).
   */
  dirtyFrames: number;
}

/** Conditional jump and two-operand ALU codes → wasm ops (64-bit, and [64, 32] for ALU). */
const CMP64: Record<number, Op> = {
    0x10: Op.i64_eq, 0x20: Op.i64_gt_u, 0x30: Op.i64_ge_u, 0x50: Op.i64_ne, 0x60: Op.i64_gt_s, 0x70: Op.i64_ge_s,
    0xa0: Op.i64_lt_u, 0xb0: Op.i64_le_u, 0xc0: Op.i64_lt_s, 0xd0: Op.i64_le_s,
  };
const CMP32: Record<number, Op> = {
    0x10: Op.i32_eq, 0x20: Op.i32_gt_u, 0x30: Op.i32_ge_u, 0x50: Op.i32_ne, 0x60: Op.i32_gt_s, 0x70: Op.i32_ge_s,
    0xa0: Op.i32_lt_u, 0xb0: Op.i32_le_u, 0xc0: Op.i32_lt_s, 0xd0: Op.i32_le_s,
  };
const BINARY: Record<number, [Op, Op]> = {
    0x00: [Op.i64_add, Op.i32_add], 0x10: [Op.i64_sub, Op.i32_sub], 0x20: [Op.i64_mul, Op.i32_mul],
    0x40: [Op.i64_or, Op.i32_or], 0x50: [Op.i64_and, Op.i32_and], 0x60: [Op.i64_shl, Op.i32_shl],
    0x70: [Op.i64_shr_u, Op.i32_shr_u], 0xa0: [Op.i64_xor, Op.i32_xor], 0xc0: [Op.i64_shr_s, Op.i32_shr_s],
  };

/** Loads, stores and atomics; with checks on they may fault, so they end a budget segment. */
function isMemOp(op: number): boolean {
  const c = op & 7;
  return c === 1 || c === 2 || c === 3;
}

/**
 * Instructions after which the budget must already be charged exactly: those that leave wasm
 * (calls, LD_ABS/LD_IND) and, in checked mode, accesses that may fault. An access through r10
 * inside the current frame cannot fault and only touches the stack, so it does not count.
 */
function endsSegment(image: ProgramImage, pc: number, checked: boolean): boolean {
  const op = image.op[pc]!;
  if (op === 0x85 || op === 0x8d) return true;
  if ((op & 7) === 0 && op !== 0x18) return true; // LD_ABS / LD_IND
  if (!checked || !isMemOp(op)) return false;
  const atomic = (op & 0xe0) === 0xc0;
  const base = (op & 7) === 1 || (atomic && image.imm[pc] === 0x100) ? image.src[pc]! : image.dst[pc]!;
  return !inFrame(base, image.off[pc]!, sizeOf(op));
}

/** r10 + off .. + size lies in the current 512-byte frame, whatever the call depth. */
function inFrame(base: number, off: number, size: number): boolean {
  return base === 10 && off >= -BPF_STACK_SIZE && off + size <= 0;
}

export function compileToWasm(image: ProgramImage, layout: JitLayout, lookup?: MapLookupPlan): CompiledWasm {
  const entries = functionEntries(image);
  const lead = leaders(image, entries);
  const fnIndex = new Map<number, number>();
  entries.forEach((pc, i) => fnIndex.set(pc, N_IMPORTS + i));
  const dispatchIndex = N_IMPORTS + entries.length;
  const funcs: FuncDef[] = [];
  let structured = 0;
  let dispatched = 0;
  const cfgs: FuncCfg[] = [];
  for (const entry of entries) {
    const g = new FunctionGen(image, layout, fnIndex, dispatchIndex, lookup);
    const cfg = buildCfg(image, entry, lead);
    cfgs.push(cfg);
    const an = analyze(cfg);
    let code: Code;
    if (an.reducible) {
      code = g.function((c, em) => emitStructured(cfg, an, c, em));
      structured++;
    } else {
      if (an.order.length > MAX_BR_TABLE) {
        throw new EbpfError("E2BIG", `function at pc ${entry} has irreducible control flow over ${an.order.length} blocks, too many for the JIT's dispatch loop`);
      }
      code = g.function((c, em) => emitDispatch(cfg, an, c, em, LABEL));
      dispatched++;
    }
    funcs.push({ type: T_FN, locals: [[8, I64], [2, I32], [4, I64]], code });
  }
  funcs.push({ type: T_DISPATCH, locals: [], code: dispatcher(entries) });
  funcs.push({ type: T_ENTRY, locals: [[7, I64]], code: entryFunction(layout.scratch, dispatchIndex), export: "entry" });
  funcs.push({ type: T_RUN, locals: [[7, I64]], code: runFunction(layout.scratch, layout.stackEnd), export: "run" });
  const bytes = encodeModule({
    types: [
      { params: FN_PARAMS, results: FN_RESULTS },
      { params: [...FN_PARAMS, I32, I32], results: FN_RESULTS },
      { params: [I32, I32], results: [] },
      { params: [I32, I32, I32, I32, I32], results: [I32] },
      { params: [I32, I32, I32], results: [] },
      { params: [I32, I32], results: [I32] },
      { params: [I32, I32, I32, I32, I32], results: [] },
      { params: [I32, I32, I32], results: [I32] },
      { params: [I32], results: [] },
    ],
    imports: [
      { name: "check", type: 3 },
      { name: "helper", type: 4 },
      { name: "tail", type: 5 },
      { name: "trap", type: 6 },
      { name: "lookup", type: 7 },
    ],
    memoryMinPages: 1,
    funcs,
  });
  return { bytes, entries, structured, dispatched, dirtyFrames: dirtyFrames(image, entries, cfgs) };
}

/**
 * Frames (from the top of the stack) a verified run can write: the deepest call chain that
 * reaches a function mentioning r10 (the only way a verified program gets a stack pointer; helpers
 * write the stack only through pointers they are given). Tail calls, callx and recursion give up.
 */
function dirtyFrames(image: ProgramImage, entries: readonly number[], cfgs: readonly FuncCfg[]): number {
  const index = new Map<number, number>();
  entries.forEach((pc, i) => index.set(pc, i));
  const callbacks: number[] = [];
  for (let pc = 0; pc < image.length; pc += width(image, pc)) {
    if (image.op[pc] === 0x18 && image.src[pc] === BPF_PSEUDO_FUNC) callbacks.push(index.get(image.imm[pc]!)!);
  }
  const uses = new Uint8Array(entries.length);
  const callees: Set<number>[] = entries.map(() => new Set<number>());
  for (let f = 0; f < entries.length; f++) {
    for (const b of cfgs[f]!.blocks) {
      for (let pc = b.start; pc < b.end; pc += width(image, pc)) {
        const op = image.op[pc]!;
        if (image.dst[pc] === 10 || image.src[pc] === 10) uses[f] = 1;
        if (op === 0x8d) return MAX_CALL_FRAMES;
        if (op !== 0x85) continue;
        const src = image.src[pc]!;
        if (src === BPF_PSEUDO_CALL) callees[f]!.add(index.get(pc + 1 + image.imm[pc]!)!);
        else if (src !== 0 || image.imm[pc] === 12) return MAX_CALL_FRAMES;
        else for (const c of callbacks) callees[f]!.add(c); // helpers may call back one frame deeper
      }
    }
  }
  const need = new Int32Array(entries.length).fill(-1); // -1 unknown, -2 on the DFS path
  const visit = (f: number): number => {
    if (need[f] === -2) return MAX_CALL_FRAMES; // recursion
    if (need[f]! >= 0) return need[f]!;
    need[f] = -2;
    let n = uses[f]!;
    for (const c of callees[f]!) {
      const m = visit(c);
      if (m > 0) n = Math.max(n, 1 + m);
    }
    return (need[f] = Math.min(n, MAX_CALL_FRAMES));
  };
  return visit(0);
}

/**
 * run(zeroBytes): a top-level run of the function at pc 0 — zeroes the top `zeroBytes` of the
 * stack (what the previous run may have written), r1–r5 and the budget in from the scratch area,
 * r0 and the budget out.
 */
function runFunction(scratch: number, stackEnd: number): Code {
  const c = new Code();
  c.get(0).if();
  c.i32(stackEnd).get(0).op(Op.i32_sub).i32(0).get(0).memoryFill();
  c.end();
  c.i64(0);
  for (let r = 1; r < 6; r++) c.i32(0).mem(Op.i64_load, 3, scratch + SCR_REGS + 8 * r);
  for (let r = 6; r < 10; r++) c.i64(0);
  c.i32(0).i32(0).mem(Op.i64_load, 3, scratch + SCR_BUDGET).call(N_IMPORTS);
  c.set(7); // budget
  for (let i = 5; i >= 1; i--) c.op(Op.drop);
  c.set(1); // r0
  c.i32(0).get(1).mem(Op.i64_store, 3, scratch + SCR_REGS);
  c.i32(0).get(7).mem(Op.i64_store, 3, scratch + SCR_BUDGET);
  return c;
}

/** dispatch(r0..r9, depth, budget, target, callPc): calls the function that starts at target. */
function dispatcher(entries: readonly number[]): Code {
  const c = new Code();
  entries.forEach((pc, i) => {
    c.get(12).i32(pc).op(Op.i32_eq).if();
    for (let l = 0; l < 12; l++) c.get(l);
    c.call(N_IMPORTS + i).op(Op.return).end();
  });
  c.i32(Trap.Target).get(13).get(12).i32(0).i32(0).call(IMP_TRAP).op(Op.unreachable);
  return c;
}

/** entry(target, depth): registers and budget in from the scratch area, r0–r5 and budget out. */
function entryFunction(scratch: number, dispatchIndex: number): Code {
  const c = new Code();
  for (let r = 0; r < 10; r++) c.i32(0).mem(Op.i64_load, 3, scratch + SCR_REGS + 8 * r);
  c.get(1).i32(0).mem(Op.i64_load, 3, scratch + SCR_BUDGET).get(0).i32(-1).call(dispatchIndex);
  for (let i = 6; i >= 0; i--) c.set(2 + i);
  for (let r = 0; r < 6; r++) c.i32(0).get(2 + r).mem(Op.i64_store, 3, scratch + SCR_REGS + 8 * r);
  c.i32(0).get(8).mem(Op.i64_store, 3, scratch + SCR_BUDGET);
  return c;
}

/** Generates one wasm function. */
class FunctionGen implements BlockEmitter {
  private c = new Code();
  private readonly stackStart: number;
  private readonly stackSize: number;
  private readonly scr: number;
  private readonly checked: boolean;
  private readonly counted: boolean;

  constructor(
    private readonly image: ProgramImage,
    layout: JitLayout,
    private readonly fnIndex: Map<number, number>,
    private readonly dispatchIndex: number,
    private readonly lookup: MapLookupPlan | undefined,
  ) {
    this.stackStart = layout.stackStart;
    this.stackSize = layout.stackEnd - layout.stackStart;
    this.scr = layout.scratch;
    this.checked = layout.checked;
    this.counted = layout.counted;
  }

  function(structure: (c: Code, em: BlockEmitter) => void): Code {
    const c = this.c;
    // r10 = top of this frame's 512 bytes.
    c.i64(this.stackStart + this.stackSize).get(DEPTH).op(Op.i64_extend_i32_u).i64(BPF_STACK_SIZE).op(Op.i64_mul).op(Op.i64_sub).set(R10);
    this.resetCaches();
    structure(c, this);
    c.op(Op.unreachable);
    return c;
  }

  private resetCaches(): void {
    if (!this.checked) return;
    // The stack is always mapped read/write, so it is a safe "empty" cache entry.
    const c = this.c;
    for (const [S, L] of [[RS, RL], [RS2, RL2], [WS, WL], [WS2, WL2]] as const) c.i64(this.stackStart).set(S).i64(this.stackSize - 8).set(L);
  }

  // ---- scratch traffic ----
  private storeReg(r: number): void {
    this.c.i32(0).get(reg(r)).mem(Op.i64_store, 3, this.scr + SCR_REGS + 8 * r);
  }
  private loadReg(r: number): void {
    this.c.i32(0).mem(Op.i64_load, 3, this.scr + SCR_REGS + 8 * r).set(reg(r));
  }
  private storeBudget(): void {
    this.c.i32(0).get(BUDGET).mem(Op.i64_store, 3, this.scr + SCR_BUDGET);
  }
  private loadBudget(): void {
    this.c.i32(0).mem(Op.i64_load, 3, this.scr + SCR_BUDGET).set(BUDGET);
  }
  private trap(kind: Trap, pc: number, a = 0, b = 0, c = 0): void {
    this.c.i32(kind).i32(pc).i32(a).i32(b).i32(c).call(IMP_TRAP).op(Op.unreachable);
  }

  // ---- BlockEmitter ----
  body(b: Block): void {
    const { image } = this;
    const c = this.c;
    if (b.kind === "falloff") {
      this.trap(Trap.FallOff, b.start);
      return;
    }
    let segStart = true;
    for (let pc = b.start; pc < b.end; pc += width(image, pc)) {
      if (segStart) {
        this.charge(pc, b.end);
        segStart = false;
      }
      const op = image.op[pc]!;
      if (op === 0x95) {
        for (let r = 0; r < 6; r++) c.get(r);
        c.get(BUDGET).op(Op.return);
        return;
      }
      if (pc === b.termPc && (b.kind === "jump" || b.kind === "cond")) return;
      this.insn(pc);
      if (endsSegment(image, pc, this.checked)) segStart = true;
    }
  }

  /**
   * Charges the instructions of the segment starting at pc (up to and including the next
   * instruction that leaves wasm or may fault) against the budget. Such instructions only ever
   * end a segment, so when the budget runs out inside one, nothing observable has happened yet
   * past the point where the interpreter would stop, and the host can name the exact pc.
   */
  private charge(pc: number, end: number): void {
    if (!this.counted) return;
    const { image } = this;
    let n = 0;
    for (let p = pc; p < end; p += width(image, p)) {
      n++;
      if (endsSegment(image, p, this.checked)) break;
    }
    const c = this.c;
    c.get(BUDGET).i64(n).op(Op.i64_sub).tee(BUDGET).i64(0).op(Op.i64_lt_s).if();
    c.i32(Trap.Budget).i32(pc).get(BUDGET).op(Op.i32_wrap_i64).i32(n).op(Op.i32_add).i32(0).i32(0).call(IMP_TRAP).op(Op.unreachable);
    c.end();
  }

  cond(b: Block): void {
    const pc = b.termPc;
    const { image } = this;
    const c = this.c;
    const op = image.op[pc]!;
    if (op === 0xe5) {
      // may_goto: taken once the run's allowance is used up, otherwise count it down.
      const a = this.scr + SCR_MAY_GOTO;
      c.i32(0).mem(Op.i32_load, 2, a).tee(T32).if();
      c.i32(0).get(T32).i32(1).op(Op.i32_sub).mem(Op.i32_store, 2, a);
      c.end();
      c.get(T32).op(Op.i32_eqz);
      return;
    }
    const is64 = (op & 7) === 5;
    const x = (op & 8) !== 0;
    const d = reg(image.dst[pc]!);
    const imm = image.imm[pc]!;
    c.get(d);
    if (!is64) c.op(Op.i32_wrap_i64);
    if (x) {
      c.get(reg(image.src[pc]!));
      if (!is64) c.op(Op.i32_wrap_i64);
    } else if (is64) c.i64(imm);
    else c.i32(imm);
    const code = op & 0xf0;
    if (code === 0x40) {
      if (is64) c.op(Op.i64_and).i64(0).op(Op.i64_ne);
      else c.op(Op.i32_and);
      return;
    }
    c.op((is64 ? CMP64 : CMP32)[code]!);
  }

  // ---- instructions ----
  private insn(pc: number): void {
    const { image } = this;
    const op = image.op[pc]!;
    switch (op & 7) {
      case 4:
      case 7:
        this.alu(pc);
        return;
      case 1: // LDX
        this.load(pc);
        return;
      case 2: // ST
      case 3: // STX
        if ((op & 0xe0) === 0xc0) this.atomic(pc);
        else this.store(pc);
        return;
      case 0:
        if (op === 0x18) {
          const v = (BigInt(image.imm[pc + 1]!) << 32n) | BigInt(image.imm[pc]! >>> 0);
          this.c.i64big(v).set(reg(image.dst[pc]!));
        } else this.ldAbs(pc);
        return;
      case 5:
        if (op === 0x85) this.call(pc);
        else if (op === 0x8d) this.callx(pc);
        else this.trap(Trap.Opcode, pc, op);
        return;
      default:
        this.trap(Trap.Opcode, pc, op);
    }
  }

  private alu(pc: number): void {
    const { image } = this;
    const c = this.c;
    const op = image.op[pc]!;
    const is64 = (op & 7) === 7;
    const x = (op & 8) !== 0;
    const code = op & 0xf0;
    const d = reg(image.dst[pc]!);
    const s = reg(image.src[pc]!);
    const imm = image.imm[pc]!;
    const off = image.off[pc]!;
    const dst = () => (is64 ? c.get(d) : c.get(d).op(Op.i32_wrap_i64));
    const operand = () => (x ? (is64 ? c.get(s) : c.get(s).op(Op.i32_wrap_i64)) : is64 ? c.i64(imm) : c.i32(imm));
    const store = () => (is64 ? c.set(d) : c.op(Op.i64_extend_i32_u).set(d));
    const bin = BINARY[code];
    if (bin) {
      dst();
      operand();
      c.op(is64 ? bin[0] : bin[1]);
      store();
      return;
    }
    switch (code) {
      case 0x80: // neg
        if (is64) c.i64(0).get(d).op(Op.i64_sub).set(d);
        else c.i32(0).get(d).op(Op.i32_wrap_i64).op(Op.i32_sub).op(Op.i64_extend_i32_u).set(d);
        return;
      case 0xb0: // mov, movsx
        if (!x) {
          c.i64(is64 ? imm : imm >>> 0).set(d);
        } else if (is64) {
          c.get(s);
          if (off === 8) c.op(Op.i64_extend8_s);
          else if (off === 16) c.op(Op.i64_extend16_s);
          else if (off === 32) c.op(Op.i64_extend32_s);
          c.set(d);
        } else {
          c.get(s).op(Op.i32_wrap_i64);
          if (off === 8) c.op(Op.i32_extend8_s);
          else if (off === 16) c.op(Op.i32_extend16_s);
          c.op(Op.i64_extend_i32_u).set(d);
        }
        return;
      case 0x30:
      case 0x90:
        this.divmod(code === 0x30, is64, off === 1, x, d, s, imm);
        return;
      case 0xd0:
        this.endian(op, d, imm);
        return;
    }
    this.trap(Trap.Opcode, pc, op);
  }

  /**
   * Division and modulo with the kernel's rules: x / 0 = 0, x % 0 = x, INT_MIN / -1 = INT_MIN,
   * INT_MIN % -1 = 0 — none of which may reach wasm's trapping div/rem.
   */
  private divmod(div: boolean, is64: boolean, signed: boolean, x: boolean, d: number, s: number, imm: number): void {
    const c = this.c;
    const W = is64
      ? { eqz: Op.i64_eqz, divS: Op.i64_div_s, divU: Op.i64_div_u, remS: Op.i64_rem_s, remU: Op.i64_rem_u, sub: Op.i64_sub, eq: Op.i64_eq, or: Op.i64_or, type: I64 }
      : { eqz: Op.i32_eqz, divS: Op.i32_div_s, divU: Op.i32_div_u, remS: Op.i32_rem_s, remU: Op.i32_rem_u, sub: Op.i32_sub, eq: Op.i32_eq, or: Op.i32_or, type: I32 };
    const dst = () => (is64 ? c.get(d) : c.get(d).op(Op.i32_wrap_i64));
    const store = () => (is64 ? c.set(d) : c.op(Op.i64_extend_i32_u).set(d));
    const k = (v: number) => (is64 ? c.i64(v) : c.i32(v));
    const opOf = div ? (signed ? W.divS : W.divU) : signed ? W.remS : W.remU;
    if (!x) {
      if (imm === 0) {
        if (div) k(0);
        else dst(); // x % 0 = x (truncated to 32 bits for ALU32)
        store();
        return;
      }
      if (signed && imm === -1) {
        if (div) {
          k(0);
          dst();
          c.op(W.sub);
        } else k(0);
        store();
        return;
      }
      dst();
      k(imm);
      c.op(opOf);
      store();
      return;
    }
    const src = () => (is64 ? c.get(s) : c.get(s).op(Op.i32_wrap_i64));
    // Divisor with 0 replaced by 1 (so the wasm op cannot trap); the select below fixes the result.
    const safeDivisor = () => {
      src();
      src();
      c.op(W.eqz);
      if (is64) c.op(Op.i64_extend_i32_u);
      c.op(W.or);
    };
    if (signed && div) {
      // -1 would trap on INT_MIN: negate instead.
      src();
      k(-1);
      c.op(W.eq).if(W.type);
      k(0);
      dst();
      c.op(W.sub);
      c.op(Op.else);
      dst();
      safeDivisor();
      c.op(opOf);
      c.end();
    } else {
      dst();
      safeDivisor();
      c.op(opOf);
    }
    if (div) k(0);
    else dst();
    src();
    c.op(W.eqz).op(Op.i32_eqz).op(Op.select);
    store();
  }

  /** le16/32/64 (ALU|END|K), be16/32/64 (ALU|END|X) and bswap16/32/64 (ALU64|END). */
  private endian(op: number, d: number, bits: number): void {
    const c = this.c;
    if (op === 0xd4) {
      if (bits === 16) c.get(d).i64(0xffff).op(Op.i64_and).set(d);
      else if (bits === 32) c.get(d).op(Op.i32_wrap_i64).op(Op.i64_extend_i32_u).set(d);
      return;
    }
    if (bits === 16) {
      c.get(d).i64(0xff).op(Op.i64_and).i64(8).op(Op.i64_shl);
      c.get(d).i64(8).op(Op.i64_shr_u).i64(0xff).op(Op.i64_and);
      c.op(Op.i64_or).set(d);
    } else if (bits === 32) {
      c.get(d).op(Op.i32_wrap_i64);
      this.bswap32();
      c.op(Op.i64_extend_i32_u).set(d);
    } else {
      c.get(d).op(Op.i32_wrap_i64);
      this.bswap32();
      c.op(Op.i64_extend_i32_u).i64(32).op(Op.i64_shl);
      c.get(d).i64(32).op(Op.i64_shr_u).op(Op.i32_wrap_i64);
      this.bswap32();
      c.op(Op.i64_extend_i32_u).op(Op.i64_or).set(d);
    }
  }

  /** Byte-swaps the i32 on top of the stack. */
  private bswap32(): void {
    const c = this.c;
    c.tee(T32).i32(8).op(Op.i32_rotr).i32(0xff00ff00 | 0).op(Op.i32_and);
    c.get(T32).i32(8).op(Op.i32_rotl).i32(0x00ff00ff).op(Op.i32_and);
    c.op(Op.i32_or);
  }

  /**
   * Pushes the i32 wasm address of [r + off, +size) and returns the memarg offset to use. In
   * checked mode the access is first proven to lie in one region with `perm`: r10-relative
   * accesses inside the frame need no test; others try a two-entry cache of the last regions seen
   * (per permission; two, so loops that alternate between two regions — packet and map value,
   * source and destination — stay in wasm), then the stack, then ask the host, which faults or
   * reports the region; it becomes the first entry and the first moves to the second.
   */
  private address(r: number, off: number, size: number, perm: number, pc: number): number {
    const c = this.c;
    const rr = reg(r);
    if (!this.checked || inFrame(r, off, size)) {
      c.get(rr).op(Op.i32_wrap_i64);
      if (off >= 0) return off;
      c.i32(off).op(Op.i32_add);
      return 0;
    }
    const [S, L, S2, L2] = perm === PERM_READ ? [RS, RL, RS2, RL2] : [WS, WL, WS2, WL2];
    const miss = (start: number, lim: number) => {
      c.get(ADDR).get(start).op(Op.i64_sub).get(lim);
      if (size !== 8) c.i64(8 - size).op(Op.i64_add);
      c.op(Op.i64_gt_u).if();
    };
    c.get(rr);
    if (off !== 0) c.i64(off).op(Op.i64_add);
    c.set(ADDR);
    miss(S, L);
    miss(S2, L2);
    c.get(ADDR).i64(this.stackStart).op(Op.i64_sub).i64(this.stackSize - size).op(Op.i64_gt_u).if();
    c.get(ADDR).op(Op.i32_wrap_i64).get(ADDR).i64(32).op(Op.i64_shr_u).op(Op.i32_wrap_i64);
    c.i32(size).i32(perm).i32(pc).call(IMP_CHECK).if();
    c.get(S).set(S2).get(L).set(L2);
    c.i32(0).mem(Op.i64_load32_u, 2, this.scr + SCR_CACHE_START).set(S);
    c.i32(0).mem(Op.i64_load32_u, 2, this.scr + SCR_CACHE_LIM).set(L);
    c.end().end().end().end();
    c.get(ADDR).op(Op.i32_wrap_i64);
    return 0;
  }

  private load(pc: number): void {
    const { image } = this;
    const op = image.op[pc]!;
    const size = sizeOf(op);
    const a = this.address(image.src[pc]!, image.off[pc]!, size, PERM_READ, pc);
    const sx = (op & 0xe0) === 0x80;
    const lop = size === 8 ? Op.i64_load : size === 4 ? (sx ? Op.i64_load32_s : Op.i64_load32_u) : size === 2 ? (sx ? Op.i64_load16_s : Op.i64_load16_u) : sx ? Op.i64_load8_s : Op.i64_load8_u;
    this.c.mem(lop, 0, a).set(reg(image.dst[pc]!));
  }

  private store(pc: number): void {
    const { image } = this;
    const c = this.c;
    const op = image.op[pc]!;
    const size = sizeOf(op);
    const a = this.address(image.dst[pc]!, image.off[pc]!, size, 2, pc);
    if ((op & 7) === 3) c.get(reg(image.src[pc]!));
    else c.i64(image.imm[pc]!);
    c.mem(storeOp(size), 0, a);
  }

  private atomic(pc: number): void {
    const { image } = this;
    const c = this.c;
    const op = image.op[pc]!;
    const size = sizeOf(op);
    const aop = image.imm[pc]!;
    const d = reg(image.dst[pc]!);
    const s = reg(image.src[pc]!);
    const load = size === 8 ? Op.i64_load : size === 4 ? Op.i64_load32_u : size === 2 ? Op.i64_load16_u : Op.i64_load8_u;
    if (aop === 0x100) {
      // load-acquire: dst = *(src + off), zero-extended
      const a = this.address(image.src[pc]!, image.off[pc]!, size, PERM_READ, pc);
      c.mem(load, 0, a).set(d);
      return;
    }
    const a = this.address(image.dst[pc]!, image.off[pc]!, size, PERM_RW, pc);
    if (aop === 0x110) {
      c.get(s).mem(storeOp(size), 0, a);
      return;
    }
    // Read-modify-write; wasm runs it on one thread, so plain loads and stores are atomic.
    c.tee(T32).mem(load, 0, a).set(T1);
    c.get(T32);
    switch (aop & ~1) {
      case 0x00: c.get(T1).get(s).op(Op.i64_add); break;
      case 0x40: c.get(T1).get(s).op(Op.i64_or); break;
      case 0x50: c.get(T1).get(s).op(Op.i64_and); break;
      case 0xa0: c.get(T1).get(s).op(Op.i64_xor); break;
      case 0xe0: c.get(s); break;
      case 0xf0: // cmpxchg: store src when r0 matches the old value (low halves for 32 bit)
        c.get(s).get(T1).get(0);
        if (size === 8) c.get(T1).op(Op.i64_eq);
        else c.op(Op.i32_wrap_i64).get(T1).op(Op.i32_wrap_i64).op(Op.i32_eq);
        c.op(Op.select);
        break;
      default:
        c.op(Op.drop);
        this.trap(Trap.Opcode, pc, op);
        return;
    }
    c.mem(storeOp(size), 0, a);
    if ((aop & ~1) === 0xf0) c.get(T1).set(0);
    else if (aop & 1) c.get(T1).set(s);
  }

  /** LD_ABS / LD_IND: big-endian packet loads into r0; out of range ends the program with 0. */
  private ldAbs(pc: number): void {
    const { image } = this;
    const c = this.c;
    const op = image.op[pc]!;
    const size = sizeOf(op);
    const imm = image.imm[pc]!;
    if ((op & 0xe0) === 0x40) c.get(reg(image.src[pc]!)).op(Op.i32_wrap_i64).i32(imm).op(Op.i32_add).op(Op.i64_extend_i32_s);
    else c.i64(imm);
    c.tee(T1).i64(0).op(Op.i64_lt_s);
    c.get(T1).i32(0).mem(Op.i64_load32_s, 2, this.scr + SCR_PKT_LEN).i64(size).op(Op.i64_sub).op(Op.i64_gt_s);
    c.op(Op.i32_or).if();
    this.storeBudget();
    this.trap(Trap.LdAbs, pc);
    c.end();
    c.i32(0).mem(Op.i32_load, 2, this.scr + SCR_PKT_START).get(T1).op(Op.i32_wrap_i64).op(Op.i32_add);
    if (size === 4) {
      c.mem(Op.i32_load, 0, 0);
      this.bswap32();
      c.op(Op.i64_extend_i32_u);
    } else if (size === 2) {
      c.mem(Op.i32_load16_u, 0, 0).tee(T32).i32(8).op(Op.i32_shl).i32(0xff00).op(Op.i32_and);
      c.get(T32).i32(8).op(Op.i32_shr_u).op(Op.i32_or).op(Op.i64_extend_i32_u);
    } else c.mem(Op.i64_load8_u, 0, 0);
    c.set(0);
  }

  private spillForHost(): void {
    for (let r = 0; r < 10; r++) this.storeReg(r);
    this.storeBudget();
  }

  private afterHost(): void {
    this.loadBudget();
    this.resetCaches(); // helpers may map, unmap or re-protect regions
  }

  private helperCall(id: () => void, pc: number): void {
    this.spillForHost();
    id();
    this.c.i32(pc).get(DEPTH).call(IMP_HELPER);
    this.loadReg(0);
    this.afterHost();
  }

  private depthCheck(pc: number): void {
    const c = this.c;
    c.get(DEPTH).i32(MAX_CALL_FRAMES - 2).op(Op.i32_gt_u).if();
    c.i32(Trap.Depth).i32(pc).get(DEPTH).i32(0).i32(0).call(IMP_TRAP).op(Op.unreachable);
    c.end();
  }

  /** Pushes the callee arguments: r0–r9, depth + 1, budget. */
  private pushFrameArgs(): void {
    const c = this.c;
    for (let r = 0; r < 10; r++) c.get(r);
    c.get(DEPTH).i32(1).op(Op.i32_add).get(BUDGET);
  }

  private popResults(): void {
    this.c.set(BUDGET);
    for (let r = 5; r >= 0; r--) this.c.set(r);
  }

  private call(pc: number): void {
    const { image } = this;
    const c = this.c;
    const src = image.src[pc]!;
    const imm = image.imm[pc]!;
    if (src === 0) {
      if (imm === 1 && this.lookup) {
        this.mapLookup(pc, this.lookup);
        return;
      }
      if (imm !== 12) {
        this.helperCall(() => c.i32(imm), pc);
        return;
      }
      // bpf_tail_call: the host runs the next program (same frame) and we return its result.
      this.spillForHost();
      c.i32(pc).get(DEPTH).call(IMP_TAIL).tee(T32).if();
      c.get(T32).i32(1).op(Op.i32_eq).if();
      for (let r = 0; r < 6; r++) c.i32(0).mem(Op.i64_load, 3, this.scr + SCR_REGS + 8 * r);
      c.i32(0).mem(Op.i64_load, 3, this.scr + SCR_BUDGET).op(Op.return);
      c.end();
      this.loadReg(0);
      c.end();
      this.afterHost();
      return;
    }
    if (src === BPF_PSEUDO_CALL) {
      this.depthCheck(pc);
      this.pushFrameArgs();
      c.call(this.fnIndex.get(pc + 1 + imm)!);
      this.popResults();
      this.resetCaches();
      return;
    }
    this.trap(Trap.Kfunc, pc, imm);
  }

  /**
   * bpf_map_lookup_elem(r1 = map, r2 = key) without leaving wasm for inlined array maps, through
   * the `lookup` import for other maps, and as an ordinary helper call when the import declines
   * (operands above 4 GiB, unknown map, unreadable key: the helper then faults as it would).
   */
  private mapLookup(pc: number, plan: MapLookupPlan): void {
    const c = this.c;
    c.block(); // $done
    for (const a of plan.arrays) {
      c.get(1).i64(a.identity).op(Op.i64_eq).if();
      // The key (4 bytes) lies in the stack region, which is always mapped read/write.
      c.get(2).i64(this.stackStart).op(Op.i64_sub).i64(this.stackSize - 4).op(Op.i64_le_u).if();
      c.get(2).op(Op.i32_wrap_i64).mem(Op.i64_load32_u, 0, 0).tee(T1).i64(a.maxEntries).op(Op.i64_lt_u).if(I64);
      c.get(T1).i64(a.elemSize).op(Op.i64_mul).i64(a.values).op(Op.i64_add);
      c.op(Op.else).i64(0).end();
      c.set(0).br(2);
      c.end().end();
    }
    c.get(1).get(2).op(Op.i64_or).i64(32).op(Op.i64_shr_u).op(Op.i64_eqz).if();
    c.get(1).op(Op.i32_wrap_i64).get(2).op(Op.i32_wrap_i64).i32(pc).call(IMP_LOOKUP).tee(T32).i32(-1).op(Op.i32_ne).if();
    c.get(T32).op(Op.i64_extend_i32_u).set(0).br(2);
    c.end().end();
    this.helperCall(() => c.i32(1), pc);
    c.end();
  }

  /** callx: a subprogram address (FUNC_PTR_HI tag) or, as ubpf does, a helper id. */
  private callx(pc: number): void {
    const { image } = this;
    const c = this.c;
    const d = image.dst[pc]!;
    c.get(reg(d)).i64(32).op(Op.i64_shr_u).op(Op.i32_wrap_i64).tee(T32).i32(FUNC_PTR_HI).op(Op.i32_eq).if();
    this.depthCheck(pc);
    this.pushFrameArgs();
    c.get(reg(d)).op(Op.i32_wrap_i64).i32(pc).call(this.dispatchIndex);
    this.popResults();
    c.op(Op.else);
    c.get(T32).if();
    c.i32(Trap.Callx).i32(pc).i32(d).get(reg(d)).op(Op.i32_wrap_i64).get(T32).call(IMP_TRAP).op(Op.unreachable);
    c.end();
    this.helperCall(() => c.get(reg(d)).op(Op.i32_wrap_i64), pc);
    c.end();
    this.resetCaches();
  }
}

function sizeOf(op: number): number {
  switch (op & 0x18) {
    case 0x00: return 4;
    case 0x08: return 2;
    case 0x10: return 1;
    default: return 8;
  }
}

function storeOp(size: number): Op {
  return size === 8 ? Op.i64_store : size === 4 ? Op.i64_store32 : size === 2 ? Op.i64_store16 : Op.i64_store8;
}
