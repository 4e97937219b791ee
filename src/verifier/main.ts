/**
 * The main loop (do_check): walks every path of the program instruction by instruction,
 * pushing the other side of each undecided branch, pruning at prune points against explored
 * states (is_state_visited), detecting infinite loops, and enforcing the processed-instruction
 * limit. Also load-time checks that need the whole program (lddw map references, stack depth of
 * call chains).
 */
import type { Instruction } from "../isa/instruction.js";
import * as O from "../isa/opcodes.js";
import { checkAluOp } from "./alu.js";
import { markRegKnown, markRegKnownZero, markRegNotInit, markRegUnknown } from "./bounds.js";
import { checkFuncCall, checkHelperCall, checkResourceLeak, checkReturnCode, prepareFuncExit } from "./calls.js";
import { CALLBACK_HELPERS } from "./cfg.js";
import { VerifyError, type Env } from "./env.js";
import { formatFrame, insnText, printInsnState, printVerifierState } from "./log.js";
import { checkCondJmpOp } from "./jmp.js";
import { checkMemAccess, checkPtrOffReg } from "./mem.js";
import { propagatePrecision, type Hist } from "./precision.js";
import { copyVState, newFuncState, statesEqual, statesMaybeLooping } from "./state.js";
import {
  CONST_PTR_TO_MAP,
  PTR_TO_CTX,
  PTR_TO_FLOW_KEYS,
  PTR_TO_FUNC,
  PTR_TO_MAP_VALUE,
  PTR_TO_PACKET,
  PTR_TO_PACKET_META,
  PTR_TO_SOCK_COMMON,
  PTR_TO_SOCKET,
  PTR_TO_TCP_SOCK,
  PTR_TO_XDP_SOCK,
  SCALAR_VALUE,
  baseType,
  regTypeStr,
  type VState,
} from "./types.js";
import type { StateList } from "./env.js";


const PROCESS_EXIT = -1;

function regTypeMismatchOk(t: number): boolean {
  switch (baseType(t)) {
    case PTR_TO_CTX:
    case PTR_TO_SOCKET:
    case PTR_TO_SOCK_COMMON:
    case PTR_TO_TCP_SOCK:
    case PTR_TO_XDP_SOCK:
      return false;
    default:
      return true;
  }
}

/** save_aux_ptr_type: one load/store instruction may not see the context and other pointers. */
function saveAuxPtrType(env: Env, type: number): void {
  const prev = env.auxPtrType[env.insnIdx]!;
  if (prev === -1) env.auxPtrType[env.insnIdx] = type;
  else if (type !== prev && (!regTypeMismatchOk(type) || !regTypeMismatchOk(prev))) {
    env.fail("same insn cannot be used with different pointers", "EINVAL");
  }
}

/** check_ld_imm (lddw). */
function checkLdImm(env: Env, insn: Instruction): void {
  if (O.size(insn.op) !== O.BPF_DW) env.fail("invalid BPF_LD_IMM insn", "EINVAL");
  if (insn.off !== 0) env.fail("BPF_LD_IMM64 uses reserved fields", "EINVAL");
  env.checkRegArg(insn.dst, "dst");
  const dst = env.regs[insn.dst]!;
  if (insn.src === 0) {
    dst.type = SCALAR_VALUE;
    markRegKnown(dst, (BigInt(insn.imm2 ?? 0) << 32n) | BigInt(insn.imm >>> 0));
    return;
  }
  markRegKnownZero(dst);
  if (insn.src === O.BPF_PSEUDO_BTF_ID) env.fail("ksym (BTF id) loads are not supported by this verifier", "EINVAL");
  if (insn.src === O.BPF_PSEUDO_FUNC) {
    if (!env.options.hasFuncInfo) env.fail("missing btf func_info", "EINVAL");
    const target = env.insnIdx + insn.imm + 1;
    const sub = env.info.subprogStarts.indexOf(target);
    dst.type = PTR_TO_FUNC;
    dst.subprogno = sub;
    return;
  }
  const map = env.mapOf(env.insnIdx, insn);
  if (typeof map === "string") env.fail(map, "EBADF");
  dst.map = map;
  if (insn.src === O.BPF_PSEUDO_MAP_VALUE || insn.src === O.BPF_PSEUDO_MAP_IDX_VALUE) {
    dst.type = PTR_TO_MAP_VALUE;
    // mapOf checked 0 <= imm2 < value_size; `| 0` hands over a small integer even when the
    // loader stored imm2 as a double, which would turn Reg.off into a boxed double everywhere.
    dst.off = (insn.imm2 ?? 0) | 0;
  } else {
    dst.type = CONST_PTR_TO_MAP;
  }
}

