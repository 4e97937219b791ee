/**
 * The verifier environment (struct bpf_verifier_env): the program and its inputs, the current
 * state, the log, id generation and counters, and the small register checks every other module
 * uses (check_reg_arg, is_pointer_value).
 */
import type { Instruction } from "../isa/instruction.js";
import type { ProgramTypeSpec } from "../progtypes/types.js";
import { markRegUnknown } from "./bounds.js";
import type { TracingTarget } from "./btf-access.js";
import type { ProgramInfo } from "./cfg.js";
import { Scratch, VerifierLog } from "./log.js";
import type { Hist } from "./precision.js";
import type { ParsedProto } from "./protos.js";
import { StackLiveness } from "./liveness.js";
import { copyVState } from "./state.js";
import { NOT_INIT, SCALAR_VALUE, type FuncState, type MapDesc, type Reg, type VState } from "./types.js";

/** A branch waiting to be explored (struct bpf_verifier_stack_elem). */
export interface StackElem {
  st: VState;
  insnIdx: number;
  prevInsnIdx: number;
  logPos: number;
}

export const BPF_COMPLEXITY_LIMIT_JMP_SEQ = 8192;

/** One explored state at a prune point (struct bpf_verifier_state_list). */
export interface StateList {
  state: VState;
  hit: number;
  miss: number;
}

/** Thrown to stop verification; the message is already in the log. */
export class VerifyError extends Error {
  constructor(
    readonly errno: string,
    message: string,
  ) {
    super(message);
  }
}

export interface HelperInfo {
  id: number;
  name: string;
  proto: ParsedProto | undefined;
}

export interface EnvOptions {
  logLevel: number;
  unprivileged: boolean;
  /** Number of possible CPUs (bounds bpf_get_smp_processor_id()). */
  nrCpus: number;
  /** Processed-instruction limit (BPF_COMPLEXITY_LIMIT_INSNS). */
  insnLimit: number;
  attachType?: string;
  /** True when the program carries BTF func_info (needed for callbacks). */
  hasFuncInfo: boolean;
  gplCompatible: boolean;
  /** BPF_PROG_TYPE_TRACING: the attach target and the kernel BTF it lives in. */
  tracing?: TracingTarget;
  /** BPF_F_SLEEPABLE (fentry.s …): may call helpers that sleep, runs outside RCU read sections. */
  sleepable?: boolean;
}

export class Env {
  readonly log: VerifierLog;
  readonly scratch = new Scratch();
  cur!: VState;
  insnIdx = 0;
  prevInsnIdx = -1;
  idGen = 0;
  insnProcessed = 0;
  jmpsProcessed = 0;
  prevInsnProcessed = 0;
  prevJmpsProcessed = 0;
  totalStates = 0;
  peakStates = 0;
  maxStatesPerInsn = 0;
  /** Text of the current error (all its lines), for the API. */
  errLines: string[] = [];
  /** Pointer type seen at each load/store (save_aux_ptr_type); -1 unset. */
  readonly auxPtrType: Int32Array;
  /** Highest stack depth seen per subprogram (bytes). */
  readonly stackDepth: number[];
  maxCtxOffset = 0;
  /** History node of the instruction being checked (stack accesses and linked scalars note themselves in it). */
  curHist: Hist | null = null;
  maxPktOffset = 0;
  readonly privileged: boolean;
  /** Live stack slots (liveness.c). */
  readonly liveness: StackLiveness;

  constructor(
    readonly info: ProgramInfo,
    readonly options: EnvOptions,
    readonly progType: ProgramTypeSpec | undefined,
    readonly maps: readonly MapDesc[],
    readonly helpers: ReadonlyMap<number, HelperInfo>,
    readonly mapOf: (pc: number, insn: Instruction) => MapDesc | string,
  ) {
    this.log = new VerifierLog(options.logLevel);
    this.privileged = !options.unprivileged;
    this.liveness = new StackLiveness(info, options.logLevel >= 2 ? (text) => this.verbose(text) : undefined);
    this.auxPtrType = new Int32Array(info.slots.length).fill(-1);
    this.stackDepth = new Array(info.subprogStarts.length - 1).fill(0);
  }

  /** env->allow_ptr_leaks / bypass_spec_v1 / allow_uninit_stack / bpf_capable. */
  get allowPtrLeaks(): boolean {
    return this.privileged;
  }

  verbose(text: string): void {
    if (this.log.enabled) this.log.write(text);
  }

  /** How the log names the map an lddw at pc refers to ("map[id:N]"), if it is one. */
  mapLabel(pc: number, insn: Instruction): string | undefined {
    const m = this.mapOf(pc, insn);
    return typeof m === "string" ? undefined : `map[id:${m.uid}]`;
  }

  /** Error text: kept for the API and written to the log. */
  note(text: string): void {
    for (const line of text.split("\n")) if (line) this.errLines.push(line);
    this.verbose(text);
  }

  fail(message: string, errno = "EACCES"): never {
    this.note(message + "\n");
    throw new VerifyError(errno, message);
  }

  get frame(): FuncState {
    return this.cur.frames[this.cur.curframe]!;
  }

  get regs(): Reg[] {
    return this.frame.regs;
  }

  /** The frame a stack pointer points into. */
  frameOf(reg: Reg): FuncState {
    return this.cur.frames[reg.frameno]!;
  }

  /** check_reg_arg. */
  checkRegArg(regno: number, t: "src" | "dst" | "dst_no_mark"): void {
    if (regno >= 11) this.fail(`R${regno} is invalid`, "EINVAL");
    this.scratch.markReg(regno);
    const reg = this.regs[regno]!;
    if (t === "src") {
      if (reg.type === NOT_INIT) this.fail(`R${regno} !read_ok`);
      return;
    }
    if (regno === 10) this.fail("frame pointer is read only");
    if (t === "dst") markRegUnknown(reg);
  }

  /** is_pointer_value: a pointer where a scalar is needed, which only unprivileged programs may not leak. */
  isPointerValue(regno: number): boolean {
    return !this.allowPtrLeaks && this.regs[regno]!.type !== SCALAR_VALUE;
  }

  newId(): number {
    return ++this.idGen;
  }

  readonly stack: StackElem[] = [];
  /** Explored states per prune point, oldest first. */
  readonly explored = new Map<number, StateList[]>();

  /** push_stack: a copy of the current state to explore later from insnIdx. */
  pushStack(insnIdx: number, prevInsnIdx: number, speculative = false): VState {
    const st = copyVState(this.cur);
    st.insnIdx = insnIdx;
    st.speculative = st.speculative || speculative;
    this.stack.push({ st, insnIdx, prevInsnIdx, logPos: this.log.pos });
    if (this.stack.length > BPF_COMPLEXITY_LIMIT_JMP_SEQ) {
      this.fail(`The sequence of ${this.stack.length} jumps is too complex.`, "E2BIG");
    }
    if (st.parent) st.parent.branches++;
    return st;
  }
}
