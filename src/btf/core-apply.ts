import type { Instruction } from "../isa/instruction.js";
import type { ObjectSpec, ProgramSpec } from "../elf/spec.js";
import { calcCoreRelo, CoreCandidateCache, CORE_POISON_IMM, type CoreReloResult } from "./core.js";
import { BtfError } from "./errors.js";
import type { Btf } from "./types.js";

/** What happened to one relocated instruction. */
export interface CoreReloOutcome {
  program: string;
  /** Index of the relocation in the program's coreRelos. */
  relo: number;
  /** Slot of the instruction in the linked program. */
  insnOff: number;
  kind: number;
  poisoned: boolean;
  /** Value before and after, as libbpf logs it ("imm 0 -> 1264", "off 8 -> 16"). */
  field: "imm" | "off" | "imm64" | "none";
  before: bigint;
  after: bigint;
}

const CLASS_LD = 0x00;
const CLASS_LDX = 0x01;
const CLASS_ST = 0x02;
const CLASS_STX = 0x03;
const CLASS_ALU = 0x04;
const CLASS_ALU64 = 0x07;
const OP_LDDW = 0x18;
const SIZE_BYTES: Record<number, number> = { 0x18: 8, 0x00: 4, 0x08: 2, 0x10: 1 };
const BYTES_SIZE: Record<number, number> = { 8: 0x18, 4: 0x00, 2: 0x08, 1: 0x10 };

function poisonInsn(): Instruction {
  return { op: 0x85, dst: 0, src: 0, off: 0, imm: CORE_POISON_IMM };
}

/**
 * Applies every CO-RE relocation of every program of `spec` against `target` (the kernel's BTF),
 * returning new programs (the spec itself is not modified) and what was done, in the order libbpf
 * does it. Candidate lists are shared by all programs of the object, as in libbpf.
 */
export function relocateObjectCore(
  spec: ObjectSpec,
  target: Btf,
): { programs: ProgramSpec[]; outcomes: CoreReloOutcome[] } {
  const outcomes: CoreReloOutcome[] = [];
  if (!spec.btf) return { programs: spec.programs, outcomes };
  const cache = new CoreCandidateCache(spec.btf, target);
  const programs = spec.programs.map((p) => relocateProgramCore(p, cache, outcomes));
  return { programs, outcomes };
}

export function relocateProgramCore(prog: ProgramSpec, cache: CoreCandidateCache, outcomes: CoreReloOutcome[] = []): ProgramSpec {
  const relos = prog.coreRelos ?? [];
  if (!relos.length) return prog;
  const insns = prog.instructions.map((i) => ({ ...i }));
  // slot -> instruction index
  const bySlot = new Map<number, number>();
  let slot = 0;
  insns.forEach((insn, i) => {
    bySlot.set(slot, i);
    slot += insn.op === OP_LDDW ? 2 : 1;
  });
  const poisonedLddw = new Set<number>();
  relos.forEach((r, k) => {
    const idx = bySlot.get(r.insnOff);
    if (idx === undefined) throw new BtfError(`prog '${prog.name}': CO-RE relocation #${k} points at slot ${r.insnOff}, which starts no instruction`, { section: ".BTF.ext" });
    const res = calcCoreRelo(r, cache);
    outcomes.push(patch(prog.name, k, r.insnOff, r.kind, insns, idx, res, poisonedLddw));
  });
  // a poisoned lddw becomes two poisoned one-slot instructions (libbpf poisons both halves)
  const out: Instruction[] = [];
  insns.forEach((insn, i) => {
    if (poisonedLddw.has(i)) out.push({ ...poisonInsn(), ...(insn.meta ? { meta: insn.meta } : {}) }, poisonInsn());
    else out.push(insn);
  });
  return { ...prog, instructions: out };
}

function patch(
  name: string,
  k: number,
  insnOff: number,
  kind: number,
  insns: Instruction[],
  idx: number,
  res: CoreReloResult,
  poisonedLddw: Set<number>,
): CoreReloOutcome {
  const insn = insns[idx]!;
  const outcome: CoreReloOutcome = { program: name, relo: k, insnOff, kind, poisoned: false, field: "none", before: 0n, after: 0n };
  const fail = (msg: string): never => {
    throw new BtfError(`prog '${name}': relo #${k}: insn #${insnOff}: ${msg}`, { section: ".BTF.ext" });
  };
  const poison = () => {
    if (insn.op === OP_LDDW) poisonedLddw.add(idx);
    else {
      const p = poisonInsn();
      insn.op = p.op;
      insn.dst = 0;
      insn.src = 0;
      insn.off = 0;
      insn.imm = p.imm;
    }
    outcome.poisoned = true;
    return outcome;
  };
  if (res.poison) return poison();
  const cls = insn.op & 0x07;
  const u64 = (v: number) => BigInt.asUintN(64, BigInt(v));
  switch (cls) {
    case CLASS_ALU:
    case CLASS_ALU64:
      if (insn.op & 0x08) fail("relocation on an ALU instruction with a register source");
      if (res.validate && u64(insn.imm) !== res.origVal) fail(`unexpected imm ${insn.imm} (expected ${res.origVal})`);
      outcome.field = "imm";
      outcome.before = BigInt(insn.imm);
      insn.imm = Number(BigInt.asIntN(32, res.newVal));
      outcome.after = res.newVal;
      return outcome;
    case CLASS_LDX:
    case CLASS_ST:
    case CLASS_STX: {
      if (res.validate && u64(insn.off) !== res.origVal) fail(`unexpected off ${insn.off} (expected ${res.origVal})`);
      if (res.newVal > 32767n) fail(`new offset ${res.newVal} does not fit in 16 bits`);
      if (res.failMemszAdjust) return poison();
      outcome.field = "off";
      outcome.before = BigInt(insn.off);
      insn.off = Number(res.newVal);
      outcome.after = res.newVal;
      if (res.newSz !== res.origSz) {
        const bytes = SIZE_BYTES[insn.op & 0x18];
        if (bytes !== res.origSz) fail(`unexpected memory size ${bytes} (expected ${res.origSz})`);
        const size = BYTES_SIZE[res.newSz];
        if (size === undefined) fail(`invalid new memory size ${res.newSz}`);
        insn.op = (insn.op & 0xe0) | size! | (insn.op & 0x07);
      }
      return outcome;
    }
    case CLASS_LD: {
      if (insn.op !== OP_LDDW || insn.src !== 0 || insn.off !== 0) fail("relocation on an unsupported load");
      const imm = (BigInt(insn.imm >>> 0) | (BigInt((insn.imm2 ?? 0) >>> 0) << 32n)) & 0xffffffffffffffffn;
      if (res.validate && imm !== res.origVal) fail(`unexpected imm64 ${imm} (expected ${res.origVal})`);
      outcome.field = "imm64";
      outcome.before = imm;
      insn.imm = Number(BigInt.asIntN(32, res.newVal));
      insn.imm2 = Number(BigInt.asIntN(32, res.newVal >> 32n));
      outcome.after = res.newVal;
      return outcome;
    }
    default:
      return fail(`relocation on an unsupported instruction (opcode 0x${insn.op.toString(16)})`);
  }
}
