import { DecodeError } from "../errors.js";
import { slotOffsets, type Instruction } from "./instruction.js";
import * as O from "./opcodes.js";

/**
 * Checks one instruction's encoding: known opcode, reserved fields zero, registers in range.
 * Returns null when valid, otherwise a message in the kernel verifier's words where it has one.
 * `allowCallx` accepts `callx` (0x8d, register in dst) which the kernel rejects but ubpf and
 * bpf_conformance use.
 */
export function checkInstruction(insn: Instruction, options: { allowCallx?: boolean } = {}): string | null {
  const { op, dst, src, off, imm } = insn;
  const c = O.cls(op);
  switch (c) {
    case O.BPF_ALU:
    case O.BPF_ALU64:
      return checkAlu(insn);
    case O.BPF_JMP:
    case O.BPF_JMP32:
      return checkJmp(insn, options.allowCallx === true);
    case O.BPF_LDX: {
      const m = O.mode(op);
      if (m !== O.BPF_MEM && !(m === O.BPF_MEMSX && O.size(op) !== O.BPF_DW)) return unknownOpcode(op);
      if (imm !== 0) return "BPF_LDX uses reserved fields";
      return regs(dst, src);
    }
    case O.BPF_ST:
      if (O.mode(op) !== O.BPF_MEM) return unknownOpcode(op);
      if (src !== 0) return "BPF_ST uses reserved fields";
      return regs(dst, 0);
    case O.BPF_STX: {
      const m = O.mode(op);
      if (m === O.BPF_ATOMIC) return checkAtomic(insn);
      if (m !== O.BPF_MEM) return unknownOpcode(op);
      if (imm !== 0) return "BPF_STX uses reserved fields";
      return regs(dst, src);
    }
    case O.BPF_LD: {
      const m = O.mode(op);
      if (op === O.OP_LDDW) {
        if (off !== 0) return "invalid bpf_ld_imm64 insn";
        if (src > O.BPF_PSEUDO_MAP_IDX_VALUE) return "unrecognized bpf_ld_imm64 insn";
        return regs(dst, 0);
      }
      if ((m === O.BPF_ABS || m === O.BPF_IND) && O.size(op) !== O.BPF_DW) {
        if (dst !== 0 || off !== 0 || (m === O.BPF_ABS && src !== 0)) return "BPF_LD_[ABS|IND] uses reserved fields";
        return regs(0, src);
      }
      return unknownOpcode(op);
    }
  }
  return unknownOpcode(op);
}

function unknownOpcode(op: number): string {
  return `unknown opcode ${op.toString(16).padStart(2, "0")}`;
}

function regs(dst: number, src: number): string | null {
  if (dst >= O.MAX_BPF_REG) return `R${dst} is invalid`;
  if (src >= O.MAX_BPF_REG) return `R${src} is invalid`;
  return null;
}

function checkAlu({ op, dst, src, off, imm }: Instruction): string | null {
  const code = O.aluOp(op);
  const isX = O.srcBit(op) === O.BPF_X;
  const is64 = O.cls(op) === O.BPF_ALU64;
  if (code > O.BPF_END) return unknownOpcode(op);
  if (code === O.BPF_NEG) {
    if (isX || src !== 0 || off !== 0 || imm !== 0) return "BPF_NEG uses reserved fields";
    return regs(dst, 0);
  }
  if (code === O.BPF_END) {
    if (src !== 0 || off !== 0 || (imm !== 16 && imm !== 32 && imm !== 64) || (is64 && isX)) {
      return "BPF_END uses reserved fields";
    }
    return regs(dst, 0);
  }
  if (code === O.BPF_MOV) {
    if (isX) {
      const sx = off === 0 || off === 8 || off === 16 || (is64 && off === 32);
      if (is64 && off === O.BPF_ADDR_SPACE_CAST) {
        if (imm !== 1 && imm !== 1 << 16) return "addr_space_cast insn can only convert between address space 1 and 0";
        return regs(dst, src);
      }
      if (!sx || imm !== 0) return "BPF_MOV uses reserved fields";
      return regs(dst, src);
    }
    if (src !== 0 || off !== 0) return "BPF_MOV uses reserved fields";
    return regs(dst, 0);
  }
  const signedOk = off === 0 || (off === 1 && (code === O.BPF_DIV || code === O.BPF_MOD));
  if (isX ? imm !== 0 || !signedOk : src !== 0 || !signedOk) return "BPF_ALU uses reserved fields";
  return regs(dst, isX ? src : 0);
}

