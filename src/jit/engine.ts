/**
 * JitEngine: runs program images as WebAssembly with the interpreter's shape and semantics
 * (`run(image, options) → { r0, steps }`, same VmError codes). It owns a stack region (8 frames of
 * 512 bytes, r10 = top − depth·512) and a small scratch region through which registers and the
 * budget cross between wasm and JS; it implements HelperCall so every helper works unchanged.
 */
import { EbpfError, VmError } from "../errors.js";
import { runContext } from "../helpers/context.js";
import { mapLookupTable } from "../helpers/maps.js";
import type { HelperCall, HelperRegistry } from "../helpers/registry.js";
import { ArrayMap } from "../maps/array.js";
import type { MapTable } from "../maps/table.js";
import type { BpfMap } from "../maps/types.js";
import { BPF_STACK_SIZE, MAX_CALL_FRAMES, MAX_TAIL_CALLS } from "../isa/opcodes.js";
import { accessFault, checkHelperMem } from "../vm/faults.js";
import { FUNC_PTR_HI, type ProgramImage } from "../vm/image.js";
import { DEFAULT_BUDGET, type RunOptions, type RunResult } from "../vm/interpreter.js";
import { NULL_GUARD, PERM_READ, PERM_RW, PERM_WRITE, type AddressSpace, type Region } from "../vm/memory.js";
import { width } from "./cfg.js";
import {
  compileToWasm,
  SCR_BUDGET,
  SCR_CACHE_LIM,
  SCR_CACHE_START,
  SCR_MAY_GOTO,
  SCR_PKT_LEN,
  SCR_PKT_START,
  SCR_REGS,
  SCRATCH_SIZE,
  Trap,
  type InlineArray,
  type JitLayout,
  type MapLookupPlan,
} from "./codegen.js";

const HELPER_TAIL_CALL = 12;
/** may_goto's allowance per run (the kernel's BPF_MAX_LOOPS), as in the interpreter. */
const BPF_MAX_LOOPS = 8 * 1024 * 1024;

export interface JitOptions {
  /**
   * Check every memory access against the region table (default true). Only programs the
   * verifier accepted may run with `checked: false`: their accesses are then unchecked.
   */
  checked?: boolean;
  /**
   * The instruction budget of unchecked runs. "exact" counts every instruction as the
   * interpreter does (same `steps`, E2BIG at the same pc); "none" counts nothing, as the kernel
   * runs verified programs: `steps` is 0 and RunOptions.budget is ignored, and the compiled loops
   * carry no counter. Default: "none" for unchecked (verified) programs. Checked runs (unverified
   * programs) always count exactly, whatever this says.
   */
  budgetMode?: "exact" | "none";
}

/** What compiling one image produced (for benchmarks and diagnostics). */
export interface JitProgram {
  readonly image: ProgramImage;
  readonly wasmBytes: number;
  readonly compileMs: number;
  /** Functions compiled to structured control flow / to the dispatch-loop fallback. */
  readonly structured: number;
  readonly dispatched: number;
}

interface Compiled extends JitProgram {
  entry: (target: number, depth: number) => void;
  /** A top-level run from pc 0, zeroing the top `zeroBytes` of the stack first. */
  start: (zeroBytes: number) => void;
  /** Bytes from the stack's top a run may write (see CompiledWasm.dirtyFrames; all of it when checked). */
  dirtyBytes: number;
  /** Array maps whose lookups were compiled in, with what was compiled: checked before every run. */
  inlined: { map: BpfMap; at: InlineArray }[];
}

/** Thrown through wasm frames to end a run early (helper stop(), LD_ABS out of the packet). */
const STOP = { stop: true };

type Exports = { entry: (target: number, depth: number) => void; run: (zeroBytes: number) => void };