/** check_ld_abs. */
function checkLdAbs(env: Env, insn: Instruction): void {
  const m = O.mode(insn.op);
  if (!env.progType?.ldAbs) env.fail("BPF_LD_[ABS|IND] instructions not allowed for this program type", "EINVAL");
  if (insn.dst !== 0 || insn.off !== 0 || O.size(insn.op) === O.BPF_DW || (m === O.BPF_ABS && insn.src !== 0)) {
    env.fail("BPF_LD_[ABS|IND] uses reserved fields", "EINVAL");
  }
  env.checkRegArg(6, "src");
  checkResourceLeak(env, true, "BPF_LD_[ABS|IND]");
  const regs = env.regs;
  if (regs[6]!.type !== PTR_TO_CTX) env.fail("at the time of BPF_LD_ABS|IND R6 != pointer to skb", "EINVAL");
  if (m === O.BPF_IND) env.checkRegArg(insn.src, "src");
  checkPtrOffReg(env, regs[6]!, 6, false);
  for (let i = 0; i <= 5; i++) {
    markRegNotInit(regs[i]!);
    env.scratch.markReg(i);
  }
  markRegUnknown(regs[0]!);
}

/** check_atomic. */
function checkAtomic(env: Env, insn: Instruction): void {
  const imm = insn.imm;
  if (imm === O.BPF_LOAD_ACQ || imm === O.BPF_STORE_REL) {
    checkAtomicLoadStore(env, insn);
    return;
  }
  const sz = O.size(insn.op);
  if (sz !== O.BPF_W && sz !== O.BPF_DW) env.fail("invalid atomic operand size", "EINVAL");
  const size = O.sizeBytes(sz);
  env.checkRegArg(insn.src, "src");
  env.checkRegArg(insn.dst, "src");
  if (imm === O.BPF_CMPXCHG) {
    env.checkRegArg(0, "src");
    if (env.isPointerValue(0)) env.fail("R0 leaks addr into mem");
  }
  if (env.isPointerValue(insn.src)) env.fail(`R${insn.src} leaks addr into mem`);
  const t = env.regs[insn.dst]!.type;
  if (t === PTR_TO_CTX || t === PTR_TO_PACKET || t === PTR_TO_PACKET + 1 || t === PTR_TO_PACKET - 1 || t === PTR_TO_SOCKET || t === PTR_TO_SOCK_COMMON) {
    env.fail(`BPF_ATOMIC stores into R${insn.dst} ${t === PTR_TO_CTX ? "ctx" : "pkt"} is not allowed`);
  }
  let loadReg = -1;
  if (imm & O.BPF_FETCH) {
    loadReg = imm === O.BPF_CMPXCHG ? 0 : insn.src;
    env.checkRegArg(loadReg, "dst");
  }
  const base = { insnIdx: env.insnIdx, regno: insn.dst, off: insn.off, size, strictOnce: true, isLdsx: false };
  checkMemAccess(env, { ...base, access: "read", valueRegno: -1 });
  if (loadReg >= 0) checkMemAccess(env, { ...base, access: "read", valueRegno: loadReg });
  checkMemAccess(env, { ...base, access: "write", valueRegno: -1 });
}

/**
 * check_atomic_load / check_atomic_store: a plain load (or store) of any size with alignment
 * enforced, then the pointer must be one atomics may use (not ctx, packet, flow keys or sockets).
 */
