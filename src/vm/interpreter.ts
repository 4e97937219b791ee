import { VmError } from "../errors.js";
import type { HelperCall, HelperRegistry } from "../helpers/registry.js";
import { BPF_STACK_SIZE, MAX_CALL_FRAMES, MAX_TAIL_CALLS } from "../isa/opcodes.js";
import { accessFault, checkHelperMem } from "./faults.js";
import { FUNC_PTR_HI, type ProgramImage } from "./image.js";
import { PERM_READ, PERM_RW, PERM_WRITE, type AddressSpace, type Region } from "./memory.js";
import { sdiv64, smod64, udiv64, umod64, umulhi } from "./int64.js";

/** Kernel helper id of bpf_tail_call: the interpreter handles it itself, as the kernel does. */
const HELPER_TAIL_CALL = 12;
/** Iterations may_goto allows before it jumps (the kernel's BPF_MAX_LOOPS). */
const BPF_MAX_LOOPS = 8 * 1024 * 1024;

export const DEFAULT_BUDGET = 1_000_000;

export interface RunOptions {
  /** r1–r5 at entry; numbers must be safe integers, bigints are taken modulo 2^64. */
  args?: readonly (bigint | number)[];
  /** Executed-instruction limit; exceeding it is an E2BIG VmError. */
  budget?: number;
  /** Opaque per-run data handed to helpers (HelperCall.context). */
  context?: unknown;
  /** The packet LD_ABS / LD_IND read from (socket filters). */
  packet?: { start: number; length: number };
  /**
   * Resolves bpf_tail_call(ctx, map, index): the program to continue with, or undefined to fall
   * through as the kernel does when the slot is empty or the index out of range.
   */
  tailCall?: (call: HelperCall, map: bigint, index: number) => ProgramImage | undefined;
}

export interface RunResult {
  /** r0 at exit, unsigned 64-bit. */
  r0: bigint;
  /** Instructions executed. */
  steps: number;
}

/**
 * The eBPF interpreter. Registers live in two Int32Arrays (low and high halves) so 64-bit
 * arithmetic needs no BigInt on the hot path; memory is the shared AddressSpace, every access
 * checked against its regions. One instance runs one program at a time and is reusable.
 */
export class Interpreter implements HelperCall {
  readonly space: AddressSpace;
  readonly helpers: HelperRegistry;
  private readonly lo = new Int32Array(11);
  private readonly hi = new Int32Array(11);
  /** Saved r6–r9 and r10 (lo, hi) per frame, return pc per frame, and the caller's image. */
  private readonly savedLo = new Int32Array(MAX_CALL_FRAMES * 5);
  private readonly savedHi = new Int32Array(MAX_CALL_FRAMES * 5);
  private readonly retPc = new Int32Array(MAX_CALL_FRAMES);
  private readonly retImage: (ProgramImage | undefined)[] = new Array(MAX_CALL_FRAMES);
  readonly stack: Region;
  private readonly stackTop: number;
  private curPc = 0;
  private curContext: unknown = undefined;
  private stopped = false;
  private stopValue = 0n;
  private readonly checked = new WeakSet<ProgramImage>();
  /** Run state shared by the outer loop and callback loops. */
  private opts: RunOptions = {};
  private steps = 0;
  private budget = DEFAULT_BUDGET;
  private tailCalls = 0;
  private mayGoto = BPF_MAX_LOOPS;
  private curDepth = 0;
  private curImage: ProgramImage | undefined;
  private callbackLevel = 0;
  private readonly cbSavedLo = new Int32Array(MAX_CALL_FRAMES * 11);
  private readonly cbSavedHi = new Int32Array(MAX_CALL_FRAMES * 11);

  constructor(space: AddressSpace, helpers: HelperRegistry) {
    this.space = space;
    this.helpers = helpers;
    this.stack = space.map(BPF_STACK_SIZE * MAX_CALL_FRAMES, "stack", PERM_RW, 16);
    this.stackTop = this.stack.start + this.stack.size;
  }

  // ---- HelperCall -----------------------------------------------------------------------------
  get pc(): number {
    return this.curPc;
  }
  get context(): unknown {
    return this.curContext;
  }
  arg(i: number): bigint {
    return (BigInt(this.hi[i]! >>> 0) << 32n) | BigInt(this.lo[i]! >>> 0);
  }
  argI32(i: number): number {
    return this.lo[i]!;
  }
  argU32(i: number): number {
    return this.lo[i]! >>> 0;
  }
  argNum(i: number): number {
    return (this.hi[i]! >>> 0) * 4294967296 + (this.lo[i]! >>> 0);
  }
  checkMem(addr: number, len: number, perm: number, what = "memory"): number {
    return checkHelperMem(this.space, this.curPc, addr, len, perm, what);
  }
  stop(value: bigint | number): void {
    this.stopped = true;
    this.stopValue = BigInt.asUintN(64, BigInt(value));
  }