/**
 * Each engine's scratch area (registers and budget crossing to the host) lives in the address
 * space's guard page: below NULL_GUARD nothing is ever mapped, so no program can reach it, and the
 * address layout of regions stays exactly the interpreter's. Past the page's capacity an engine
 * falls back to a mapped region without permissions.
 */
const scratchSlots = new WeakMap<AddressSpace, number>();
const SLOT = 128;
function scratchSlot(space: AddressSpace): number {
  const n = scratchSlots.get(space) ?? 0;
  scratchSlots.set(space, n + 1);
  const addr = 4096 + n * SLOT;
  if (addr + SLOT <= NULL_GUARD) return addr;
  return space.map(SCRATCH_SIZE, "jit scratch", 0, 8).start;
}

export class JitEngine implements HelperCall {
  readonly space: AddressSpace;
  readonly helpers: HelperRegistry;
  readonly checked: boolean;
  /** Instructions are counted against the budget (see JitOptions.budgetMode). */
  readonly counted: boolean;
  readonly stack: Region;
  private readonly scratch: { start: number };
  private readonly stackTop: number;
  private readonly cache = new WeakMap<ProgramImage, Compiled>();

  // Run state (shared by nested entries: tail calls and helper callbacks).
  private opts: RunOptions = {};
  private curPc = 0;
  private curDepth = 0;
  private cur: Compiled | undefined;
  private curContext: unknown = undefined;
  private stopped = false;
  private stopValue = 0n;
  private tailCalls = 0;
  private budget = DEFAULT_BUDGET;

  constructor(space: AddressSpace, helpers: HelperRegistry, options: JitOptions = {}) {
    this.space = space;
    this.helpers = helpers;
    this.checked = options.checked ?? true;
    this.counted = this.checked || (options.budgetMode ?? "none") === "exact";
    this.stack = space.map(BPF_STACK_SIZE * MAX_CALL_FRAMES, "stack", PERM_RW, 16);
    this.stackTop = this.stack.start + this.stack.size;
    this.scratch = { start: scratchSlot(space) };
  }

  private get layout(): JitLayout {
    return { stackStart: this.stack.start, stackEnd: this.stackTop, scratch: this.scratch.start, checked: this.checked, counted: this.counted };
  }

  // ---- compilation ------------------------------------------------------------------------------

  /** Compiles (or returns the cached compilation of) an image. Synchronous. */
  compile(image: ProgramImage): JitProgram {
    return this.compiled(image);
  }

  /** The table behind helper 1 when it is the runtime's own map_lookup_elem (see MapLookupPlan). */
  private get mapTable(): MapTable | undefined {
    return mapLookupTable(this.helpers.get(1));
  }

  /**
   * The lookup plan of an image: every plain (not per-CPU) array map the program loads with lddw
   * gets inline lookups. Undefined when helper 1 is not the runtime's own.
   */
  private lookupPlan(image: ProgramImage): { plan: MapLookupPlan; inlined: Compiled["inlined"] } | undefined {
    const table = this.mapTable;
    if (!table) return undefined;
    const inlined: Compiled["inlined"] = [];
    const seen = new Set<number>();
    for (let pc = 0; pc < image.length; pc += width(image, pc)) {
      if (image.op[pc] !== 0x18 || image.imm[pc + 1] !== 0) continue;
      const v = image.imm[pc]! >>> 0;
      if (seen.has(v)) continue;
      seen.add(v);
      const m = table.byAddress(v);
      if (!(m instanceof ArrayMap) || m.percpu || m.info.keySize !== 4) continue;
      inlined.push({ map: m, at: { identity: v, values: m.values.start, elemSize: m.elemSize, maxEntries: m.info.maxEntries } });
    }
    return { plan: { arrays: inlined.map((i) => i.at) }, inlined };
  }

  /** Inlined maps still behind their identities, in the same place (a closed map's would not be). */
  private stillValid(prog: Compiled): boolean {
    if (prog.inlined.length === 0) return true;
    const table = this.mapTable;
    for (const { map, at } of prog.inlined) {
      if (!table || table.byAddress(at.identity) !== map || (map as ArrayMap).values.start !== at.values) return false;
    }
    return true;
  }