function checkAtomicLoadStore(env: Env, insn: Instruction): void {
  const load = insn.imm === O.BPF_LOAD_ACQ;
  const ptrReg = load ? insn.src : insn.dst;
  env.checkRegArg(insn.src, "src");
  env.checkRegArg(insn.dst, load ? "dst_no_mark" : "src");
  const ptrType = env.regs[ptrReg]!.type;
  checkMemAccess(env, {
    insnIdx: env.insnIdx,
    regno: ptrReg,
    off: insn.off,
    size: O.sizeBytes(O.size(insn.op)),
    access: load ? "read" : "write",
    valueRegno: load ? insn.dst : insn.src,
    strictOnce: true,
    isLdsx: false,
  });
  if (load) saveAuxPtrType(env, ptrType);
  const t = env.regs[ptrReg]!.type;
  const base = baseType(t);
  if (base === PTR_TO_CTX || base === PTR_TO_PACKET || base === PTR_TO_PACKET_META || base === PTR_TO_FLOW_KEYS || base === PTR_TO_SOCKET || base === PTR_TO_SOCK_COMMON || base === PTR_TO_TCP_SOCK || base === PTR_TO_XDP_SOCK) {
    env.fail(`BPF_ATOMIC ${load ? "loads from" : "stores into"} R${ptrReg} ${regTypeStr(t)} is not allowed`, "EACCES");
  }
}

export class Checker {
  private get explored(): Map<number, StateList[]> {
    return this.env.explored;
  }
  private doPrintState = false;
  /** Registers live before pc (compute_live_registers); one closure, not one per prune point. */
  private readonly liveAt = (pc: number): number => this.env.info.liveBefore[pc]!;

  constructor(private readonly env: Env) {
    if (env.options.logLevel >= 2) this.sccEntries = new Map();
  }

  /** do_check_main. Throws VerifyError on rejection. */
  run(): void {
    const env = this.env;
    const st: VState = {
      frames: [newFuncState(0, -1, 0)],
      curframe: 0,
      refs: [],
      activeLockId: 0,
      activeLockMapUid: 0,
      insnIdx: 0,
      parent: null,
      branches: 1,
      speculative: false,
      callbackUnrollDepth: 0,
      mayGotoDepth: 0,
      hist: null,
    };
    const r1 = st.frames[0]!.regs[1]!;
    markRegUnknown(r1);
    markRegKnownZero(r1);
    r1.type = PTR_TO_CTX;
    env.cur = st;
    env.scratch.markAll();
    this.loop();
    this.checkMaxStackDepth();
  }

  private loop(): void {
    const env = this.env;
    const { slots } = env.info;
    const n = slots.length;
    let prevInsnIdx = -1;
    for (;;) {
      env.prevInsnIdx = prevInsnIdx;
      if (env.insnIdx >= n) env.fail(`invalid insn idx ${env.insnIdx} insn_cnt ${n}`, "EFAULT");
      const insn = slots[env.insnIdx]!;
      if (++env.insnProcessed > env.options.insnLimit) {
        env.fail(`BPF program is too large. Processed ${env.insnProcessed} insn`, "E2BIG");
      }
      env.cur.insnIdx = env.insnIdx;
      if (env.errLines.length) env.errLines = [];
      let next: number;
      if (env.info.prunePoint[env.insnIdx] && this.isStateVisited(env.insnIdx)) {
        if (env.log.enabled) {
          if (this.doPrintState) env.verbose(`\nfrom ${env.prevInsnIdx} to ${env.insnIdx}${env.cur.speculative ? " (speculative execution)" : ""}: safe\n`);
          else env.verbose(`${env.insnIdx}: safe\n`);
        }
        next = PROCESS_EXIT;
      } else {
        if (env.log.level >= 2 && this.doPrintState) {
          env.verbose(`\nfrom ${env.prevInsnIdx} to ${env.insnIdx}${env.cur.speculative ? " (speculative execution)" : ""}:`);
          printVerifierState(env.log, env.cur, env.cur.curframe, true, env.scratch);
          this.doPrintState = false;
        }
        if (env.log.enabled) {
          if (env.scratch.any()) printInsnState(env.log, env.cur, env.insnIdx, env.scratch);
          env.log.prevLogPos = env.log.pos;
          const mapText = insn.op === O.OP_LDDW && insn.src !== 0 && insn.src !== O.BPF_PSEUDO_FUNC ? this.mapName(insn) : undefined;
          env.verbose(`${env.insnIdx}: ${insnText(insn, env.insnIdx, (i) => this.mapName(i))}\n`);
          env.log.prevInsnPrintPos = env.log.pos - env.log.prevLogPos;
          // The kernel prints a map reference as an 18-character address ("0xffff888…"): align
          // the state that follows as it does, so the columns match the kernel's log.
          if (mapText) env.log.prevInsnPrintPos += 18 - mapText.length;
          env.log.prevLogPos = env.log.pos;
        }
        prevInsnIdx = env.insnIdx;
        const node: Hist = { idx: env.insnIdx, prev: env.cur.hist, frame: -1, spi: -1, linked: null };
        env.cur.hist = node;
        env.curHist = node;
        env.liveness.resetWrites(env.cur, env.insnIdx);
        next = this.step(insn);
        env.liveness.commitWrites();
      }
      if (next === PROCESS_EXIT) {
        env.scratch.markAll();
        this.updateBranchCounts(env.cur);
        env.liveness.update(env.cur);
        const elem = env.stack.pop();
        if (!elem) return;
        env.cur = elem.st;
        env.insnIdx = elem.insnIdx;
        prevInsnIdx = elem.prevInsnIdx;
        if (env.log.level < 2) env.log.reset(elem.logPos);
        this.doPrintState = true;
        continue;
      }
      env.insnIdx = next;
    }
  }

