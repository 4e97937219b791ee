import { AsmError } from "../errors.js";
import type { Instruction } from "../isa/instruction.js";

/** One source line being assembled; every parse error goes through `fail` so it carries line and column. */
export class LineContext {
  constructor(
    /** The line with comments blanked out (same length as the original, so indexes are columns - 1). */
    readonly text: string,
    readonly line: number,
    readonly file: string | undefined,
  ) {}

  /** Throws an AsmError at the 0-based `index` of this line. */
  fail(message: string, index: number): never {
    throw new AsmError(message, this.line, Math.max(0, index) + 1, this.file);
  }
}

/** A jump or call whose target is a label, resolved once every label is known. */
export interface LabelRef {
  label: string;
  /** The field that receives the slot-relative distance: `off` for jumps, `imm` for calls and gotol. */
  field: "off" | "imm";
  /** 0-based index of the label in its line, for errors. */
  index: number;
}

/** What a dialect parser makes of one statement. */
export interface Statement {
  insn: Instruction;
  ref?: LabelRef;
}

export type Dialect = "auto" | "kernel" | "ubpf";