  /**
   * Compiles off the main thread where the platform can (browsers refuse synchronous compilation
   * of modules above 4 KiB on the main thread); later runs reuse the result.
   */
  async compileAsync(image: ProgramImage): Promise<JitProgram> {
    const have = this.cache.get(image);
    if (have) return have;
    this.checkHelpers(image);
    const t0 = performance.now();
    const lookup = this.lookupPlan(image);
    const w = compileToWasm(image, this.layout, lookup?.plan);
    const module = await WebAssembly.compile(w.bytes as BufferSource);
    return this.instantiate(image, module, w, t0, lookup?.inlined ?? []);
  }

  private compiled(image: ProgramImage): Compiled {
    const have = this.cache.get(image);
    if (have && this.stillValid(have)) return have;
    this.checkHelpers(image);
    const t0 = performance.now();
    const lookup = this.lookupPlan(image);
    const w = compileToWasm(image, this.layout, lookup?.plan);
    const module = new WebAssembly.Module(w.bytes as BufferSource);
    return this.instantiate(image, module, w, t0, lookup?.inlined ?? []);
  }

  private instantiate(image: ProgramImage, module: WebAssembly.Module, w: { bytes: Uint8Array; structured: number; dispatched: number; dirtyFrames: number }, t0: number, inlined: Compiled["inlined"]): Compiled {
    const prog: Compiled = {
      image,
      wasmBytes: w.bytes.length,
      compileMs: 0,
      structured: w.structured,
      dispatched: w.dispatched,
      entry: () => undefined,
      start: () => undefined,
      // Unverified programs can reach any frame (and compute stack addresses): all of it.
      dirtyBytes: this.checked ? this.stack.size : w.dirtyFrames * BPF_STACK_SIZE,
      inlined,
    };
    const table = this.mapTable;
    const instance = new WebAssembly.Instance(module, {
      env: {
        memory: this.space.memory,
        check: (lo: number, hi: number, size: number, perm: number, pc: number) => this.checkAccess(lo, hi, size, perm, pc),
        helper: (id: number, pc: number, depth: number) => this.callHelper(prog, id, pc, depth),
        tail: (pc: number, depth: number) => this.tailCall(prog, pc, depth),
        trap: (kind: number, pc: number, a: number, b: number, c: number) => this.trap(prog, kind, pc, a, b, c),
        lookup: table ? (map: number, key: number, pc: number) => this.lookupFast(table, map, key, pc) : () => -1,
      },
    });
    const exports = instance.exports as unknown as Exports;
    prog.entry = exports.entry;
    prog.start = exports.run;
    (prog as { compileMs: number }).compileMs = performance.now() - t0;
    this.cache.set(image, prog);
    return prog;
  }

  /** Unknown helper ids are a load-time error, as in the interpreter. */
  private checkHelpers(image: ProgramImage): void {
    for (let pc = 0; pc < image.length; pc += width(image, pc)) {
      if (image.op[pc] === 0x85 && image.src[pc] === 0) {
        const id = image.imm[pc]! >>> 0;
        if (!this.helpers.has(id) && id !== HELPER_TAIL_CALL) {
          throw new VmError("EINVAL", `program calls unknown helper id ${id}`, pc);
        }
      }
    }
  }

  // ---- running ----------------------------------------------------------------------------------