function checkJmp(insn: Instruction, allowCallx: boolean): string | null {
  const { op, dst, src, off, imm } = insn;
  const code = O.aluOp(op);
  const is32 = O.cls(op) === O.BPF_JMP32;
  const isX = O.srcBit(op) === O.BPF_X;
  switch (code) {
    case O.BPF_JA:
      if (isX || src !== 0 || dst !== 0 || (!is32 && imm !== 0) || (is32 && off !== 0)) return "BPF_JA uses reserved fields";
      return null;
    case O.BPF_CALL:
      if (is32) return unknownOpcode(op);
      if (isX) {
        if (!allowCallx) return unknownOpcode(op);
        if (src !== 0 || off !== 0 || imm !== 0) return "BPF_CALL uses reserved fields";
        return regs(dst, 0);
      }
      if (
        (src !== O.BPF_PSEUDO_KFUNC_CALL && off !== 0) ||
        (src !== 0 && src !== O.BPF_PSEUDO_CALL && src !== O.BPF_PSEUDO_KFUNC_CALL) ||
        dst !== 0
      ) {
        return "BPF_CALL uses reserved fields";
      }
      return null;
    case O.BPF_EXIT:
      if (is32) return unknownOpcode(op);
      if (isX || imm !== 0 || src !== 0 || dst !== 0 || off !== 0) return "BPF_EXIT uses reserved fields";
      return null;
    case O.BPF_JCOND:
      if (is32 || isX) return unknownOpcode(op);
      if (src !== 0 || dst !== 0 || imm !== 0) return "may_goto insn uses reserved fields";
      return null;
  }
  if (code > O.BPF_JSLE) return unknownOpcode(op);
  if (isX ? imm !== 0 : src !== 0) return "BPF_JMP/JMP32 uses reserved fields";
  return regs(dst, isX ? src : 0);
}

function checkAtomic({ op, dst, src, off: _off, imm }: Instruction): string | null {
  const sz = O.size(op);
  switch (imm) {
    case O.BPF_ADD:
    case O.BPF_ADD | O.BPF_FETCH:
    case O.BPF_AND:
    case O.BPF_AND | O.BPF_FETCH:
    case O.BPF_OR:
    case O.BPF_OR | O.BPF_FETCH:
    case O.BPF_XOR:
    case O.BPF_XOR | O.BPF_FETCH:
    case O.BPF_XCHG:
    case O.BPF_CMPXCHG:
      if (sz !== O.BPF_W && sz !== O.BPF_DW) return "invalid atomic operand size";
      return regs(dst, src);
    case O.BPF_LOAD_ACQ:
    case O.BPF_STORE_REL:
      return regs(dst, src);
  }
  return `BPF_ATOMIC uses invalid atomic opcode ${(imm >>> 0).toString(16).padStart(2, "0")}`;
}

export interface ValidateOptions {
  allowCallx?: boolean;
}

/**
 * Checks a whole program's encoding and control-flow targets: every instruction valid, every jump
 * and local call landing on an instruction inside the program (not inside an lddw), r10 never
 * written. Throws a DecodeError naming the pc of the first problem.
 */
export function validateProgram(insns: readonly Instruction[], options: ValidateOptions = {}): void {
  if (insns.length === 0) throw new DecodeError("program has no instructions", undefined);
  const pcs = slotOffsets(insns);
  const total = pcs[insns.length]!;
  const starts = new Uint8Array(total + 1);
  for (let i = 0; i < insns.length; i++) starts[pcs[i]!] = 1;
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    const pc = pcs[i]!;
    const problem = checkInstruction(insn, options);
    if (problem) throw new DecodeError(problem, pc);
    const target = branchTarget(insn, pc);
    if (target !== null && (target < 0 || target >= total || !starts[target])) {
      const what = O.cls(insn.op) === O.BPF_JMP && O.aluOp(insn.op) === O.BPF_CALL ? "call" : "jump";
      throw new DecodeError(`${what} out of range from insn ${pc} to ${target}`, pc);
    }
    if (writesDst(insn) && insn.dst === O.BPF_REG_FP) throw new DecodeError("frame pointer is read only", pc);
  }
}

/** Target pc of a jump or local call at `pc`, or null if the instruction does not branch. */
export function branchTarget(insn: Instruction, pc: number): number | null {
  const c = O.cls(insn.op);
  if (c !== O.BPF_JMP && c !== O.BPF_JMP32) return null;
  const code = O.aluOp(insn.op);
  if (code === O.BPF_CALL) return insn.src === O.BPF_PSEUDO_CALL && O.srcBit(insn.op) === 0 ? pc + 1 + insn.imm : null;
  if (code === O.BPF_EXIT) return null;
  if (code === O.BPF_JA && c === O.BPF_JMP32) return pc + 1 + insn.imm;
  return pc + 1 + insn.off;
}

/** True when the instruction writes its dst register (ALU, loads, lddw). */
export function writesDst(insn: Instruction): boolean {
  const c = O.cls(insn.op);
  return c === O.BPF_ALU || c === O.BPF_ALU64 || c === O.BPF_LDX || insn.op === O.OP_LDDW;
}
