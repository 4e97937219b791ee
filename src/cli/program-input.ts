import { assemble } from "../asm/index.js";
import { loadObject } from "../elf/index.js";
import { EbpfError } from "../errors.js";
import { decode, parseHex } from "../isa/codec.js";
import type { Instruction } from "../isa/instruction.js";
import { readInput } from "./io.js";

const isElf = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;

/**
 * Reads a program for the CLI: assembly when the file ends in .s/.asm, hex text when it ends in
 * .hex (or `hex` is set), the program of an ELF object (the only one, or `prog`), raw little- or
 * big-endian bytecode otherwise.
 */
export function readProgram(path: string, options: { hex?: boolean; bigEndian?: boolean; prog?: string } = {}): Instruction[] {
  const bytes = readInput(path);
  if (/\.(s|asm)$/i.test(path)) return assemble(new TextDecoder().decode(bytes), { file: path });
  if (isElf(bytes)) {
    const programs = loadObject(bytes).programs;
    const names = programs.map((p) => p.name).join(", ") || "none";
    const p = options.prog !== undefined ? programs.find((q) => q.name === options.prog) : programs.length === 1 ? programs[0] : undefined;
    if (!p) {
      throw new EbpfError("ENOENT", options.prog !== undefined ? `${path}: no program named '${options.prog}' (programs: ${names})` : `${path} has ${programs.length} programs (${names}): choose one with --prog`);
    }
    return p.instructions;
  }
  const raw = options.hex || /\.hex$/i.test(path) ? parseHex(new TextDecoder().decode(bytes)) : bytes;
  return decode(raw, { bigEndian: options.bigEndian ?? false });
}
