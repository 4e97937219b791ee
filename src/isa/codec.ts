import { DecodeError } from "../errors.js";
import type { Instruction } from "./instruction.js";
import { OP_LDDW } from "./opcodes.js";

export interface CodecOptions {
  /** Big-endian byte order (s390x, the BPF "eb" target). Default little-endian. */
  bigEndian?: boolean;
}

const SLOT = 8;

/**
 * Decodes raw bytecode into instructions. Only the framing is checked here (length, lddw pairs);
 * opcode validity is `validateProgram`'s job so a verifier can report it in the kernel's words.
 */
export function decode(bytes: Uint8Array, options: CodecOptions = {}): Instruction[] {
  if (bytes.length % SLOT !== 0) {
    throw new DecodeError(
      `bytecode length ${bytes.length} is not a multiple of 8 (truncated instruction at byte ${bytes.length - (bytes.length % SLOT)})`,
    );
  }
  const be = options.bigEndian === true;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length / SLOT;
  const out: Instruction[] = [];
  for (let pc = 0; pc < n; pc++) {
    const insn = decodeSlot(view, pc * SLOT, be);
    if (insn.op === OP_LDDW) {
      if (pc + 1 >= n) throw new DecodeError("lddw is missing its second half", pc);
      const next = decodeSlot(view, (pc + 1) * SLOT, be);
      if (next.op !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) {
        throw new DecodeError("invalid bpf_ld_imm64 insn: second half must have zero opcode, registers and offset", pc);
      }
      insn.imm2 = next.imm;
      pc++;
    }
    out.push(insn);
  }
  return out;
}

function decodeSlot(view: DataView, at: number, be: boolean): Instruction {
  const regs = view.getUint8(at + 1);
  return {
    op: view.getUint8(at),
    dst: be ? regs >> 4 : regs & 0x0f,
    src: be ? regs & 0x0f : regs >> 4,
    off: view.getInt16(at + 2, !be),
    imm: view.getInt32(at + 4, !be),
  };
}

/** Encodes instructions into bytecode. Fields are masked to their wire widths. */
export function encode(insns: readonly Instruction[], options: CodecOptions = {}): Uint8Array {
  const be = options.bigEndian === true;
  let slots = 0;
  for (const i of insns) slots += i.op === OP_LDDW ? 2 : 1;
  const bytes = new Uint8Array(slots * SLOT);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const insn of insns) {
    encodeSlot(view, at, be, insn.op, insn.dst, insn.src, insn.off, insn.imm);
    at += SLOT;
    if (insn.op === OP_LDDW) {
      encodeSlot(view, at, be, 0, 0, 0, 0, insn.imm2 ?? 0);
      at += SLOT;
    }
  }
  return bytes;
}

function encodeSlot(view: DataView, at: number, be: boolean, op: number, dst: number, src: number, off: number, imm: number): void {
  view.setUint8(at, op & 0xff);
  view.setUint8(at + 1, be ? ((dst & 0xf) << 4) | (src & 0xf) : ((src & 0xf) << 4) | (dst & 0xf));
  view.setInt16(at + 2, (off << 16) >> 16, !be);
  view.setInt32(at + 4, imm | 0, !be);
}

/** Parses hex text ("b7 00 00 00 …", "b7000000…", with or without 0x) into bytes. */
export function parseHex(text: string): Uint8Array {
  const clean = text.replace(/0x/gi, "").replace(/[\s,]+/g, "");
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) {
    const bad = clean.search(/[^0-9a-fA-F]/);
    throw new DecodeError(
      bad >= 0 ? `invalid hex digit '${clean[bad]}' in input` : `hex input has an odd number of digits (${clean.length})`,
    );
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array, separator = ""): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) s += separator;
    s += bytes[i]!.toString(16).padStart(2, "0");
  }
  return s;
}
