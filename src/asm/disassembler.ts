/**
 * The disassembler driver: formats a program line by line in one of three formats and adds the
 * decorations each tool prints around its instructions (pc numbers, opcode bytes, labels).
 */
import { EbpfError } from "../errors.js";
import { encode } from "../isa/codec.js";
import { slotOffsets, type Instruction } from "../isa/instruction.js";
import { branchTarget } from "../isa/validate.js";
import * as O from "../isa/opcodes.js";
import { hex2, wire, type FormatContext, type Symbolizer } from "./format-common.js";
import { formatKernel } from "./format-kernel.js";
import { formatObjdump } from "./format-objdump.js";
import { formatUbpf } from "./format-ubpf.js";

export type DisasmFormat = "kernel" | "objdump" | "ubpf";

export interface FormatOptions {
  /** "kernel" (default): verifier log / bpftool; "objdump": llvm-objdump; "ubpf": bpf_conformance. */
  format?: DisasmFormat;
  /**
   * Names an instruction's target: the callee of a call (helper, kfunc or local), the label of a
   * jump, or the value of an lddw (e.g. a map's name). Return undefined to keep the default text.
   * Text produced with a symbolizer assembles back only if the names are labels or helpers.
   */
  symbolize?: Symbolizer;
}

export interface DisassembleOptions extends FormatOptions {
  /**
   * Also print the encoding: bpftool's byte line under each kernel-format instruction,
   * llvm-objdump's `   0:\tb7 00 …\t` prefix, or a `; b7 00 …` comment in ubpf format.
   */
  opcodes?: boolean;
  /** Kernel format: indent pc numbers as `bpftool prog dump xlated` does (`   0: (b7) r0 = 0`). */
  xlated?: boolean;
  /** Print a line per instruction without its pc number (kernel and ubpf formats). */
  noPc?: boolean;
  /**
   * objdump and ubpf formats: name every jump and local-call target (`LBB_5:` or the
   * instruction's meta.symbol) and branch to the name instead of a relative offset.
   */
  labels?: boolean;
  /** Byte order of the opcode bytes shown with `opcodes`. */
  bigEndian?: boolean;
}

/**
 * One instruction's text, without pc or bytes. Kernel format includes the `(b7) ` opcode prefix,
 * exactly as the kernel's print_bpf_insn writes it.
 */
export function formatInstruction(insn: Instruction, pc: number, options: FormatOptions = {}): string {
  return formatWith(checkFormat(options.format), insn, pc, { symbolize: options.symbolize });
}

/** Disassembles a program to text, one instruction a line, with a trailing newline. */
export function disassemble(insns: readonly Instruction[], options: DisassembleOptions = {}): string {
  const format = checkFormat(options.format);
  const pcs = slotOffsets(insns);
  const labels = options.labels && format !== "kernel" ? collectLabels(insns, pcs) : undefined;
  const ctx: FormatContext = { symbolize: options.symbolize, labels };
  const lines: string[] = [];
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    const pc = pcs[i]!;
    const text = formatWith(format, insn, pc, ctx);
    const symbol = labels?.get(pc) ?? (format !== "kernel" ? insn.meta?.symbol : undefined);
    if (symbol !== undefined) {
      if (format === "objdump" && options.opcodes) {
        if (lines.length > 0) lines.push("");
        lines.push(`${(pc * 8).toString(16).padStart(16, "0")} <${symbol}>:`);
      } else {
        lines.push(`${symbol}:`);
      }
    }
    const bytes = options.opcodes ? byteString(insn, options.bigEndian === true) : "";
    switch (format) {
      case "kernel": {
        const prefix = options.noPc ? "" : options.xlated ? `${(" " + pc).padStart(4)}: ` : `${pc}: `;
        lines.push(prefix + text);
        if (options.opcodes) lines.push(`       ${bytes}`);
        break;
      }
      case "objdump":
        lines.push(options.opcodes ? `${String(pc).padStart(8)}:\t${bytes}\t${text}` : (labels ? "\t" : "") + text);
        break;
      case "ubpf": {
        const prefix = options.noPc || !options.opcodes ? "" : `${String(pc).padStart(4)}: `;
        lines.push(prefix + (labels ? "    " : "") + text + (options.opcodes ? ` ; ${bytes}` : ""));
        break;
      }
    }
  }
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}

function formatWith(format: DisasmFormat, insn: Instruction, pc: number, ctx: FormatContext): string {
  switch (format) {
    case "kernel":
      return formatKernel(insn, pc, ctx);
    case "objdump":
      return formatObjdump(insn, pc, ctx);
    case "ubpf":
      return formatUbpf(insn, pc, ctx);
  }
}

function checkFormat(format: DisasmFormat | undefined): DisasmFormat {
  const f = format ?? "kernel";
  if (f !== "kernel" && f !== "objdump" && f !== "ubpf") {
    throw new EbpfError("EINVAL", `unknown disassembly format '${String(f)}' (kernel, objdump or ubpf)`);
  }
  return f;
}

function byteString(insn: Instruction, bigEndian: boolean): string {
  const w = wire(insn);
  const bytes = encode([w.op === O.OP_LDDW ? w : { ...w, imm2: undefined }], { bigEndian });
  return Array.from(bytes, hex2).join(" ");
}

/** Label names for every branch target: the instruction's own symbol if it has one, else LBB_<pc>. */
function collectLabels(insns: readonly Instruction[], pcs: readonly number[]): Map<number, string> {
  const starts = new Map<number, Instruction>();
  for (let i = 0; i < insns.length; i++) starts.set(pcs[i]!, insns[i]!);
  const used = new Set<string>();
  const labels = new Map<number, string>();
  for (let i = 0; i < insns.length; i++) {
    const sym = insns[i]!.meta?.symbol;
    if (sym !== undefined && !used.has(sym)) {
      labels.set(pcs[i]!, sym);
      used.add(sym);
    }
  }
  for (let i = 0; i < insns.length; i++) {
    const insn = wire(insns[i]!);
    let target = branchTarget(insn, pcs[i]!);
    if (target === null && insn.op === O.OP_LDDW && insn.src === O.BPF_PSEUDO_FUNC) target = pcs[i]! + 1 + insn.imm;
    // Only targets that start an instruction can carry a label; others keep their numeric offset.
    if (target === null || labels.has(target) || !starts.has(target)) continue;
    let name = `LBB_${target}`;
    while (used.has(name)) name += "_";
    labels.set(target, name);
    used.add(name);
  }
  return labels;
}