  private mapName(insn: Instruction): string | undefined {
    return this.env.mapLabel(this.env.insnIdx, insn);
  }

  private updateBranchCounts(st: VState | null): void {
    // The current state counts itself; walk up through the checkpoints it descends from.
    let s: VState | null = st;
    while (s) {
      if (--s.branches > 0) break;
      if (this.sccEntries) this.maybeExitScc(s);
      s = s.parent;
    }
  }

  /**
   * Level-2 "SCC enter/exit" lines (maybe_enter_scc / maybe_exit_scc): a checkpoint inside a CFG
   * loop is the loop's entry state for its call chain until every path from it has ended.
   * Only the log uses this; it is kept only at log level 2.
   */
  private sccEntries: Map<string, VState> | null = null;

  private sccCallchain(st: VState): string | null {
    const sites: number[] = [];
    for (let i = 0; i <= st.curframe; i++) {
      const idx = i === st.curframe ? st.insnIdx : st.frames[i + 1]!.callsite;
      const scc = this.env.info.scc[idx]!;
      if (scc) return `(${sites.map((x) => `${x},`).join("")}${scc})`;
      if (i === st.curframe) return null;
      sites.push(idx);
    }
    return null;
  }

  private maybeEnterScc(st: VState): void {
    const key = this.sccCallchain(st);
    if (key === null || this.sccEntries!.has(key)) return;
    this.sccEntries!.set(key, st);
    this.env.verbose(`SCC enter ${key}\n`);
  }

  private maybeExitScc(st: VState): void {
    const key = this.sccCallchain(st);
    if (key === null || this.sccEntries!.get(key) !== st) return;
    this.env.verbose(`SCC exit ${key}\n`);
    this.sccEntries!.delete(key);
  }

  /** Executes one instruction; returns the next instruction index or PROCESS_EXIT. */
  private step(insn: Instruction): number {
    const env = this.env;
    const idx = env.insnIdx;
    const reserved = env.info.reserved[idx];
    const cls = O.cls(insn.op);
    if (reserved && cls !== O.BPF_ALU && cls !== O.BPF_ALU64 && !(cls === O.BPF_JMP || cls === O.BPF_JMP32 ? isCondJmp(insn) : false)) {
      env.fail(reserved, "EINVAL");
    }
    switch (cls) {
      case O.BPF_ALU:
      case O.BPF_ALU64:
        checkAluOp(env, insn);
        return idx + 1;
      case O.BPF_LDX: {
        const isLdsx = O.mode(insn.op) === O.BPF_MEMSX;
        env.checkRegArg(insn.src, "src");
        env.checkRegArg(insn.dst, "dst_no_mark");
        const srcType = env.regs[insn.src]!.type;
        checkMemAccess(env, {
          insnIdx: idx,
          regno: insn.src,
          off: insn.off,
          size: O.sizeBytes(O.size(insn.op)),
          access: "read",
          valueRegno: insn.dst,
          strictOnce: false,
          isLdsx,
        });
        saveAuxPtrType(env, srcType);
        return idx + 1;
      }
      case O.BPF_STX: {
        if (O.mode(insn.op) === O.BPF_ATOMIC) {
          checkAtomic(env, insn);
          return idx + 1;
        }
        env.checkRegArg(insn.src, "src");
        env.checkRegArg(insn.dst, "src");
        const dstType = env.regs[insn.dst]!.type;
        checkMemAccess(env, {
          insnIdx: idx,
          regno: insn.dst,
          off: insn.off,
          size: O.sizeBytes(O.size(insn.op)),
          access: "write",
          valueRegno: insn.src,
          strictOnce: false,
          isLdsx: false,
        });
        saveAuxPtrType(env, dstType);
        return idx + 1;
      }
      case O.BPF_ST: {
        env.checkRegArg(insn.dst, "src");
        const dstType = env.regs[insn.dst]!.type;
        checkMemAccess(env, {
          insnIdx: idx,
          regno: insn.dst,
          off: insn.off,
          size: O.sizeBytes(O.size(insn.op)),
          access: "write",
          valueRegno: -1,
          strictOnce: false,
          isLdsx: false,
          isSt: true,
          imm: insn.imm,
        });
        saveAuxPtrType(env, dstType);
        return idx + 1;
      }
      case O.BPF_LD: {
        const m = O.mode(insn.op);
        if (m === O.BPF_ABS || m === O.BPF_IND) {
          checkLdAbs(env, insn);
          return idx + 1;
        }
        if (m === O.BPF_IMM) {
          checkLdImm(env, insn);
          return idx + 2;
        }
        return env.fail("invalid BPF_LD mode", "EINVAL");
      }
      case O.BPF_JMP:
      case O.BPF_JMP32:
        env.jmpsProcessed++;
        return this.jump(insn, idx);
    }
    return env.fail(`unknown insn class ${cls}`, "EINVAL");
  }

