/**
 * Structure checks before abstract interpretation, in the kernel's order and words:
 * add_subprog_and_kfunc (subprogram starts), check_subprogs (jumps stay inside their function, no
 * fall-through off a function), resolve_pseudo_ldimm64 (lddw pairs, unknown opcodes),
 * check_cfg (every instruction reachable, jumps in range, no jump into an lddw, back-edges only
 * for privileged programs) — plus the prune points it marks and the register liveness
 * (compute_live_registers) used for state pruning.
 */
import type { Instruction } from "../isa/instruction.js";
import { checkInstruction } from "../isa/validate.js";
import * as O from "../isa/opcodes.js";

export interface VerifierError {
  pc: number;
  message: string;
  /** Subprogram starts, once known (the level-2 log lists them before later errors). */
  subprogStarts?: number[];
}

export interface ProgramInfo {
  /** One entry per 8-byte slot; the second slot of an lddw holds its raw second half. */
  slots: Instruction[];
  /** 1 for the second slot of an lddw. */
  lddwSecond: Uint8Array;
  /** Sorted subprogram start slots, with the slot count appended. */
  subprogStarts: number[];
  prunePoint: Uint8Array;
  forceCheckpoint: Uint8Array;
  /** Registers live before each slot (bit i = ri). */
  liveBefore: Uint16Array;
  /** CFG strongly connected component of each slot, 0 for one not in a loop (compute_scc). */
  scc: Uint32Array;
  /** Successors of each slot (insn_successors; none for the second slot of an lddw). */
  succ: number[][];
  /** checkInstruction's complaint about a slot, reported when the slot is reached. */
  reserved: (string | null)[];
}

export const CALLBACK_HELPERS = new Set([164 /* for_each_map_elem */, 181 /* loop */, 170 /* timer_set_callback */, 180 /* find_vma */, 209 /* user_ringbuf_drain */]);
const SYNC_CALLBACK_HELPERS = new Set([164, 181, 180, 209]);

export function toSlots(insns: readonly Instruction[]): { slots: Instruction[]; second: Uint8Array } {
  const slots: Instruction[] = [];
  const flags: number[] = [];
  for (const insn of insns) {
    slots.push(insn);
    flags.push(0);
    if (insn.op === O.OP_LDDW) {
      slots.push({ op: 0, dst: 0, src: 0, off: 0, imm: insn.imm2 ?? 0 });
      flags.push(1);
    }
  }
  return { slots, second: Uint8Array.from(flags) };
}

const isJmp = (op: number): boolean => O.cls(op) === O.BPF_JMP || O.cls(op) === O.BPF_JMP32;

/** Target of a jump at pc (JA of JMP32 uses imm). */
function jumpTarget(insn: Instruction, pc: number): number {
  if (insn.op === (O.BPF_JMP32 | O.BPF_JA)) return pc + insn.imm + 1;
  return pc + insn.off + 1;
}

const isPseudoCall = (i: Instruction): boolean => i.op === O.OP_CALL && i.src === O.BPF_PSEUDO_CALL;
const isPseudoFunc = (i: Instruction): boolean => i.op === O.OP_LDDW && i.src === O.BPF_PSEUDO_FUNC;
const isHelperCall = (i: Instruction): boolean => i.op === O.OP_CALL && i.src === 0;

export interface CfgOptions {
  privileged: boolean;
  /**
   * Number of parameters of a helper (get_call_summary): a helper call reads only r1..rN
   * for register liveness; undefined (unknown helper) reads r1-r5.
   */
  helperParams?: (id: number) => number | undefined;
}