  private fault(pc: number, addrLo: number, addrHi: number, size: number, write: boolean): never {
    throw accessFault(this.space, pc, addrLo, addrHi, size, write);
  }

  /** Runs `image` from pc 0 and returns r0. Throws VmError on any fault. */
  run(image: ProgramImage, options: RunOptions = {}): RunResult {
    if (!this.checked.has(image)) this.checkHelpers(image);
    const L = this.lo;
    const H = this.hi;
    L.fill(0);
    H.fill(0);
    const args = options.args ?? [];
    for (let i = 0; i < args.length && i < 5; i++) setReg(L, H, i + 1, args[i]!);
    // The stack is zeroed on every run so results never depend on a previous run.
    this.space.u8.fill(0, this.stack.start, this.stackTop);
    L[10] = this.stackTop;
    this.curContext = options.context;
    this.opts = options;
    this.stopped = false;
    this.steps = 0;
    this.budget = options.budget ?? DEFAULT_BUDGET;
    this.tailCalls = 0;
    this.mayGoto = BPF_MAX_LOOPS;
    this.callbackLevel = 0;
    const r0 = this.loop(image, 0, 0);
    return { r0, steps: this.steps };
  }

  /**
   * Calls a subprogram of the running program from inside a helper (bpf_loop, for_each_map_elem
   * callbacks) and returns its r0. `fn` is a function address loaded by `lddw src=4`. The
   * callback runs in a new frame (counting toward the 8-frame limit) and the caller's registers
   * are restored afterwards, as the kernel does around callbacks.
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
    const level = this.callbackLevel++;
    const L = this.lo, H = this.hi;
    const save = level * 11;
    this.cbSavedLo.set(L, save);
    this.cbSavedHi.set(H, save);
    const savedPc = this.curPc, savedImage = this.curImage, savedDepth = this.curDepth;
    for (let i = 1; i <= 5; i++) setReg(L, H, i, args[i - 1] ?? 0);
    L[10] = this.stackTop - depth * BPF_STACK_SIZE;
    H[10] = 0;
    try {
      const r0 = this.loop(this.curImage!, target, depth);
      return r0;
    } finally {
      L.set(this.cbSavedLo.subarray(save, save + 11));
      H.set(this.cbSavedHi.subarray(save, save + 11));
      this.curPc = savedPc;
      this.curImage = savedImage;
      this.curDepth = savedDepth;
      this.callbackLevel--;
    }
  }

  /**
   * The fetch-execute loop. Starts at `startPc` in a frame at `baseDepth` and returns r0 when
   * that frame exits (or when a helper or LD_ABS stops the program).
   */
  private loop(image: ProgramImage, startPc: number, baseDepth: number): bigint {
    const L = this.lo;
    const H = this.hi;
    const options = this.opts;
    const budget = this.budget;
    const packet = options.packet;
    let img = image;
    let OP = img.op, DST = img.dst, SRC = img.src, OFF = img.off, IMM = img.imm;
    let len = img.length;
    let space = this.space;
    let view = space.view;
    // One-entry region cache: most programs hammer one region (stack or packet) at a time.
    let cStart = this.stack.start, cEnd = this.stackTop, cPerm = PERM_RW;
    let depth = baseDepth;
    let steps = this.steps;
    let pc = startPc;

    for (;;) {
      if (pc >= len || pc < 0) throw new VmError("EFAULT", `execution fell off the end of the program (pc ${pc})`, pc);
      if (++steps > budget) {
        this.steps = steps;
        throw new VmError("E2BIG", `instruction budget of ${budget} exhausted (runaway loop?)`, pc);
      }
      const op = OP[pc]!;
      const d = DST[pc]!;
      const s = SRC[pc]!;
      const imm = IMM[pc]!;
      switch (op) {
        // ---------------- ALU64, immediate ----------------
        case 0x07: { const a = L[d]! >>> 0, b = imm >>> 0, r = a + b; L[d] = r; H[d] = (H[d]! + (imm >> 31) + (r > 0xffffffff ? 1 : 0)) | 0; break; }
        case 0x17: { const a = L[d]! >>> 0, b = imm >>> 0, r = a - b; L[d] = r; H[d] = (H[d]! - (imm >> 31) - (r < 0 ? 1 : 0)) | 0; break; }
        case 0x27: { const al = L[d]!, ah = H[d]!; L[d] = Math.imul(al, imm); H[d] = (umulhi(al, imm) + Math.imul(al, imm >> 31) + Math.imul(ah, imm)) | 0; break; }
        case 0x37: if (OFF[pc] === 1) sdiv64(L, H, d, imm, imm >> 31); else udiv64(L, H, d, imm, imm >> 31); break;
        case 0x47: L[d] = L[d]! | imm; H[d] = H[d]! | (imm >> 31); break;
        case 0x57: L[d] = L[d]! & imm; H[d] = H[d]! & (imm >> 31); break;
        case 0x67: shl64(L, H, d, imm & 63); break;
        case 0x77: shr64(L, H, d, imm & 63); break;
        case 0x87: { const l = L[d]!; L[d] = -l | 0; H[d] = (~H[d]! + (l === 0 ? 1 : 0)) | 0; break; }
        case 0x97: if (OFF[pc] === 1) smod64(L, H, d, imm, imm >> 31); else umod64(L, H, d, imm, imm >> 31); break;
        case 0xa7: L[d] = L[d]! ^ imm; H[d] = H[d]! ^ (imm >> 31); break;
        case 0xb7: L[d] = imm; H[d] = imm >> 31; break;
        case 0xc7: sar64(L, H, d, imm & 63); break;
        case 0xd7: bswap(L, H, d, imm); break;
        // ---------------- ALU64, register ----------------
        case 0x0f: { const a = L[d]! >>> 0, b = L[s]! >>> 0, r = a + b; L[d] = r; H[d] = (H[d]! + H[s]! + (r > 0xffffffff ? 1 : 0)) | 0; break; }
        case 0x1f: { const a = L[d]! >>> 0, b = L[s]! >>> 0, r = a - b; L[d] = r; H[d] = (H[d]! - H[s]! - (r < 0 ? 1 : 0)) | 0; break; }
        case 0x2f: { const al = L[d]!, ah = H[d]!, bl = L[s]!, bh = H[s]!; L[d] = Math.imul(al, bl); H[d] = (umulhi(al, bl) + Math.imul(al, bh) + Math.imul(ah, bl)) | 0; break; }
        case 0x3f: if (OFF[pc] === 1) sdiv64(L, H, d, L[s]!, H[s]!); else udiv64(L, H, d, L[s]!, H[s]!); break;
        case 0x4f: L[d] = L[d]! | L[s]!; H[d] = H[d]! | H[s]!; break;
        case 0x5f: L[d] = L[d]! & L[s]!; H[d] = H[d]! & H[s]!; break;
        case 0x6f: shl64(L, H, d, L[s]! & 63); break;
        case 0x7f: shr64(L, H, d, L[s]! & 63); break;
        case 0x9f: if (OFF[pc] === 1) smod64(L, H, d, L[s]!, H[s]!); else umod64(L, H, d, L[s]!, H[s]!); break;
        case 0xaf: L[d] = L[d]! ^ L[s]!; H[d] = H[d]! ^ H[s]!; break;
        case 0xbf: {
          const o = OFF[pc]!;
          const v = L[s]!;
          if (o === 8) { L[d] = (v << 24) >> 24; H[d] = L[d]! >> 31; }
          else if (o === 16) { L[d] = (v << 16) >> 16; H[d] = L[d]! >> 31; }
          else if (o === 32) { L[d] = v; H[d] = v >> 31; }
          else { L[d] = v; H[d] = H[s]!; }
          break;
        }
        case 0xcf: sar64(L, H, d, L[s]! & 63); break;
        // ---------------- ALU32, immediate (results zero-extend) ----------------
        case 0x04: L[d] = (L[d]! + imm) | 0; H[d] = 0; break;
        case 0x14: L[d] = (L[d]! - imm) | 0; H[d] = 0; break;
        case 0x24: L[d] = Math.imul(L[d]!, imm); H[d] = 0; break;
        case 0x34: L[d] = div32(L[d]!, imm, OFF[pc] === 1); H[d] = 0; break;
        case 0x44: L[d] = L[d]! | imm; H[d] = 0; break;
        case 0x54: L[d] = L[d]! & imm; H[d] = 0; break;
        case 0x64: L[d] = L[d]! << (imm & 31); H[d] = 0; break;
        case 0x74: L[d] = L[d]! >>> (imm & 31); H[d] = 0; break;
        case 0x84: L[d] = -L[d]! | 0; H[d] = 0; break;
        case 0x94: L[d] = mod32(L[d]!, imm, OFF[pc] === 1); H[d] = 0; break;
        case 0xa4: L[d] = L[d]! ^ imm; H[d] = 0; break;
        case 0xb4: L[d] = imm; H[d] = 0; break;
        case 0xc4: L[d] = L[d]! >> (imm & 31); H[d] = 0; break;
        case 0xd4: // le16/32/64: a no-op on a little-endian machine apart from truncation
          if (imm === 16) { L[d] = L[d]! & 0xffff; H[d] = 0; } else if (imm === 32) H[d] = 0;
          break;
        // ---------------- ALU32, register ----------------
        case 0x0c: L[d] = (L[d]! + L[s]!) | 0; H[d] = 0; break;
        case 0x1c: L[d] = (L[d]! - L[s]!) | 0; H[d] = 0; break;
        case 0x2c: L[d] = Math.imul(L[d]!, L[s]!); H[d] = 0; break;
        case 0x3c: L[d] = div32(L[d]!, L[s]!, OFF[pc] === 1); H[d] = 0; break;
        case 0x4c: L[d] = L[d]! | L[s]!; H[d] = 0; break;
        case 0x5c: L[d] = L[d]! & L[s]!; H[d] = 0; break;
        case 0x6c: L[d] = L[d]! << (L[s]! & 31); H[d] = 0; break;
        case 0x7c: L[d] = L[d]! >>> (L[s]! & 31); H[d] = 0; break;
        case 0x9c: L[d] = mod32(L[d]!, L[s]!, OFF[pc] === 1); H[d] = 0; break;
        case 0xac: L[d] = L[d]! ^ L[s]!; H[d] = 0; break;
        case 0xbc: {
          const o = OFF[pc]!;
          const v = L[s]!;
          L[d] = o === 8 ? (v << 24) >> 24 : o === 16 ? (v << 16) >> 16 : v;
          H[d] = 0;
          break;
        }
        case 0xcc: L[d] = L[d]! >> (L[s]! & 31); H[d] = 0; break;
        case 0xdc: bswap(L, H, d, imm); break;
        // ---------------- JMP (64-bit compares) ----------------
        case 0x05: pc += OFF[pc]!; break;
        case 0x15: if (L[d] === imm && H[d] === imm >> 31) pc += OFF[pc]!; break;
        case 0x1d: if (L[d] === L[s] && H[d] === H[s]) pc += OFF[pc]!; break;
        case 0x25: if (ugt(H[d]!, L[d]!, imm >> 31, imm)) pc += OFF[pc]!; break;
        case 0x2d: if (ugt(H[d]!, L[d]!, H[s]!, L[s]!)) pc += OFF[pc]!; break;
        case 0x35: if (!ugt(imm >> 31, imm, H[d]!, L[d]!)) pc += OFF[pc]!; break;
        case 0x3d: if (!ugt(H[s]!, L[s]!, H[d]!, L[d]!)) pc += OFF[pc]!; break;
        case 0x45: if ((L[d]! & imm) !== 0 || (H[d]! & (imm >> 31)) !== 0) pc += OFF[pc]!; break;
        case 0x4d: if ((L[d]! & L[s]!) !== 0 || (H[d]! & H[s]!) !== 0) pc += OFF[pc]!; break;
        case 0x55: if (L[d] !== imm || H[d] !== imm >> 31) pc += OFF[pc]!; break;
        case 0x5d: if (L[d] !== L[s] || H[d] !== H[s]) pc += OFF[pc]!; break;
        case 0x65: if (sgt(H[d]!, L[d]!, imm >> 31, imm)) pc += OFF[pc]!; break;
        case 0x6d: if (sgt(H[d]!, L[d]!, H[s]!, L[s]!)) pc += OFF[pc]!; break;
        case 0x75: if (!sgt(imm >> 31, imm, H[d]!, L[d]!)) pc += OFF[pc]!; break;
        case 0x7d: if (!sgt(H[s]!, L[s]!, H[d]!, L[d]!)) pc += OFF[pc]!; break;
        case 0xa5: if (ugt(imm >> 31, imm, H[d]!, L[d]!)) pc += OFF[pc]!; break;
        case 0xad: if (ugt(H[s]!, L[s]!, H[d]!, L[d]!)) pc += OFF[pc]!; break;
        case 0xb5: if (!ugt(H[d]!, L[d]!, imm >> 31, imm)) pc += OFF[pc]!; break;
        case 0xbd: if (!ugt(H[d]!, L[d]!, H[s]!, L[s]!)) pc += OFF[pc]!; break;
        case 0xc5: if (sgt(imm >> 31, imm, H[d]!, L[d]!)) pc += OFF[pc]!; break;
        case 0xcd: if (sgt(H[s]!, L[s]!, H[d]!, L[d]!)) pc += OFF[pc]!; break;
        case 0xd5: if (!sgt(H[d]!, L[d]!, imm >> 31, imm)) pc += OFF[pc]!; break;
        case 0xdd: if (!sgt(H[d]!, L[d]!, H[s]!, L[s]!)) pc += OFF[pc]!; break;
        case 0xe5: // may_goto: falls through until the kernel's loop allowance (8M) is used up
          if (this.mayGoto === 0) pc += OFF[pc]!;
          else this.mayGoto--;
          break;
        // ---------------- JMP32 (32-bit compares) ----------------
        case 0x06: pc += imm; break;
        case 0x16: if (L[d] === imm) pc += OFF[pc]!; break;
        case 0x1e: if (L[d] === L[s]) pc += OFF[pc]!; break;
        case 0x26: if (L[d]! >>> 0 > imm >>> 0) pc += OFF[pc]!; break;
        case 0x2e: if (L[d]! >>> 0 > L[s]! >>> 0) pc += OFF[pc]!; break;
        case 0x36: if (L[d]! >>> 0 >= imm >>> 0) pc += OFF[pc]!; break;
        case 0x3e: if (L[d]! >>> 0 >= L[s]! >>> 0) pc += OFF[pc]!; break;
        case 0x46: if ((L[d]! & imm) !== 0) pc += OFF[pc]!; break;
        case 0x4e: if ((L[d]! & L[s]!) !== 0) pc += OFF[pc]!; break;
        case 0x56: if (L[d] !== imm) pc += OFF[pc]!; break;
        case 0x5e: if (L[d] !== L[s]) pc += OFF[pc]!; break;
        case 0x66: if (L[d]! > imm) pc += OFF[pc]!; break;
        case 0x6e: if (L[d]! > L[s]!) pc += OFF[pc]!; break;
        case 0x76: if (L[d]! >= imm) pc += OFF[pc]!; break;
        case 0x7e: if (L[d]! >= L[s]!) pc += OFF[pc]!; break;
        case 0xa6: if (L[d]! >>> 0 < imm >>> 0) pc += OFF[pc]!; break;
        case 0xae: if (L[d]! >>> 0 < L[s]! >>> 0) pc += OFF[pc]!; break;
        case 0xb6: if (L[d]! >>> 0 <= imm >>> 0) pc += OFF[pc]!; break;
        case 0xbe: if (L[d]! >>> 0 <= L[s]! >>> 0) pc += OFF[pc]!; break;
        case 0xc6: if (L[d]! < imm) pc += OFF[pc]!; break;
        case 0xce: if (L[d]! < L[s]!) pc += OFF[pc]!; break;
        case 0xd6: if (L[d]! <= imm) pc += OFF[pc]!; break;
        case 0xde: if (L[d]! <= L[s]!) pc += OFF[pc]!; break;
        // ---------------- loads ----------------
        case 0x61: case 0x69: case 0x71: case 0x79: case 0x81: case 0x89: case 0x91: {
          const size = op === 0x79 ? 8 : op === 0x61 || op === 0x81 ? 4 : op === 0x69 || op === 0x89 ? 2 : 1;
          const sl = L[s]! >>> 0, o = OFF[pc]!, a = sl + o;
          // Carry out of the low half into the high half means the address is not below 4 GiB.
          const c = a > 0xffffffff ? 1 : a < 0 ? -1 : 0;
          if (H[s]! + c !== 0) this.fault(pc, a | 0, H[s]! + c, size, false);
          if (!(a >= cStart && a + size <= cEnd && cPerm & PERM_READ)) {
            const r = space.find(a, size);
            if (!r || !(r.perm & PERM_READ)) this.fault(pc, a, 0, size, false);
            cStart = r.start; cEnd = r.start + r.size; cPerm = r.perm;
          }
          switch (op) {
            case 0x61: L[d] = view.getInt32(a, true); H[d] = 0; break;
            case 0x69: L[d] = view.getUint16(a, true); H[d] = 0; break;
            case 0x71: L[d] = view.getUint8(a); H[d] = 0; break;
            case 0x79: L[d] = view.getInt32(a, true); H[d] = view.getInt32(a + 4, true); break;
            case 0x81: L[d] = view.getInt32(a, true); H[d] = L[d]! >> 31; break;
            case 0x89: L[d] = view.getInt16(a, true); H[d] = L[d]! >> 31; break;
            default: L[d] = view.getInt8(a); H[d] = L[d]! >> 31; break;
          }
          break;
        }
        // ---------------- stores ----------------
        case 0x62: case 0x6a: case 0x72: case 0x7a: case 0x63: case 0x6b: case 0x73: case 0x7b: {
          const size = (op & 0x18) === 0x18 ? 8 : (op & 0x18) === 0 ? 4 : (op & 0x18) === 8 ? 2 : 1;
          const dl = L[d]! >>> 0, o = OFF[pc]!, a = dl + o;
          const c = a > 0xffffffff ? 1 : a < 0 ? -1 : 0;
          if (H[d]! + c !== 0) this.fault(pc, a | 0, H[d]! + c, size, true);
          if (!(a >= cStart && a + size <= cEnd && cPerm & PERM_WRITE)) {
            const r = space.find(a, size);
            if (!r || !(r.perm & PERM_WRITE)) this.fault(pc, a, 0, size, true);
            cStart = r.start; cEnd = r.start + r.size; cPerm = r.perm;
          }
          const isReg = (op & 7) === 3;
          const vl = isReg ? L[s]! : imm;
          switch (size) {
            case 4: view.setInt32(a, vl, true); break;
            case 2: view.setInt16(a, vl, true); break;
            case 1: view.setInt8(a, vl); break;
            default: view.setInt32(a, vl, true); view.setInt32(a + 4, isReg ? H[s]! : imm >> 31, true); break;
          }
          break;
        }
        // ---------------- atomics ----------------
        case 0xc3: case 0xdb: case 0xcb: case 0xd3: {
          const size = op === 0xdb ? 8 : op === 0xc3 ? 4 : op === 0xcb ? 2 : 1;
          // load-acquire reads through src into dst; every other form addresses through dst.
          const ptr = imm === 0x100 ? s : d;
          const pl = L[ptr]! >>> 0, o = OFF[pc]!, a = pl + o;
          const write = imm !== 0x100;
          const c = a > 0xffffffff ? 1 : a < 0 ? -1 : 0;
          if (H[ptr]! + c !== 0) this.fault(pc, a | 0, H[ptr]! + c, size, write);
          const need = write ? PERM_RW : PERM_READ;
          if (!(a >= cStart && a + size <= cEnd && (cPerm & need) === need)) {
            const r = space.find(a, size);
            if (!r || (r.perm & need) !== need) this.fault(pc, a, 0, size, write);
            cStart = r.start; cEnd = r.start + r.size; cPerm = r.perm;
          }
          atomic(view, a, size, imm, L, H, d, s);
          break;
        }
        // ---------------- lddw and legacy packet loads ----------------
        case 0x18: L[d] = imm; H[d] = IMM[pc + 1]!; pc++; break;
        case 0x20: case 0x28: case 0x30: case 0x40: case 0x48: case 0x50: {
          if (!packet) throw new VmError("EINVAL", "LD_ABS/LD_IND needs a packet (socket filter context)", pc);
          const size = (op & 0x18) === 0 ? 4 : (op & 0x18) === 8 ? 2 : 1;
          const off = (op & 0xe0) === 0x40 ? (L[s]! + imm) | 0 : imm;
          if (off < 0 || off + size > packet.length) {
            // The kernel ends the program with r0 = 0 when the load is out of the packet.
            L[0] = 0; H[0] = 0;
            this.steps = steps;
            this.stop(0);
            return 0n;
          }
          const a = packet.start + off;
          L[0] = size === 4 ? view.getInt32(a, false) : size === 2 ? view.getUint16(a, false) : view.getUint8(a);
          H[0] = 0;
          break;
        }
        // ---------------- calls and exit ----------------
        case 0x85: {
          if (s === 0) {
            if (imm === HELPER_TAIL_CALL && options.tailCall) {
              this.curPc = pc;
              const next = this.tailCalls < MAX_TAIL_CALLS ? options.tailCall(this, this.arg(2), L[3]! >>> 0) : undefined;
              if (next) {
                if (!this.checked.has(next)) this.checkHelpers(next);
                this.tailCalls++;
                img = next; OP = img.op; DST = img.dst; SRC = img.src; OFF = img.off; IMM = img.imm; len = img.length;
                pc = 0;
                continue;
              }
              break;
            }
            this.steps = steps; this.curDepth = depth; this.curImage = img;
            this.callHelper(imm, pc);
            steps = this.steps;
            space = this.space;
            if (space.view !== view) view = space.view;
            cEnd = -1; // helpers may map or unmap regions
            if (this.stopped) return this.stopValue;
            break;
          }
          if (s === 1) {
            pc = this.pushFrame(depth, pc, img) + imm;
            depth++;
            break;
          }
          throw new VmError("ENOTSUPP", `kfunc call (btf id ${imm}) is not supported by the interpreter`, pc);
        }
        case 0x8d: {
          // callx: a subprogram address from lddw src=4, or (ubpf/bpf_conformance) a helper id.
          if (H[d] === FUNC_PTR_HI) {
            const target = L[d]!;
            this.pushFrame(depth, pc, img);
            depth++;
            pc = target - 1;
            break;
          }
          if (H[d] !== 0) throw new VmError("EINVAL", `callx through r${d}: 0x${this.argHex(d)} is neither a helper id nor a function address`, pc);
          this.steps = steps; this.curDepth = depth; this.curImage = img;
          this.callHelper(L[d]!, pc);
          steps = this.steps;
          space = this.space;
          if (space.view !== view) view = space.view;
          cEnd = -1;
          if (this.stopped) return this.stopValue;
          break;
        }
        case 0x95: {
          if (depth === baseDepth) {
            this.steps = steps;
            return (BigInt(H[0]! >>> 0) << 32n) | BigInt(L[0]! >>> 0);
          }
          depth--;
          const base = depth * 5;
          for (let k = 0; k < 5; k++) {
            L[6 + k] = this.savedLo[base + k]!;
            H[6 + k] = this.savedHi[base + k]!;
          }
          pc = this.retPc[depth]!;
          const back = this.retImage[depth]!;
          if (back !== img) {
            img = back; OP = img.op; DST = img.dst; SRC = img.src; OFF = img.off; IMM = img.imm; len = img.length;
          }
          break;
        }
        default:
          throw new VmError("EINVAL", `unknown opcode 0x${op.toString(16).padStart(2, "0")}`, pc);
      }
      pc++;
    }
  }

