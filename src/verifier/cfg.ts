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
      if (off < subStart || off >= subEnd) return { pc: i, message: `jump out of range from insn ${i} to ${off}` };
    }
    if (i === subEnd - 1) {
      if (code !== O.OP_EXIT && code !== (O.BPF_JMP32 | O.BPF_JA) && code !== (O.BPF_JMP | O.BPF_JA)) {
        return { pc: i, message: "last insn is not an exit or jmp" };
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
      if ((m !== O.BPF_MEM && m !== O.BPF_MEMSX) || insn.imm !== 0) return { pc: i, message: "BPF_LDX uses reserved fields" };
    }
    if (insn.op === O.OP_LDDW) {
      if (insn.src !== 0 && insn.src !== O.BPF_PSEUDO_FUNC && insn.src !== O.BPF_PSEUDO_BTF_ID) {
        const ok =
          insn.src === O.BPF_PSEUDO_MAP_VALUE ||
          insn.src === O.BPF_PSEUDO_MAP_IDX_VALUE ||
          ((insn.src === O.BPF_PSEUDO_MAP_FD || insn.src === O.BPF_PSEUDO_MAP_IDX) && (insn.imm2 ?? 0) === 0);
        if (!ok) return { pc: i, message: "unrecognized bpf_ld_imm64 insn" };
      }
      continue;
    }
    const problem = checkInstruction(insn);
    if (problem?.startsWith("unknown opcode")) return { pc: i, message: problem };
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
    if (state[i] !== EXPLORED) return { pc: i, message: `unreachable insn ${i}` };
    if (slots[i]!.op === O.OP_LDDW) {
      if (state[i + 1]) return { pc: i, message: `jump into the middle of ldimm64 insn ${i}` };
    }
  }

  return { slots, lddwSecond: second, subprogStarts, prunePoint, forceCheckpoint, liveBefore: computeLiveRegs(slots, second, options.helperParams), reserved };
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
      if (O.mode(op) === O.BPF_ABS) return [1 << 6, CALLER_SAVED];
      if (O.mode(op) === O.BPF_IND) return [(1 << 6) | s, CALLER_SAVED];
      return [0, 0];
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
      if (a === O.BPF_JA) return [0, 0];
      return [d | (O.srcBit(op) === O.BPF_X ? s : 0), 0];
    }
  }
  return [0, 0];
}

function computeLiveRegs(slots: Instruction[], second: Uint8Array, helperParams?: (id: number) => number | undefined): Uint16Array {
  const n = slots.length;
  const use = new Uint16Array(n);
  const def = new Uint16Array(n);
  const succ: number[][] = [];
  for (let i = 0; i < n; i++) {
    const insn = slots[i]!;
    if (second[i]) {
      succ.push([]);
      continue;
    }
    const [u0, d] = useDef(insn);
    let u = u0;
    if (insn.op === O.OP_CALL && insn.src === 0 && helperParams) {
      const np = helperParams(insn.imm);
      if (np !== undefined) u = ((1 << (np + 1)) - 1) & ~1;
    }
    use[i] = u & 0x7ff;
    def[i] = d & 0x7ff;
    const op = insn.op;
    const out: number[] = [];
    if (isJmp(op)) {
      const a = O.aluOp(op);
      if (a === O.BPF_EXIT) {
        // none
      } else if (a === O.BPF_CALL) out.push(i + 1);
      else if (a === O.BPF_JA) out.push(jumpTarget(insn, i));
      else out.push(i + 1, i + insn.off + 1);
    } else out.push(i + (op === O.OP_LDDW ? 2 : 1));
    succ.push(out.filter((x) => x >= 0 && x < n));
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