/** Runs the structure checks; returns the program description or the first error. */
export function analyzeProgram(insns: readonly Instruction[], options: CfgOptions): ProgramInfo | VerifierError {
  const { slots, second } = toSlots(insns);
  const n = slots.length;

  // add_subprog_and_kfunc
  const starts = new Set<number>([0]);
  for (let i = 0; i < n; i++) {
    if (second[i]) continue;
    const insn = slots[i]!;
    if (isPseudoCall(insn) || isPseudoFunc(insn)) {
      if (!options.privileged) return { pc: i, message: "loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN" };
      const t = i + insn.imm + 1;
      if (t < 0 || t >= n) return { pc: i, message: "call to invalid destination" };
      starts.add(t);
    } else if (insn.op === O.OP_CALL && insn.src === O.BPF_PSEUDO_KFUNC_CALL) {
      return { pc: i, message: "calling kernel functions is not supported" };
    }
  }
  const subprogStarts = [...starts].sort((a, b) => a - b);
  subprogStarts.push(n);

  // check_subprogs
  let cur = 0;
  let subStart = subprogStarts[0]!;
  let subEnd = subprogStarts[1]!;
  for (let i = 0; i < n; i++) {
    const insn = slots[i]!;
    const code = insn.op;
    if (!second[i] && isJmp(code) && O.aluOp(code) !== O.BPF_EXIT && O.aluOp(code) !== O.BPF_CALL) {
      const off = jumpTarget(insn, i);
      if (off < subStart || off >= subEnd) return { subprogStarts, pc: i, message: `jump out of range from insn ${i} to ${off}` };
    }
    if (i === subEnd - 1) {
      if (code !== O.OP_EXIT && code !== (O.BPF_JMP32 | O.BPF_JA) && code !== (O.BPF_JMP | O.BPF_JA)) {
        return { subprogStarts, pc: i, message: "last insn is not an exit or jmp" };
      }
      subStart = subEnd;
      cur++;
      if (cur < subprogStarts.length - 1) subEnd = subprogStarts[cur + 1]!;
    }
  }

  // resolve_pseudo_ldimm64 (the part that does not need maps) and unknown opcodes
  const reserved: (string | null)[] = new Array(n).fill(null);
  for (let i = 0; i < n; i++) {
    const insn = slots[i]!;
    if (second[i]) continue;
    if (O.cls(insn.op) === O.BPF_LDX) {
      const m = O.mode(insn.op);
      if ((m !== O.BPF_MEM && m !== O.BPF_MEMSX) || insn.imm !== 0) return { subprogStarts, pc: i, message: "BPF_LDX uses reserved fields" };
    }
    if (insn.op === O.OP_LDDW) {
      if (insn.src !== 0 && insn.src !== O.BPF_PSEUDO_FUNC && insn.src !== O.BPF_PSEUDO_BTF_ID) {
        const ok =
          insn.src === O.BPF_PSEUDO_MAP_VALUE ||
          insn.src === O.BPF_PSEUDO_MAP_IDX_VALUE ||
          ((insn.src === O.BPF_PSEUDO_MAP_FD || insn.src === O.BPF_PSEUDO_MAP_IDX) && (insn.imm2 ?? 0) === 0);
        if (!ok) return { subprogStarts, pc: i, message: "unrecognized bpf_ld_imm64 insn" };
      }
      continue;
    }
    const problem = checkInstruction(insn);
    if (problem?.startsWith("unknown opcode")) return { subprogStarts, pc: i, message: problem };
    reserved[i] = problem;
  }

  // check_cfg: iterative DFS with the kernel's explored states.
  const DISCOVERED = 0x10;
  const EXPLORED = 0x20;
  const state = new Uint8Array(n);
  const prunePoint = new Uint8Array(n);
  const forceCheckpoint = new Uint8Array(n);
  const stack: number[] = [0];
  state[0] = DISCOVERED;
  const FALL = 1;
  const BRANCH = 2;
  const edgeDone = new Uint8Array(n); // bitmask of pushed edges
  let error: VerifierError | null = null;

  // push_insn: 0 = keep exploring t, 1 = pushed w, -1 = error
  const pushInsn = (t: number, w: number, e: number): number => {
    if ((e === FALL && edgeDone[t]! & FALL) || (e === BRANCH && edgeDone[t]! & BRANCH)) return 0;
    if (w < 0 || w >= n) {
      error = { pc: t, message: `jump out of range from insn ${t} to ${w}` };
      return -1;
    }
    if (e === BRANCH) prunePoint[w] = 1;
    if (state[w] === 0) {
      edgeDone[t]! |= e;
      state[w] = DISCOVERED;
      stack.push(w);
      return 1;
    } else if (state[w] === DISCOVERED) {
      if (!options.privileged) {
        error = { pc: t, message: `back-edge from insn ${t} to ${w}` };
        return -1;
      }
      edgeDone[t]! |= e;
      return 0;
    }
    edgeDone[t]! |= e;
    return 0;
  };

  while (stack.length) {
    const t = stack[stack.length - 1]!;
    const insn = slots[t]!;
    let r = 0;
    const code = insn.op;
    if (second[t]) {
      // Reached the middle of an lddw: the instruction there is opcode 0.
      r = pushInsn(t, t + 1, FALL);
    } else if (isPseudoFunc(insn)) {
      r = pushInsn(t, t + 2, FALL);
      if (r === 0) {
        prunePoint[t + 2 < n ? t + 2 : t] = 1;
        r = pushInsn(t, t + insn.imm + 1, BRANCH);
      }
    } else if (!isJmp(code)) {
      r = pushInsn(t, t + (code === O.OP_LDDW ? 2 : 1), FALL);
    } else {
      const jop = O.aluOp(code);
      if (jop === O.BPF_EXIT) {
        r = 0;
      } else if (jop === O.BPF_CALL) {
        if (isHelperCall(insn) && SYNC_CALLBACK_HELPERS.has(insn.imm)) {
          forceCheckpoint[t] = 1;
          prunePoint[t] = 1;
        }
        r = pushInsn(t, t + 1, FALL);
        if (r === 0) {
          if (t + 1 < n) prunePoint[t + 1] = 1;
          if (isPseudoCall(insn)) {
            prunePoint[t] = 1;
            r = pushInsn(t, t + insn.imm + 1, BRANCH);
          }
        }
      } else if (jop === O.BPF_JA) {
        const w = jumpTarget(insn, t);
        r = pushInsn(t, w, FALL);
        if (r >= 0 && w >= 0 && w < n) prunePoint[w] = 1;
      } else {
        prunePoint[t] = 1;
        if (jop === O.BPF_JCOND) forceCheckpoint[t] = 1;
        r = pushInsn(t, t + 1, FALL);
        if (r === 0) r = pushInsn(t, t + insn.off + 1, BRANCH);
      }
    }
    if (r < 0) return error!;
    if (r === 0) {
      state[t] = EXPLORED;
      stack.pop();
    }
  }
  for (let i = 0; i < n; i++) {
    if (second[i]) continue;
    if (state[i] !== EXPLORED) return { subprogStarts, pc: i, message: `unreachable insn ${i}` };
    if (slots[i]!.op === O.OP_LDDW) {
      if (state[i + 1]) return { subprogStarts, pc: i, message: `jump into the middle of ldimm64 insn ${i}` };
    }
  }

  const succ = successors(slots, second);
  return {
    slots,
    lddwSecond: second,
    subprogStarts,
    prunePoint,
    forceCheckpoint,
    liveBefore: computeLiveRegs(slots, second, succ, options.helperParams),
    scc: computeScc(succ),
    succ,
    reserved,
  };
}

