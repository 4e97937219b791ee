import { DecodeError } from "../errors.js";
import { isLdImm64, slotOffsets, type Instruction } from "../isa/instruction.js";
import * as O from "../isa/opcodes.js";
import { validateProgram } from "../isa/validate.js";

/**
 * The value an lddw with a pseudo source (map fd, map value, func …) loads. The runtime supplies
 * it after creating maps; a plain lddw (src 0) needs no resolver.
 */
export type LdImm64Resolver = (insn: Instruction, pc: number) => bigint;

export interface ImageOptions {
  /** Accept `callx` (0x8d) as bpf_conformance and ubpf use it. Default true. */
  allowCallx?: boolean;
  resolveLdImm64?: LdImm64Resolver;
  /** A name for error messages. */
  name?: string;
}

/** Tag in the high half of a subprogram "address" loaded by lddw src=4 (BPF_PSEUDO_FUNC). */
export const FUNC_PTR_HI = 0x7ffff000;

/**
 * A program decoded once into flat typed arrays, one entry per 8-byte slot, so the interpreter's
 * hot loop reads integers and allocates nothing. lddw keeps its high half in the next slot's imm.
 */
export interface ProgramImage {
  readonly name: string;
  readonly insns: readonly Instruction[];
  readonly length: number;
  readonly op: Uint8Array;
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly off: Int32Array;
  readonly imm: Int32Array;
}

export function createImage(insns: readonly Instruction[], options: ImageOptions = {}): ProgramImage {
  validateProgram(insns, { allowCallx: options.allowCallx ?? true });
  const pcs = slotOffsets(insns);
  const n = pcs[insns.length]!;
  const image = {
    name: options.name ?? "prog",
    insns,
    length: n,
    op: new Uint8Array(n),
    dst: new Uint8Array(n),
    src: new Uint8Array(n),
    off: new Int32Array(n),
    imm: new Int32Array(n),
  };
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    const pc = pcs[i]!;
    image.op[pc] = insn.op;
    image.dst[pc] = insn.dst;
    image.src[pc] = insn.src;
    image.off[pc] = insn.off;
    image.imm[pc] = insn.imm;
    if (isLdImm64(insn)) {
      let lo = insn.imm;
      let hi = insn.imm2 ?? 0;
      if (insn.src === O.BPF_PSEUDO_FUNC) {
        // A subprogram "address": a tagged pc that callx understands and nothing can dereference.
        const target = pc + 1 + insn.imm;
        if (target < 0 || target >= n || pcs.indexOf(target) < 0) {
          throw new DecodeError(`function address out of range: insn ${pc} to ${target}`, pc);
        }
        lo = target;
        hi = FUNC_PTR_HI;
      } else if (insn.src !== 0) {
        if (!options.resolveLdImm64) {
          throw new DecodeError(`lddw with pseudo source ${insn.src} refers to a map: load the object with a runtime (ebpf run) to create its maps`, pc);
        }
        const v = BigInt.asUintN(64, options.resolveLdImm64(insn, pc));
        lo = Number(BigInt.asIntN(32, v));
        hi = Number(BigInt.asIntN(32, v >> 32n));
      }
      image.imm[pc] = lo;
      image.op[pc + 1] = 0;
      image.imm[pc + 1] = hi;
    }
  }
  return image;
}