  /** Runs `image` from pc 0 and returns r0. Throws VmError on any fault, like the interpreter. */
  run(image: ProgramImage, options: RunOptions = {}): RunResult {
    let prog = this.last;
    if (prog === undefined || prog.image !== image || (prog.inlined.length > 0 && !this.stillValid(prog))) this.last = prog = this.compiled(image);
    const space = this.space;
    // A grow detaches the old buffer (length 0): only then are the views re-read.
    if (space.u8.length === 0) space.refresh();
    const s = this.scratch.start;
    const view = space.view;
    const args = options.args;
    const nargs = args === undefined ? 0 : Math.min(args.length, 5);
    for (let i = 1; i <= 5; i++) {
      const a = s + SCR_REGS + 8 * i;
      const v = i <= nargs ? args![i - 1]! : 0;
      if (typeof v === "number" && v >= 0 && v <= 0xffffffff && Number.isInteger(v)) {
        view.setUint32(a, v, true);
        view.setUint32(a + 4, 0, true);
      } else this.setReg(i, v);
    }
    const budget = options.budget ?? DEFAULT_BUDGET;
    const b = budget === DEFAULT_BUDGET ? DEFAULT_BUDGET : Math.max(0, Math.min(Math.floor(budget), Number.MAX_SAFE_INTEGER));
    view.setUint32(s + SCR_BUDGET, b % 4294967296, true);
    view.setUint32(s + SCR_BUDGET + 4, Math.floor(b / 4294967296), true);
    view.setInt32(s + SCR_MAY_GOTO, BPF_MAX_LOOPS, true);
    const packet = options.packet;
    view.setInt32(s + SCR_PKT_LEN, packet ? packet.length : -1, true);
    view.setInt32(s + SCR_PKT_START, packet ? packet.start : 0, true);
    this.opts = options;
    this.budget = budget;
    this.curContext = options.context;
    this.curDepth = 0;
    this.curPc = 0;
    this.cur = prog;
    this.stopped = false;
    this.tailCalls = 0;
    // The stack is zero at the start of every run, so results never depend on a previous run:
    // what the previous run may have written is zeroed (in wasm, by the run export).
    const zero = this.dirty;
    this.dirty = prog.dirtyBytes;
    let r0: bigint;
    try {
      prog.start(zero);
      r0 = this.result(s + SCR_REGS);
    } catch (e) {
      if (e !== STOP) {
        this.dirty = this.stack.size; // a fault: assume nothing about what ran
        throw this.convert(e);
      }
      r0 = this.stopValue;
    }
    const v = this.space.view;
    const left = v.getInt32(s + SCR_BUDGET + 4, true) * 4294967296 + v.getUint32(s + SCR_BUDGET, true);
    return { r0, steps: b - left };
  }

  /** The image of the last run and its compilation (the common case: the same program again). */
  private last: Compiled | undefined;
  /** Bytes from the stack's top the last run may have written (all of it before the first run). */
  private dirty = BPF_STACK_SIZE * MAX_CALL_FRAMES;

  private lastLo = 0;
  private lastR0 = 0n;

  /** r0 from the scratch area; the last small value's BigInt is reused (programs mostly return the same one). */
  private result(a: number): bigint {
    const v = this.space.view;
    const lo = v.getUint32(a, true);
    if (v.getUint32(a + 4, true) !== 0) return v.getBigUint64(a, true);
    if (lo !== this.lastLo) {
      this.lastLo = lo;
      this.lastR0 = BigInt(lo);
    }
    return this.lastR0;
  }

