/**
 * Live stack slots (the kernel's kernel/bpf/liveness.c, 6.18): call-chain sensitive, path
 * insensitive. While the main loop runs, every (call chain, instruction) accumulates the stack
 * slots it may read (union over visits) and must write (intersection over visits; only whole,
 * aligned 8-byte writes count). A textbook backward data flow over the subprogram's CFG turns
 * them into "live before" sets, and a callee's entry sets flow to its call site in the caller's
 * instance. Checkpoints whose every path has been explored are then cleaned: dead slots become
 * STACK_INVALID, so states_equal ignores them (clean_live_states).
 *
 * Masks are 64 slots wide, kept as two 32-bit halves (lo: slots 0–31, hi: 32–63).
 */
import * as O from "../isa/opcodes.js";
import { CALLBACK_HELPERS, type ProgramInfo } from "./cfg.js";
import { clearSlot } from "./state.js";
import type { VState } from "./types.js";

const MAX_FRAMES = 8;
// Per instruction, per frame: may_read, must_write, must_write_acc, live_before (lo, hi each).
const MR = 0;
const MW = 2;
const MWA = 4;
const LB = 6;
const STRIDE = 8;

interface Instance {
  /** callsites[0..curframe-1], then the subprogram's start. */
  callsites: number[];
  curframe: number;
  start: number;
  sub: number;
  insnCnt: number;
  frames: (Uint32Array | null)[];
  mustWriteSet: Uint8Array;
  updated: boolean;
  mustWriteDropped: boolean;
}

export class StackLiveness {
  private readonly instances = new Map<string, Instance>();
  private cur: Instance | null = null;
  private readonly writeAcc = new Uint32Array(MAX_FRAMES * 2);
  private writeIdx = 0;
  /** Successors of each slot (bpf_insn_successors). */
  private readonly succ: readonly number[][];
  /** Post-order of each subprogram's reachable instructions. */
  private readonly postorder: Int32Array[];
  private readonly callsCallback: Uint8Array;

  /** Level-2 log sink: the kernel prints each mask change and the iteration count. */
  private readonly log: ((text: string) => void) | undefined;