  private jump(insn: Instruction, idx: number): number {
    const env = this.env;
    const op = O.aluOp(insn.op);
    const cls = O.cls(insn.op);
    const reserved = env.info.reserved[idx];
    if (op === O.BPF_CALL) {
      if (reserved) env.fail(reserved, "EINVAL");
      if (env.cur.activeLockId && (insn.src !== 0 || (insn.imm !== 94 && insn.imm !== 93))) {
        env.fail("function calls are not allowed while holding a lock", "EINVAL");
      }
      let next: number;
      if (insn.src === O.BPF_PSEUDO_CALL) {
        next = checkFuncCall(env, insn, idx);
        env.liveness.resetCallchain();
      }
      else if (insn.src === O.BPF_PSEUDO_KFUNC_CALL) next = env.fail("kernel function calls are not supported by this verifier", "EINVAL");
      else next = checkHelperCall(env, insn, idx);
      env.scratch.markReg(0);
      return next;
    }
    if (op === O.BPF_JA) {
      if (reserved) env.fail(reserved, "EINVAL");
      return idx + (cls === O.BPF_JMP ? insn.off : insn.imm) + 1;
    }
    if (op === O.BPF_EXIT) {
      if (reserved) env.fail(reserved, "EINVAL");
      checkResourceLeak(env, env.cur.curframe === 0, "BPF_EXIT instruction in main prog");
      if (env.cur.curframe) {
        env.liveness.update(env.cur);
        const next = prepareFuncExit(env);
        this.doPrintState = true;
        return next;
      }
      checkReturnCode(env);
      return PROCESS_EXIT;
    }
    if (op === O.BPF_JCOND) env.fail("may_goto is not supported by this verifier", "EINVAL");
    const next = checkCondJmpOp(env, insn, idx);
    return next < 0 ? PROCESS_EXIT : next;
  }

