import { assemble } from "../asm/index.js";
import { decode, parseHex } from "../isa/codec.js";
import type { Instruction } from "../isa/instruction.js";
import { readInput } from "./io.js";

/**
 * Reads a program for the CLI: assembly when the file ends in .s/.asm, hex text when it ends in
 * .hex (or `hex` is set), raw little- or big-endian bytecode otherwise.
 */
export function readProgram(path: string, options: { hex?: boolean; bigEndian?: boolean } = {}): Instruction[] {
  const bytes = readInput(path);
  if (/\.(s|asm)$/i.test(path)) return assemble(new TextDecoder().decode(bytes), { file: path });
  const raw = options.hex || /\.hex$/i.test(path) ? parseHex(new TextDecoder().decode(bytes)) : bytes;
  return decode(raw, { bigEndian: options.bigEndian ?? false });
}