  private argHex(r: number): string {
    return this.arg(r).toString(16);
  }

  /** Saves r6–r10 and the return point; gives the callee its own 512-byte frame. Returns pc. */
  private pushFrame(depth: number, pc: number, img: ProgramImage): number {
    if (depth + 1 >= MAX_CALL_FRAMES) {
      throw new VmError("E2BIG", `the call stack of ${depth + 2} frames is too deep (limit ${MAX_CALL_FRAMES})`, pc);
    }
    const L = this.lo, H = this.hi;
    const base = depth * 5;
    for (let k = 0; k < 5; k++) {
      this.savedLo[base + k] = L[6 + k]!;
      this.savedHi[base + k] = H[6 + k]!;
    }
    this.retPc[depth] = pc;
    this.retImage[depth] = img;
    L[10] = this.stackTop - (depth + 1) * BPF_STACK_SIZE;
    H[10] = 0;
    return pc;
  }

  private callHelper(id: number, pc: number): void {
    const def = this.helpers.get(id >>> 0);
    if (!def) throw new VmError("EINVAL", `call to unknown helper id ${id >>> 0}`, pc);
    this.curPc = pc;
    const r = def.fn(this);
    const L = this.lo, H = this.hi;
    if (r === undefined) {
      L[0] = 0; H[0] = 0;
    } else if (typeof r === "number") {
      if (Number.isSafeInteger(r) && r >= -0x80000000 && r <= 0xffffffff) {
        L[0] = r | 0;
        H[0] = r < 0 ? -1 : 0;
      } else {
        const v = BigInt.asUintN(64, BigInt(Math.trunc(r)));
        L[0] = Number(BigInt.asIntN(32, v)); H[0] = Number(BigInt.asIntN(32, v >> 32n));
      }
    } else {
      const v = BigInt.asUintN(64, r);
      L[0] = Number(BigInt.asIntN(32, v)); H[0] = Number(BigInt.asIntN(32, v >> 32n));
    }
  }