/** use/def of one instruction for liveness (compute_insn_live_regs). */
function useDef(insn: Instruction): [number, number] {
  const op = insn.op;
  const c = O.cls(op);
  const d = 1 << insn.dst;
  const s = 1 << insn.src;
  const CALLER_SAVED = 0x3f;
  switch (c) {
    case O.BPF_LD:
      if (op === O.OP_LDDW) return [0, d];
      // LD_ABS/LD_IND keep the kernel's default: every register read, none written
      return [0xffff, 0];
    case O.BPF_LDX:
      return [s, d];
    case O.BPF_ST:
      return [d, 0];
    case O.BPF_STX:
      if (O.mode(op) === O.BPF_ATOMIC) {
        if (insn.imm === O.BPF_CMPXCHG) return [d | s | 1, 1];
        if (insn.imm === O.BPF_LOAD_ACQ) return [s, d];
        if (insn.imm === O.BPF_STORE_REL) return [d | s, 0];
        return [d | s, insn.imm & O.BPF_FETCH ? s : 0];
      }
      return [d | s, 0];
    case O.BPF_ALU:
    case O.BPF_ALU64: {
      const a = O.aluOp(op);
      if (a === O.BPF_MOV) return [O.srcBit(op) === O.BPF_X ? s : 0, d];
      if (a === O.BPF_NEG || a === O.BPF_END) return [d, d];
      return [d | (O.srcBit(op) === O.BPF_X ? s : 0), d];
    }
    case O.BPF_JMP:
    case O.BPF_JMP32: {
      const a = O.aluOp(op);
      if (a === O.BPF_EXIT) return [1, 0];
      if (a === O.BPF_CALL) return [0x3e, CALLER_SAVED];
      if (a === O.BPF_JA || a === O.BPF_JCOND) return [0, 0];
      return [d | (O.srcBit(op) === O.BPF_X ? s : 0), 0];
    }
  }
  return [0, 0];
}

