/**
 * Load-time checks of what a program does with its context, for runtimes that run programs the
 * verifier has not seen: a small forward analysis that follows the context pointer (r1 at entry,
 * copies, spills to the stack, arguments of bpf-to-bpf calls) and applies the program type's
 * is_valid_access rules to every load and store through it, with the kernel verifier's messages.
 * It also rejects LD_ABS/LD_IND where the kernel does and helpers the type may not call, and
 * reports the highest context offset used (the kernel's max_ctx_offset, which syscall and
 * raw_tracepoint test runs compare with ctx_size_in).
 *
 * The analysis is conservative in the other direction: an access whose base it cannot prove to be
 * the context is left to run-time checks (the interpreter's region checks), never rejected.
 */
import { EbpfError } from "../errors.js";
import { helperName } from "../helpers/ids.js";
import type { Instruction } from "../isa/instruction.js";
import { isLdImm64 } from "../isa/instruction.js";
import * as O from "../isa/opcodes.js";
import { helpersFor } from "./define.js";
import type { ProgramTypeSpec } from "./types.js";

export interface CtxCheckResult {
  /** Highest off+size of any context access (0 when none). */
  maxCtxOffset: number;
  /** Slot pcs of instructions that access the context, with the checked offset and size. */
  accesses: { pc: number; off: number; size: number; write: boolean }[];
}

export interface CtxCheckOptions {
  attachType?: string;
}

/** null: not known to be the context; a number: the context pointer plus that constant. */
type Val = number | null;

interface State {
  regs: Val[];
  /** Stack slots (fp offset of an 8-byte spill) holding the context pointer. */
  spills: Map<number, number>;
}

function cloneState(s: State): State {
  return { regs: s.regs.slice(), spills: new Map(s.spills) };
}

/** Joins b into a; returns true when a changed. */
function join(a: State, b: State): boolean {
  let changed = false;
  for (let i = 0; i < a.regs.length; i++) {
    if (a.regs[i] !== null && a.regs[i] !== b.regs[i]) {
      a.regs[i] = null;
      changed = true;
    }
  }
  for (const [k, v] of a.spills) {
    if (b.spills.get(k) !== v) {
      a.spills.delete(k);
      changed = true;
    }
  }
  return changed;
}

function reject(code: string, pc: number, message: string): never {
  throw new EbpfError(code, `pc ${pc}: ${message}`);
}

/**
 * Checks every context access of `insns` against `spec`; throws an EbpfError (EACCES for bad
 * accesses, EINVAL for LD_ABS or helper misuse) whose message is the kernel's.
 */