  /** Wasm traps and JS stack overflows become VmErrors; nothing raw escapes run(). */
  private convert(e: unknown): unknown {
    if (e instanceof EbpfError) return e;
    if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
      const why = this.checked ? "" : " (unchecked mode: the program was not verified?)";
      return new VmError("EFAULT", `wasm trap: ${(e as Error).message}${why}`, this.curPc, undefined);
    }
    return e;
  }

  private setReg(r: number, value: bigint | number): void {
    const a = this.scratch.start + SCR_REGS + 8 * r;
    const view = this.space.view;
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) {
      view.setUint32(a, value % 4294967296, true);
      view.setUint32(a + 4, Math.floor(value / 4294967296), true);
    } else {
      view.setBigUint64(a, BigInt.asUintN(64, BigInt(value)), true);
    }
  }

  // ---- imports ----------------------------------------------------------------------------------

  /** The slow path of a checked access: faults, or reports the region for the module's cache. */
  private checkAccess(lo: number, hi: number, size: number, perm: number, pc: number): number {
    const a = lo >>> 0;
    const r = hi === 0 && a >= 65536 ? this.space.find(a, size) : undefined;
    if (!r || (r.perm & perm) !== perm) throw accessFault(this.space, pc, lo, hi, size, (perm & PERM_WRITE) !== 0);
    const cacheable = r.size >= 8 && (perm === PERM_READ || (r.perm & PERM_RW) === PERM_RW);
    if (!cacheable) return 0;
    const v = this.space.view;
    v.setUint32(this.scratch.start + SCR_CACHE_START, r.start, true);
    v.setUint32(this.scratch.start + SCR_CACHE_LIM, r.size - 8, true);
    return 1;
  }

  /**
   * bpf_map_lookup_elem's result without a HelperCall: what the helper returns (lookupAddr with
   * the run's CPU), or -1 when the helper must run instead (not a map, key not readable: it faults).
   */
  private lookupFast(table: MapTable, map: number, key: number, pc: number): number {
    const m = table.byAddress(map >>> 0);
    const k = key >>> 0;
    if (m === undefined || !this.space.allows(k, m.info.keySize, PERM_READ)) return -1;
    this.curPc = pc;
    return m.lookupAddr(k, runContext(this).cpu);
  }

  private callHelper(prog: Compiled, id: number, pc: number, depth: number): void {
    this.curPc = pc;
    this.curDepth = depth;
    this.cur = prog;
    const def = this.helpers.get(id >>> 0);
    if (!def) throw new VmError("EINVAL", `call to unknown helper id ${id >>> 0}`, pc);
    const r = def.fn(this);
    this.space.refresh();
    const a = this.scratch.start + SCR_REGS;
    const v = this.space.view;
    if (r === undefined) {
      v.setInt32(a, 0, true);
      v.setInt32(a + 4, 0, true);
    } else if (typeof r === "number" && Number.isSafeInteger(r) && r >= -0x80000000 && r <= 0xffffffff) {
      v.setInt32(a, r | 0, true);
      v.setInt32(a + 4, r < 0 ? -1 : 0, true);
    } else {
      v.setBigUint64(a, BigInt.asUintN(64, typeof r === "number" ? BigInt(Math.trunc(r)) : r), true);
    }
    if (this.stopped) throw STOP;
  }

  /** bpf_tail_call: 0 = fell through, 1 = the next program ran in this frame, 2 = helper 12 ran. */
  private tailCall(prog: Compiled, pc: number, depth: number): number {
    const tail = this.opts.tailCall;
    if (!tail) {
      this.callHelper(prog, HELPER_TAIL_CALL, pc, depth);
      return 2;
    }
    this.curPc = pc;
    this.curDepth = depth;
    this.cur = prog;
    const next = this.tailCalls < MAX_TAIL_CALLS ? tail(this, this.arg(2), this.argU32(3)) : undefined;
    if (!next) return 0;
    const nextProg = this.compiled(next);
    this.tailCalls++;
    nextProg.entry(0, depth);
    return 1;
  }

  private trap(prog: Compiled, kind: number, pc: number, a: number, b: number, c: number): never {
    switch (kind as Trap) {
      case Trap.Budget: {
        // a = instructions the budget still allowed from pc: the next one is where it ran out.
        let p = pc;
        for (let k = 0; k < a; k++) p += width(prog.image, p);
        throw new VmError("E2BIG", `instruction budget of ${this.budget} exhausted (runaway loop?)`, p);
      }
      case Trap.LdAbs:
        if (!this.opts.packet) throw new VmError("EINVAL", "LD_ABS/LD_IND needs a packet (socket filter context)", pc);
        // The kernel ends the program with r0 = 0 when the load is out of the packet.
        this.stop(0);
        throw STOP;
      case Trap.Depth:
        throw new VmError("E2BIG", `the call stack of ${a + 2} frames is too deep (limit ${MAX_CALL_FRAMES})`, pc);
      case Trap.Callx: {
        const v = (BigInt(c >>> 0) << 32n) | BigInt(b >>> 0);
        throw new VmError("EINVAL", `callx through r${a}: 0x${v.toString(16)} is neither a helper id nor a function address`, pc);
      }
      case Trap.Target:
        if (a < 0 || a >= prog.image.length) throw new VmError("EFAULT", `execution fell off the end of the program (pc ${a})`, a);
        throw new VmError("ENOTSUPP", `call to pc ${a}, which is not a function address the program loads (lddw src=4) or calls`, pc < 0 ? this.curPc : pc);
      case Trap.FallOff:
        throw new VmError("EFAULT", `execution fell off the end of the program (pc ${pc})`, pc);
      case Trap.Kfunc:
        throw new VmError("ENOTSUPP", `kfunc call (btf id ${a}) is not supported by the JIT`, pc);
      default:
        throw new VmError("EINVAL", `unknown opcode 0x${a.toString(16).padStart(2, "0")}`, pc);
    }
  }

  // ---- HelperCall -------------------------------------------------------------------------------

  get pc(): number {
    return this.curPc;
  }
  get context(): unknown {
    return this.curContext;
  }
  arg(i: number): bigint {
    return this.space.view.getBigUint64(this.scratch.start + SCR_REGS + 8 * i, true);
  }
  argI32(i: number): number {
    return this.space.view.getInt32(this.scratch.start + SCR_REGS + 8 * i, true);
  }
  argU32(i: number): number {
    return this.space.view.getUint32(this.scratch.start + SCR_REGS + 8 * i, true);
  }
  argNum(i: number): number {
    const v = this.space.view, a = this.scratch.start + SCR_REGS + 8 * i;
    return v.getUint32(a + 4, true) * 4294967296 + v.getUint32(a, true);
  }
  checkMem(addr: number, len: number, perm: number, what = "memory"): number {
    return checkHelperMem(this.space, this.curPc, addr, len, perm, what);
  }
  stop(value: bigint | number): void {
    this.stopped = true;
    this.stopValue = BigInt.asUintN(64, BigInt(value));
  }

  /**
   * Calls a subprogram of the running program from inside a helper (bpf_loop, for_each_map_elem
   * callbacks) in a new frame and returns its r0; the caller's registers are restored afterwards.
   */
  callFunction(fn: bigint | number, args: readonly (bigint | number)[]): bigint {
    const v = BigInt.asUintN(64, BigInt(fn));
    if (v >> 32n !== BigInt(FUNC_PTR_HI)) {
      throw new VmError("EINVAL", `callback 0x${v.toString(16)} is not a function address (lddw src=4)`, this.curPc);
    }
    const target = Number(v & 0xffffffffn);
    const depth = this.curDepth + 1;
    if (depth >= MAX_CALL_FRAMES) {
      throw new VmError("E2BIG", `the call stack of ${depth + 1} frames is too deep (limit ${MAX_CALL_FRAMES})`, this.curPc);
    }
    const prog = this.cur!;
    const regs = this.scratch.start + SCR_REGS;
    const saved = this.space.u8.slice(regs, regs + 88);
    const savedPc = this.curPc, savedDepth = this.curDepth;
    for (let i = 1; i <= 5; i++) this.setReg(i, args[i - 1] ?? 0);
    try {
      prog.entry(target, depth);
      return this.arg(0);
    } catch (e) {
      if (e === STOP) return this.stopValue;
      throw e;
    } finally {
      this.space.refresh();
      this.space.u8.set(saved, regs);
      this.curPc = savedPc;
      this.curDepth = savedDepth;
      this.cur = prog;
    }
  }
}