  constructor(
    private readonly info: ProgramInfo,
    log?: (text: string) => void,
  ) {
    this.log = log;
    const { slots, lddwSecond, subprogStarts } = info;
    const n = slots.length;
    // Successors and loops come from the structure checks (insn_successors, compute_scc).
    this.succ = info.succ;
    this.callsCallback = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const insn = slots[i]!;
      if (!lddwSecond[i] && insn.op === O.OP_CALL && insn.src === 0 && CALLBACK_HELPERS.has(insn.imm)) this.callsCallback[i] = 1;
    }
    // compute_postorder, as the kernel walks: all undiscovered successors pushed at once, a node
    // emitted when it is met again once explored. The fixed point does not depend on the order,
    // but the number of iterations (printed at log level 2) does.
    this.postorder = [];
    const state = new Uint8Array(n); // 1 discovered, 2 explored
    for (let s = 0; s + 1 < subprogStarts.length; s++) {
      const order: number[] = [];
      const stack: number[] = [subprogStarts[s]!];
      while (stack.length) {
        const top = stack[stack.length - 1]!;
        state[top]! |= 1;
        if (state[top]! & 2) {
          order.push(top);
          stack.pop();
          continue;
        }
        for (const t of this.succ[top]!) {
          if (!state[t]) {
            stack.push(t);
            state[t] = 1;
          }
        }
        state[top]! |= 2;
      }
      this.postorder.push(Int32Array.from(order));
    }
  }

  private subStart(st: VState, frameno: number): number {
    return this.info.subprogStarts[st.frames[frameno]!.subprogno]!;
  }

  /** lookup_instance: the function instance of st's call chain up to frameno. */
  private lookup(st: VState, frameno: number): Instance {
    let key = "";
    for (let i = 0; i < frameno; i++) key += `${st.frames[i + 1]!.callsite},`;
    const start = this.subStart(st, frameno);
    key += start;
    let inst = this.instances.get(key);
    if (!inst) {
      const callsites: number[] = [];
      for (let i = 0; i < frameno; i++) callsites.push(st.frames[i + 1]!.callsite);
      callsites.push(start);
      inst = this.newInstance(key, callsites, frameno, st.frames[frameno]!.subprogno);
    }
    return inst;
  }

  private newInstance(key: string, callsites: number[], curframe: number, sub: number): Instance {
    const start = this.info.subprogStarts[sub]!;
    const insnCnt = this.info.subprogStarts[sub + 1]! - start;
    const inst: Instance = {
      callsites,
      curframe,
      start,
      sub,
      insnCnt,
      frames: new Array<Uint32Array | null>(curframe + 1).fill(null),
      mustWriteSet: new Uint8Array(insnCnt),
      updated: false,
      mustWriteDropped: false,
    };
    this.instances.set(key, inst);
    return inst;
  }

  /** get_outer_instance: the caller's instance (the chain one frame up). */
  private outer(inst: Instance): Instance {
    const callsites = inst.callsites.slice(0, inst.curframe - 1);
    // The caller's subprogram: the one containing the call site.
    const callsite = inst.callsites[inst.curframe - 1]!;
    const s = this.info.subprogStarts;
    let sub = 0;
    while (sub + 1 < s.length - 1 && s[sub + 1]! <= callsite) sub++;
    callsites.push(s[sub]!);
    const key = callsites.join(",");
    return this.instances.get(key) ?? this.newInstance(key, callsites, inst.curframe - 1, sub);
  }

  private masks(inst: Instance, frame: number): Uint32Array {
    let m = inst.frames[frame];
    if (!m) {
      m = new Uint32Array(inst.insnCnt * STRIDE);
      inst.frames[frame] = m;
    }
    return m;
  }

  /** bpf_reset_live_stack_callchain: the current state's call chain changed. */
  resetCallchain(): void {
    this.cur = null;
  }

  private ensureCur(st: VState): Instance {
    if (!this.cur) this.cur = this.lookup(st, st.curframe);
    return this.cur;
  }

  private markReadIn(inst: Instance, frame: number, insnIdx: number, lo: number, hi: number): void {
    const m = this.masks(inst, frame);
    const o = (insnIdx - inst.start) * STRIDE;
    const nlo = (m[o + MR]! | lo) >>> 0;
    const nhi = (m[o + MR + 1]! | hi) >>> 0;
    if ((nlo !== m[o + MR] || nhi !== m[o + MR + 1]) && (((nlo | m[o + LB]!) >>> 0) !== m[o + LB] || ((nhi | m[o + LB + 1]!) >>> 0) !== m[o + LB + 1])) {
      inst.updated = true;
    }
    m[o + MR] = nlo;
    m[o + MR + 1] = nhi;
  }

  /** bpf_mark_stack_read: slot spi of frame `frame` may be read at insnIdx. */
  markRead(st: VState, frame: number, insnIdx: number, spi: number): void {
    const inst = this.ensureCur(st);
    if (spi < 32) this.markReadIn(inst, frame, insnIdx, (1 << spi) >>> 0, 0);
    else this.markReadIn(inst, frame, insnIdx, 0, (1 << (spi - 32)) >>> 0);
  }

  /** bpf_mark_stack_write: slot spi of frame `frame` is written by the current instruction. */
  markWrite(frame: number, spi: number): void {
    if (spi < 32) this.writeAcc[frame * 2] = (this.writeAcc[frame * 2]! | (1 << spi)) >>> 0;
    else this.writeAcc[frame * 2 + 1] = (this.writeAcc[frame * 2 + 1]! | (1 << (spi - 32))) >>> 0;
  }

  private resetWritesIn(inst: Instance, insnIdx: number): void {
    this.writeIdx = insnIdx;
    for (let i = 0; i <= inst.curframe; i++) this.writeAcc[i * 2] = this.writeAcc[i * 2 + 1] = 0;
  }

  /** bpf_reset_stack_write_marks: before an instruction is checked. */
  resetWrites(st: VState, insnIdx: number): void {
    this.resetWritesIn(this.ensureCur(st), insnIdx);
  }

  private commitIn(inst: Instance | null): void {
    if (!inst) return;
    const idx = this.writeIdx - inst.start;
    const set = inst.mustWriteSet[idx] === 1;
    for (let frame = 0; frame <= inst.curframe; frame++) {
      let lo = this.writeAcc[frame * 2]!;
      let hi = this.writeAcc[frame * 2 + 1]!;
      if (lo === 0 && hi === 0 && !set) continue;
      const m = this.masks(inst, frame);
      const o = idx * STRIDE;
      // The kernel keeps the previous must_write in a u32: its upper half (slots 32–63)
      // reads as zero, so a second visit drops those slots (reproduced for equal counts).
      const oldLo = m[o + MW]!;
      if (set) {
        lo = (lo & oldLo) >>> 0;
        hi = 0;
      }
      if (oldLo !== lo || hi !== 0) {
        m[o + MW] = lo;
        m[o + MW + 1] = hi;
        inst.updated = true;
      }
      if ((oldLo & ~lo) !== 0) inst.mustWriteDropped = true;
    }
    inst.mustWriteSet[idx] = 1;
    this.writeIdx = 0;
  }

  /** bpf_commit_stack_write_marks: after an instruction was checked without error. */
  commitWrites(): void {
    this.commitIn(this.cur);
  }

  /** log_mask_change: "(callchain) frame F insn I +live -8,-16 -written -24". */
  private logMaskChange(inst: Instance, what: string, frame: number, insnIdx: number, oldLo: number, oldHi: number, newLo: number, newHi: number): void {
    const chLo = (oldLo ^ newLo) >>> 0;
    const chHi = (oldHi ^ newHi) >>> 0;
    if (!chLo && !chHi) return;
    const fmt = (lo: number, hi: number): string => {
      const out: string[] = [];
      for (let i = 0; i < 64; i++) if ((i < 32 ? lo >>> i : hi >>> (i - 32)) & 1) out.push(`-${(i + 1) * 8}`);
      return out.join(",");
    };
    let text = `(${inst.callsites.join(",")}) frame ${frame} insn ${insnIdx} `;
    const onesLo = newLo & chLo;
    const onesHi = newHi & chHi;
    const zerosLo = ~newLo & chLo;
    const zerosHi = ~newHi & chHi;
    if (onesLo || onesHi) text += `+${what} ${fmt(onesLo, onesHi)} `;
    if (zerosLo || zerosHi) text += `-${what} ${fmt(zerosLo, zerosHi)}`;
    this.log!(`${text}\n`);
  }

  private updateInsn(inst: Instance, m: Uint32Array, insnIdx: number, frame: number): boolean {
    const succ = this.succ[insnIdx]!;
    if (succ.length === 0) return false;
    const o = (insnIdx - inst.start) * STRIDE;
    let afterLo = 0;
    let afterHi = 0;
    let accLo = 0xffffffff;
    let accHi = 0xffffffff;
    for (let k = 0; k < succ.length; k++) {
      const so = (succ[k]! - inst.start) * STRIDE;
      afterLo |= m[so + LB]!;
      afterHi |= m[so + LB + 1]!;
      accLo &= m[so + MWA]!;
      accHi &= m[so + MWA + 1]!;
    }
    accLo = (accLo | m[o + MW]!) >>> 0;
    accHi = (accHi | m[o + MW + 1]!) >>> 0;
    const beforeLo = ((afterLo & ~m[o + MW]!) | m[o + MR]!) >>> 0;
    const beforeHi = ((afterHi & ~m[o + MW + 1]!) | m[o + MR + 1]!) >>> 0;
    const changed = beforeLo !== m[o + LB] || beforeHi !== m[o + LB + 1] || accLo !== m[o + MWA] || accHi !== m[o + MWA + 1];
    if (this.log && (m[o + MR] || m[o + MR + 1] || m[o + MW] || m[o + MW + 1] || insnIdx === inst.start || this.info.prunePoint[insnIdx])) {
      this.logMaskChange(inst, "live", frame, insnIdx, m[o + LB]!, m[o + LB + 1]!, beforeLo, beforeHi);
      this.logMaskChange(inst, "written", frame, insnIdx, m[o + MWA]!, m[o + MWA + 1]!, accLo, accHi);
    }
    m[o + LB] = beforeLo;
    m[o + LB + 1] = beforeHi;
    m[o + MWA] = accLo;
    m[o + MWA + 1] = accHi;
    return changed;
  }

  /** update_instance: the fixed point of live_before / must_write_acc, then the caller's call site. */
  private updateInstance(inst: Instance): void {
    if (inst.mustWriteDropped) {
      for (const m of inst.frames) {
        if (!m) continue;
        for (let i = 0; i < inst.insnCnt; i++) m[i * STRIDE + MWA] = m[i * STRIDE + MWA + 1] = 0;
      }
    }
    const po = this.postorder[inst.sub]!;
    let changed: boolean;
    let iterations = 0;
    do {
      iterations++;
      changed = false;
      for (let frame = 0; frame <= inst.curframe; frame++) {
        const m = inst.frames[frame];
        if (!m) continue;
        for (let i = 0; i < po.length; i++) if (this.updateInsn(inst, m, po[i]!, frame)) changed = true;
      }
    } while (changed);
    if (this.log) this.log(`(${inst.callsites.join(",")}) live stack update done in ${iterations} iterations\n`);
    if (inst.curframe > 0) {
      const outer = this.outer(inst);
      const callsite = inst.callsites[inst.curframe - 1]!;
      this.resetWritesIn(outer, callsite);
      for (let frame = 0; frame < inst.curframe; frame++) {
        const m = inst.frames[frame];
        if (!m) continue;
        this.writeAcc[frame * 2] = (this.writeAcc[frame * 2]! | m[MWA]!) >>> 0;
        this.writeAcc[frame * 2 + 1] = (this.writeAcc[frame * 2 + 1]! | m[MWA + 1]!) >>> 0;
        this.markReadIn(outer, frame, callsite, m[LB]!, m[LB + 1]!);
      }
      this.commitIn(outer);
    }
  }

  /** bpf_update_live_stack: before a state is popped and when a subprogram returns. */
  update(st: VState): void {
    this.cur = null;
    for (let frame = st.curframe; frame >= 0; frame--) {
      const inst = this.lookup(st, frame);
      if (inst.updated) {
        this.updateInstance(inst);
        inst.updated = false;
        inst.mustWriteDropped = false;
      }
    }
  }

  private liveBefore(inst: Instance, insnIdx: number, frame: number, spi: number): boolean {
    const m = inst.frames[frame];
    if (!m) return false;
    const o = (insnIdx - inst.start) * STRIDE + LB;
    return spi < 32 ? (m[o]! & (1 << spi)) !== 0 : (m[o + 1]! & (1 << (spi - 32))) !== 0;
  }

  /** frame_insn_idx: where frame i of st stands. */
  private static frameInsn(st: VState, i: number): number {
    return i === st.curframe ? st.insnIdx : st.frames[i + 1]!.callsite;
  }

  /**
   * incomplete_read_marks: the kernel keeps states inside a loop uncleaned while the loop's
   * back-edges are pending; without the kernel's SCC visits, states in a loop stay uncleaned.
   */
  private incomplete(st: VState): boolean {
    for (let i = 0; i <= st.curframe; i++) if (this.info.scc[StackLiveness.frameInsn(st, i)]) return true;
    return false;
  }

  /** clean_verifier_state (stack part): dead slots of a finished checkpoint become STACK_INVALID. */
  clean(st: VState): void {
    if (st.cleaned) return;
    if (this.incomplete(st)) return;
    st.cleaned = true;
    const insts: Instance[] = [];
    for (let f = 0; f <= st.curframe; f++) insts.push(this.lookup(st, f));
    const curInst = insts[st.curframe]!;
    for (let f = 0; f <= st.curframe; f++) {
      const frame = st.frames[f]!;
      for (let spi = 0; spi < frame.stack.length; spi++) {
        let alive = this.liveBefore(curInst, st.insnIdx, f, spi);
        for (let i = f; !alive && i < st.curframe; i++) {
          const callsite = curInst.callsites[i]!;
          alive = this.callsCallback[callsite] ? this.liveBefore(insts[i]!, callsite, f, spi) : this.liveBefore(insts[i]!, callsite + 1, f, spi);
        }
        if (alive) continue;
        // Not in place: the slot may be shared with other states (copy-on-write).
        clearSlot(frame, spi);
      }
    }
  }
}