/** insn_successors: fall-through first, then the jump target (once); calls fall through. */
function successors(slots: Instruction[], second: Uint8Array): number[][] {
  const n = slots.length;
  const succ: number[][] = [];
  for (let i = 0; i < n; i++) {
    if (second[i]) {
      succ.push([]);
      continue;
    }
    const insn = slots[i]!;
    const op = insn.op;
    const out: number[] = [];
    if (isJmp(op)) {
      const a = O.aluOp(op);
      if (a === O.BPF_CALL) out.push(i + 1);
      else if (a === O.BPF_JA) out.push(jumpTarget(insn, i));
      else if (a !== O.BPF_EXIT) {
        out.push(i + 1);
        const t = jumpTarget(insn, i);
        if (t !== i + 1) out.push(t);
      }
    } else out.push(i + (op === O.OP_LDDW ? 2 : 1));
    succ.push(out.filter((x) => x >= 0 && x < n));
  }
  return succ;
}

function computeLiveRegs(slots: Instruction[], second: Uint8Array, succ: number[][], helperParams?: (id: number) => number | undefined): Uint16Array {
  const n = slots.length;
  const use = new Uint16Array(n);
  const def = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    if (second[i]) continue;
    const insn = slots[i]!;
    const [u0, d] = useDef(insn);
    let u = u0;
    if (insn.op === O.OP_CALL && insn.src === 0 && helperParams) {
      const np = helperParams(insn.imm);
      if (np !== undefined) u = ((1 << (np + 1)) - 1) & ~1;
    }
    use[i] = u & 0x7ff;
    def[i] = d & 0x7ff;
  }
  const liveIn = new Uint16Array(n);
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      if (second[i]) continue;
      let out = 0;
      for (const s of succ[i]!) out |= liveIn[s]!;
      const inn = (use[i]! | (out & ~def[i]!)) & 0x7ff;
      if (inn !== liveIn[i]) {
        liveIn[i] = inn;
        changed = true;
      }
    }
  }
  return liveIn;
}

/**
 * compute_scc: Tarjan's algorithm in the kernel's iterative form (low[] merged from every visited
 * successor), so components are numbered in the order the kernel numbers them. A slot gets a
 * number only in a component of two or more slots or with a self edge (6.18 does not yet count a
 * callback-calling helper as an implicit loop).
 */
function computeScc(succ: number[][]): Uint32Array {
  const n = succ.length;
  const NOT_ON_STACK = 0xffffffff;
  const scc = new Uint32Array(n);
  const pre = new Uint32Array(n);
  const low = new Uint32Array(n);
  const stack: number[] = [];
  let nextPre = 1;
  let nextScc = 1;
  for (let i = 0; i < n; i++) {
    if (pre[i]) continue;
    const dfs: number[] = [i];
    outer: while (dfs.length) {
      const w = dfs[dfs.length - 1]!;
      if (pre[w] === 0) {
        low[w] = pre[w] = nextPre++;
        stack.push(w);
      }
      const ss = succ[w]!;
      for (const t of ss) {
        if (pre[t]) low[w] = Math.min(low[w]!, low[t]!);
        else {
          dfs.push(t);
          continue outer;
        }
      }
      dfs.pop();
      if (low[w]! < pre[w]!) continue; // part of a component rooted further up
      const assign = stack[stack.length - 1] !== w || ss.includes(w);
      let t: number;
      do {
        t = stack.pop()!;
        low[t] = NOT_ON_STACK;
        if (assign) scc[t] = nextScc;
      } while (t !== w);
      if (assign) nextScc++;
    }
  }
  return scc;
}

/** The subprogram that contains slot pc. */
export function subprogOf(info: ProgramInfo, pc: number): number {
  const s = info.subprogStarts;
  let lo = 0;
  let hi = s.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s[mid]! <= pc) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