  /** is_state_visited: 1 when an equivalent explored state makes this path redundant. */
  private isStateVisited(insnIdx: number): boolean {
    const env = this.env;
    const cur = env.cur;
    const forceNew = env.info.forceCheckpoint[insnIdx] === 1;
    let addNew = forceNew || (env.jmpsProcessed - env.prevJmpsProcessed >= 2 && env.insnProcessed - env.prevInsnProcessed >= 8);
    let list = this.explored.get(insnIdx);
    if (!list) {
      list = [];
      this.explored.set(insnIdx, list);
    }
    const live = this.liveAt;
    // clean_live_states: finished checkpoints here forget their dead stack slots.
    for (const sl of list) {
      const st = sl.state;
      if (st.branches || st.cleaned || st.insnIdx !== insnIdx || !statesMaybeLooping(st, cur)) continue;
      env.liveness.clean(st);
    }
    const callsCallback = isCallbackCall(env.info.slots[insnIdx]!);
    let statesCnt = 0;
    // Newest first, as the kernel's list_add at the head: which states hit first decides which
    // ones the miss counter keeps, and so how much later paths are pruned.
    for (let i = list.length - 1; i >= 0; i--) {
      const sl = list[i]!;
      statesCnt++;
      if (sl.state.branches > 0) {
        if (callsCallback && statesEqual(sl.state, cur, "range_within", live, env.allowPtrLeaks)) {
          sl.hit++;
          propagatePrecision(env, sl.state, live);
          return true;
        }
        if (statesMaybeLooping(sl.state, cur) && statesEqual(sl.state, cur, "exact", live, env.allowPtrLeaks) && sl.state.callbackUnrollDepth === cur.callbackUnrollDepth) {
          env.note(`infinite loop detected at insn ${insnIdx}\n`);
          env.note(`cur state:${formatFrame(cur, cur.curframe, true)}\n`);
          env.note(`old state:${formatFrame(sl.state, cur.curframe, true)}\n`);
          throw new VerifyError("EINVAL", `infinite loop detected at insn ${insnIdx}`);
        }
        if (!forceNew && env.jmpsProcessed - env.prevJmpsProcessed < 20 && env.insnProcessed - env.prevInsnProcessed < 100) addNew = false;
      } else if (statesEqual(sl.state, cur, "not_exact", live, env.allowPtrLeaks)) {
        sl.hit++;
        propagatePrecision(env, sl.state, live);
        return true;
      }
      // A miss counts only when a new state will be added: otherwise loop iterations would evict
      // the states recorded earlier (the kernel's rule).
      if (addNew) sl.miss++;
      const k = forceNew && sl.state.branches > 0 ? 64 : 3;
      if (sl.miss > sl.hit * k + k) {
        list.splice(i, 1);
        env.peakStates--;
      }
    }
    if (env.maxStatesPerInsn < statesCnt) env.maxStatesPerInsn = statesCnt;
    if (!env.privileged && statesCnt > 64) return false;
    if (!addNew) return false;
    env.totalStates++;
    env.peakStates++;
    env.prevJmpsProcessed = env.jmpsProcessed;
    env.prevInsnProcessed = env.insnProcessed;
    const saved = copyVState(cur);
    saved.insnIdx = insnIdx;
    saved.branches = 1;
    saved.parent = cur.parent;
    cur.parent = saved;
    cur.hist = null;
    list.push({ state: saved, hit: 0, miss: 0 });
    if (this.sccEntries) this.maybeEnterScc(saved);
    return false;
  }

  /** check_max_stack_depth: frames of a call chain share 512 bytes (32-byte rounded each). */
  private checkMaxStackDepth(): void {
    const env = this.env;
    const starts = env.info.subprogStarts;
    const slots = env.info.slots;
    const calls: number[][] = [];
    for (let s = 0; s < starts.length - 1; s++) {
      const out: number[] = [];
      for (let pc = starts[s]!; pc < starts[s + 1]!; pc++) {
        const insn = slots[pc]!;
        if (insn.op === O.OP_CALL && insn.src === O.BPF_PSEUDO_CALL && !env.info.lddwSecond[pc]) {
          out.push(starts.indexOf(pc + insn.imm + 1));
        }
      }
      calls.push(out);
    }
    const frameSize = (s: number): number => Math.ceil(Math.max(env.stackDepth[s]!, 1) / 32) * 32;
    const walk = (s: number, depth: number, frames: number, seen: Set<number>): void => {
      const d = depth + frameSize(s);
      if (d > 512) env.fail(`combined stack size of ${frames} calls is ${d}. Too large`, "EACCES");
      for (const c of calls[s]!) {
        if (c < 0 || seen.has(c)) continue;
        seen.add(c);
        walk(c, d, frames + 1, seen);
        seen.delete(c);
      }
    };
    walk(0, 0, 1, new Set([0]));
  }
}

function isCondJmp(insn: Instruction): boolean {
  const op = O.aluOp(insn.op);
  return op !== O.BPF_CALL && op !== O.BPF_JA && op !== O.BPF_EXIT && op !== O.BPF_JCOND;
}

function isCallbackCall(insn: Instruction): boolean {
  return insn.op === O.OP_CALL && insn.src === 0 && CALLBACK_HELPERS.has(insn.imm);
}