  /** Unknown helper ids are a load-time error, not a surprise halfway through a run. */
  private checkHelpers(image: ProgramImage): void {
    for (let pc = 0; pc < image.length; pc++) {
      if (image.op[pc] === 0x85 && image.src[pc] === 0) {
        const id = image.imm[pc]! >>> 0;
        if (!this.helpers.has(id) && id !== HELPER_TAIL_CALL) {
          throw new VmError("EINVAL", `program calls unknown helper id ${id}`, pc);
        }
      }
      if (image.op[pc] === 0x18) pc++;
    }
    this.checked.add(image);
  }
}

// ---- 64-bit arithmetic on (lo, hi) register halves ------------------------------------------

function setReg(L: Int32Array, H: Int32Array, r: number, value: bigint | number): void {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= -0x80000000 && value <= 0xffffffff) {
    L[r] = value | 0;
    H[r] = value < 0 ? -1 : 0;
    return;
  }
  const v = BigInt.asUintN(64, BigInt(value));
  L[r] = Number(BigInt.asIntN(32, v));
  H[r] = Number(BigInt.asIntN(32, v >> 32n));
}

function ugt(ah: number, al: number, bh: number, bl: number): boolean {
  return ah >>> 0 > bh >>> 0 || (ah === bh && al >>> 0 > bl >>> 0);
}