export function checkContextAccesses(insns: readonly Instruction[], spec: ProgramTypeSpec, options: CtxCheckOptions = {}): CtxCheckResult {
  // Index instructions by slot.
  const slots: (Instruction | undefined)[] = [];
  for (const insn of insns) {
    slots.push(insn);
    if (isLdImm64(insn)) slots.push(undefined);
  }
  const n = slots.length;
  const states: (State | undefined)[] = new Array(n);
  const work: number[] = [];
  const result: CtxCheckResult = { maxCtxOffset: 0, accesses: [] };
  const seen = new Set<string>();

  const flow = (pc: number, s: State): void => {
    if (pc < 0 || pc >= n) return;
    const cur = states[pc];
    if (!cur) {
      states[pc] = cloneState(s);
      work.push(pc);
    } else if (join(cur, s)) {
      work.push(pc);
    }
  };

  const entry: State = { regs: new Array<Val>(11).fill(null), spills: new Map() };
  entry.regs[1] = 0;
  flow(0, entry);

  const access = (pc: number, base: number, reg: number, insnOff: number, size: number, write: boolean, signExtend: boolean): void => {
    if (base !== 0) reject("EACCES", pc, `dereference of modified ctx ptr R${reg} off=${base} disallowed`);
    const off = insnOff;
    const r = spec.checkAccess({ off, size, write, signExtend, attachType: options.attachType });
    if (!r.ok) reject("EACCES", pc, r.message);
    const key = `${pc}`;
    if (!seen.has(key)) {
      seen.add(key);
      result.accesses.push({ pc, off, size, write });
    }
    result.maxCtxOffset = Math.max(result.maxCtxOffset, off + size);
  };

  while (work.length > 0) {
    const pc = work.pop()!;
    const insn = slots[pc];
    if (!insn) continue;
    const s = cloneState(states[pc]!);
    const R = s.regs;
    const op = insn.op;
    const cls = O.cls(op);
    const d = insn.dst;
    const src = insn.src;
    let next: number | undefined = pc + 1;
    switch (cls) {
      case O.BPF_ALU64:
      case O.BPF_ALU: {
        const aop = O.aluOp(op);
        if (cls === O.BPF_ALU64 && aop === O.BPF_MOV && O.srcBit(op) === O.BPF_X && insn.off === 0) R[d] = R[src] ?? null;
        else if (cls === O.BPF_ALU64 && (aop === O.BPF_ADD || aop === O.BPF_SUB) && O.srcBit(op) === O.BPF_K && R[d] !== null) {
          R[d] = R[d]! + (aop === O.BPF_ADD ? insn.imm : -insn.imm);
        } else R[d] = null;
        break;
      }
      case O.BPF_LDX: {
        const m = O.mode(op);
        if (m === O.BPF_MEM || m === O.BPF_MEMSX) {
          const size = O.sizeBytes(O.size(op));
          const base = R[src];
          if (base !== null && base !== undefined) access(pc, base, src, insn.off, size, false, m === O.BPF_MEMSX);
          if (src === O.BPF_REG_FP && size === 8 && s.spills.has(insn.off)) R[d] = s.spills.get(insn.off)!;
          else R[d] = null;
        } else R[d] = null;
        break;
      }
      case O.BPF_ST:
      case O.BPF_STX: {
        const m = O.mode(op);
        const size = O.sizeBytes(O.size(op));
        const base = R[d];
        if (base !== null && base !== undefined) {
          if (cls === O.BPF_ST) reject("EACCES", pc, `BPF_ST stores into R${d} ctx is not allowed`);
          if (m === O.BPF_ATOMIC) reject("EACCES", pc, `BPF_ATOMIC stores into R${d} ctx is not allowed`);
          access(pc, base, d, insn.off, size, true, false);
        }
        if (d === O.BPF_REG_FP) {
          // A store over a spill slot forgets it; an 8-byte spill of the context records it.
          for (const k of [...s.spills.keys()]) if (k < insn.off + size && insn.off < k + 8) s.spills.delete(k);
          if (cls === O.BPF_STX && m === O.BPF_MEM && size === 8 && R[src] !== null && R[src] !== undefined) s.spills.set(insn.off, R[src]!);
        }
        if (m === O.BPF_ATOMIC && cls === O.BPF_STX) {
          if (insn.imm === O.BPF_CMPXCHG) R[0] = null;
          else if (insn.imm & O.BPF_FETCH || insn.imm === O.BPF_LOAD_ACQ) R[insn.imm === O.BPF_LOAD_ACQ ? d : src] = null;
        }
        break;
      }
      case O.BPF_LD: {
        const m = O.mode(op);
        if (isLdImm64(insn)) {
          R[d] = null;
          next = pc + 2;
        } else if (m === O.BPF_ABS || m === O.BPF_IND) {
          if (!spec.ldAbs) reject("EINVAL", pc, "BPF_LD_[ABS|IND] instructions not allowed for this program type");
          if (R[6] !== 0) reject("EINVAL", pc, "at the time of BPF_LD_ABS|IND R6 != pointer to skb");
          for (let i = 0; i <= 5; i++) R[i] = null;
        }
        break;
      }
      case O.BPF_JMP:
      case O.BPF_JMP32: {
        const jop = O.aluOp(op);
        if (op === O.OP_EXIT) {
          next = undefined;
        } else if (op === O.OP_CALL) {
          if (src === O.BPF_PSEUDO_CALL) {
            const callee: State = { regs: new Array<Val>(11).fill(null), spills: new Map() };
            for (let i = 1; i <= 5; i++) callee.regs[i] = R[i] ?? null;
            flow(pc + 1 + insn.imm, callee);
          } else if (src === 0) {
            const id = insn.imm >>> 0;
            const name = helperName(id);
            if (name === undefined || id === 0) reject("EINVAL", pc, `invalid func unknown#${id}`);
            if (!helpersFor(spec, options.attachType).has(name)) reject("EINVAL", pc, `program of this type cannot use helper bpf_${name}#${id}`);
          }
          for (let i = 0; i <= 5; i++) R[i] = null;
        } else if (op === O.OP_CALLX) {
          for (let i = 0; i <= 5; i++) R[i] = null;
        } else if (jop === O.BPF_JA) {
          next = pc + 1 + (cls === O.BPF_JMP32 ? insn.imm : insn.off);
        } else if (jop === O.BPF_JCOND) {
          flow(pc + 1 + insn.off, s);
        } else {
          flow(pc + 1 + insn.off, s);
        }
        break;
      }
    }
    if (next !== undefined) flow(next, s);
  }
  result.accesses.sort((a, b) => a.pc - b.pc);
  return result;
}