function sgt(ah: number, al: number, bh: number, bl: number): boolean {
  return ah > bh || (ah === bh && al >>> 0 > bl >>> 0);
}

function shl64(L: Int32Array, H: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  if (n < 32) {
    H[d] = (H[d]! << n) | (L[d]! >>> (32 - n));
    L[d] = L[d]! << n;
  } else {
    H[d] = L[d]! << (n - 32);
    L[d] = 0;
  }
}

function shr64(L: Int32Array, H: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  if (n < 32) {
    L[d] = (L[d]! >>> n) | (H[d]! << (32 - n));
    H[d] = H[d]! >>> n;
  } else {
    L[d] = H[d]! >>> (n - 32);
    H[d] = 0;
  }
}

function sar64(L: Int32Array, H: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  if (n < 32) {
    L[d] = (L[d]! >>> n) | (H[d]! << (32 - n));
    H[d] = H[d]! >> n;
  } else {
    L[d] = H[d]! >> (n - 32);
    H[d] = H[d]! >> 31;
  }
}

function bswap16(v: number): number {
  return ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
}

function bswap32(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

/** be16/32/64 (ALU|END|TO_BE) and bswap16/32/64 (ALU64|END): byte-swap and truncate. */
function bswap(L: Int32Array, H: Int32Array, d: number, bits: number): void {
  if (bits === 16) {
    L[d] = bswap16(L[d]!);
    H[d] = 0;
  } else if (bits === 32) {
    L[d] = bswap32(L[d]!);
    H[d] = 0;
  } else {
    const l = L[d]!;
    L[d] = bswap32(H[d]!);
    H[d] = bswap32(l);
  }
}

/** 32-bit division: by zero gives 0; signed INT_MIN / -1 wraps to INT_MIN, as the kernel does. */
function div32(a: number, b: number, signed: boolean): number {
  if (b === 0) return 0;
  if (signed) return Math.trunc(a / b) | 0;
  return Math.trunc((a >>> 0) / (b >>> 0)) | 0;
}

/** 32-bit modulo: by zero leaves dst (zero-extended); the result has the dividend's sign. */
function mod32(a: number, b: number, signed: boolean): number {
  if (b === 0) return a;
  if (signed) return a % b | 0;
  return (a >>> 0) % (b >>> 0) | 0;
}

function atomic(view: DataView, a: number, size: number, op: number, L: Int32Array, H: Int32Array, d: number, s: number): void {
  if (op === 0x100) {
    // load-acquire: dst = *(size *)(src + off), zero-extended
    if (size === 8) { L[d] = view.getInt32(a, true); H[d] = view.getInt32(a + 4, true); }
    else { L[d] = size === 4 ? view.getInt32(a, true) : size === 2 ? view.getUint16(a, true) : view.getUint8(a); H[d] = 0; }
    return;
  }
  if (op === 0x110) {
    // store-release: *(size *)(dst + off) = src
    if (size === 8) { view.setInt32(a, L[s]!, true); view.setInt32(a + 4, H[s]!, true); }
    else if (size === 4) view.setInt32(a, L[s]!, true);
    else if (size === 2) view.setInt16(a, L[s]!, true);
    else view.setInt8(a, L[s]!);
    return;
  }
  const oldL = view.getInt32(a, true);
  const oldH = size === 8 ? view.getInt32(a + 4, true) : 0;
  let nL = oldL, nH = oldH;
  const sl = L[s]!, sh = size === 8 ? H[s]! : 0;
  switch (op & ~1) {
    case 0x00: { const r = (oldL >>> 0) + (sl >>> 0); nL = r | 0; nH = (oldH + sh + (r > 0xffffffff ? 1 : 0)) | 0; break; }
    case 0x40: nL = oldL | sl; nH = oldH | sh; break;
    case 0x50: nL = oldL & sl; nH = oldH & sh; break;
    case 0xa0: nL = oldL ^ sl; nH = oldH ^ sh; break;
    case 0xe0: nL = sl; nH = sh; break; // xchg
    case 0xf0: { // cmpxchg: compare with r0 (low half only for 32-bit)
      const eq = size === 8 ? L[0] === oldL && H[0] === oldH : L[0] === oldL;
      if (eq) { nL = sl; nH = sh; }
      L[0] = oldL; H[0] = oldH;
      break;
    }
  }
  view.setInt32(a, nL, true);
  if (size === 8) view.setInt32(a + 4, nH, true);
  if ((op & 1) !== 0 && (op & ~1) !== 0xf0) {
    L[s] = oldL;
    H[s] = oldH;
  }
}
