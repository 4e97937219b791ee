/**
 * The assembler driver: splits text into lines, routes each statement to its dialect's parser,
 * places instructions by slot (honouring pasted pc numbers), and resolves labels.
 */
import { AsmError, EbpfError } from "../errors.js";
import { encode } from "../isa/codec.js";
import { slotCount, type Instruction, type InstructionMeta } from "../isa/instruction.js";
import * as O from "../isa/opcodes.js";
import { helperId } from "../helpers/ids.js";
import type { Dialect, LabelRef, LineContext, Statement } from "./context.js";
import { parseKernelStatement } from "./kernel-parser.js";
import { splitLine } from "./source.js";
import { isUbpfMnemonic, parseUbpfStatement } from "./ubpf-parser.js";

export interface AssembleOptions {
  /** Which syntax to accept; "auto" (default) decides per line. */
  dialect?: Dialect;
  /** File name for error messages and source metadata. */
  file?: string;
  /** Byte order of `assembleBytes` output. */
  bigEndian?: boolean;
}

interface Placed {
  insn: Instruction;
  ref?: LabelRef;
  ctx: LineContext;
  column: number;
  text: string;
}

/**
 * Assembles eBPF assembly text (kernel/LLVM or bpf_conformance/ubpf dialect) into instructions.
 * Every error is an AsmError naming line and column.
 */
export function assemble(text: string, options: AssembleOptions = {}): Instruction[] {
  try {
    return assembleText(String(text), options);
  } catch (e) {
    if (e instanceof EbpfError) throw e;
    // A parser bug must still surface as a typed error, never as a raw exception.
    throw new AsmError(`internal assembler error: ${(e as Error)?.message ?? String(e)}`, 1, 1, options.file);
  }
}

/** Assembles text straight to bytecode. */
export function assembleBytes(text: string, options: AssembleOptions = {}): Uint8Array {
  return encode(assemble(text, options), { bigEndian: options.bigEndian === true });
}

function assembleText(text: string, options: AssembleOptions): Instruction[] {
  const dialect = options.dialect ?? "auto";
  if (dialect !== "auto" && dialect !== "kernel" && dialect !== "ubpf") {
    throw new EbpfError("EINVAL", `unknown assembler dialect '${String(dialect)}' (auto, kernel or ubpf)`);
  }
  const lines = text.split(/\r\n|\r|\n/);
  const placed = new Map<number, Placed>();
  /** Slot index → pc of the instruction that covers it (lddw covers two). */
  const owner = new Map<number, number>();
  const labels = new Map<string, { pc: number; line: number }>();
  const symbols = new Map<number, string>();
  let cursor = 0;
  let total = 0;

  for (let n = 0; n < lines.length; n++) {
    const src = splitLine(lines[n]!, n + 1, options.file);
    const ctx = src.ctx;
    if (src.pc !== undefined) cursor = src.pc;
    for (const l of src.labels) {
      const old = labels.get(l.name);
      if (old) ctx.fail(`duplicate label '${l.name}' (first defined on line ${old.line})`, l.index);
      labels.set(l.name, { pc: cursor, line: ctx.line });
      if (!symbols.has(cursor)) symbols.set(cursor, l.name);
    }
    if (!src.stmt) continue;
    const { start, end } = src.stmt;
    const stmt = parseStatement(ctx, start, end, dialect, src.opcode?.value);
    if (src.opcode && src.opcode.value !== stmt.insn.op) {
      ctx.fail(
        `the line says opcode ${hex2(src.opcode.value)} but the instruction encodes as ${hex2(stmt.insn.op)}`,
        src.opcode.index,
      );
    }
    const size = slotCount(stmt.insn);
    const existing = placed.get(cursor);
    if (existing) {
      // A verifier log prints an instruction again each time a path reaches it.
      if (!sameInstruction(existing, stmt)) {
        ctx.fail(`pc ${cursor} already holds a different instruction (line ${existing.ctx.line})`, start);
      }
    } else {
      for (let k = 0; k < size; k++) {
        const o = owner.get(cursor + k);
        if (o !== undefined) ctx.fail(`pc ${cursor + k} is already taken by the instruction on line ${placed.get(o)!.ctx.line}`, start);
      }
      for (let k = 0; k < size; k++) owner.set(cursor + k, cursor);
      placed.set(cursor, { ...stmt, ctx, column: start + 1, text: ctx.text.slice(start, end).trim() });
    }
    cursor += size;
    total = Math.max(total, cursor);
  }

  const pcs = [...placed.keys()].sort((a, b) => a - b);
  for (let pc = 0; pc < total; pc++) {
    if (!owner.has(pc)) {
      const after = pcs.find((p) => p > pc);
      const where = after === undefined ? { line: lines.length } : placed.get(after)!.ctx;
      throw new AsmError(`no instruction for pc ${pc}: the listing has a gap`, where.line, 1, options.file);
    }
  }

  const firstExit = pcs.find((pc) => placed.get(pc)!.insn.op === O.OP_EXIT);
  const out: Instruction[] = [];
  for (const pc of pcs) {
    const p = placed.get(pc)!;
    const insn = { ...p.insn };
    if (p.ref) resolve(insn, p, pc, labels, firstExit);
    const meta: InstructionMeta = { ...insn.meta };
    const sym = symbols.get(pc);
    if (sym !== undefined) meta.symbol = sym;
    meta.source = { line: p.ctx.line, column: p.column, text: p.text };
    if (options.file !== undefined) meta.source.file = options.file;
    insn.meta = meta;
    out.push(insn);
  }
  return out;
}

function parseStatement(ctx: LineContext, start: number, end: number, dialect: Dialect, opcodeHint: number | undefined): Statement {
  const ubpf = looksUbpf(ctx.text.slice(start, end));
  if (dialect === "ubpf" || (dialect === "auto" && ubpf)) return parseUbpfStatement(ctx, start, end);
  if (ubpf && isUbpfMnemonic(/^\w*/.exec(ctx.text.slice(start, end))![0])) {
    const word = /^\w+/.exec(ctx.text.slice(start, end))![0];
    ctx.fail(`'${word}' is bpf_conformance/ubpf syntax, but the dialect is "kernel"`, start);
  }
  return parseKernelStatement(ctx, start, end, opcodeHint);
}

/** Words that start a kernel/LLVM statement (besides registers and `*`). */
const KERNEL_WORDS = new Set(["exit", "goto", "gotol", "may_goto", "gotox", "nospec", "call", "callx", "if", "lock", "store_release", "ld_pseudo"]);

/**
 * Decides the dialect of a statement from its first word(s): kernel statements start with a
 * register, `*` or one of a few keywords; anything else is a mnemonic. The two dialects share
 * `exit`, `call N` and `lock`, told apart by what follows.
 */
function looksUbpf(stmt: string): boolean {
  const m = /^([A-Za-z_]\w*)\s*(.*)$/s.exec(stmt);
  if (!m) return false;
  const [, word, rest] = m as unknown as [string, string, string];
  if (isUbpfMnemonic(word)) return true;
  if (/^[rw]\d+$/.test(word)) return false;
  if (word === "call") return rest.startsWith("%") || /^(local|helper|runtime)\b/.test(rest);
  if (word === "lock") return !rest.startsWith("*");
  if (word === "exit") return rest !== "";
  if (KERNEL_WORDS.has(word)) return false;
  // An unknown word: report it as a mnemonic unless an operator follows, as in kernel syntax.
  return rest === "" || /^[%[\w]/.test(rest);
}

function resolve(
  insn: Instruction,
  p: Placed,
  pc: number,
  labels: Map<string, { pc: number }>,
  firstExit: number | undefined,
): void {
  const ref = p.ref!;
  // bpf_conformance lets `exit` name the first exit instruction without a label.
  const target = labels.get(ref.label)?.pc ?? (ref.label === "exit" ? firstExit : undefined);
  if (target === undefined) {
    // `call map_lookup_elem`: a helper named without its bpf_ prefix, when no label has that name.
    const helper = insn.op === O.OP_CALL ? helperId(ref.label) : undefined;
    if (helper === undefined) p.ctx.fail(`undefined label '${ref.label}'`, ref.index);
    insn.src = 0;
    insn.imm = helper;
    return;
  }
  const rel = target - (pc + 1);
  if (ref.field === "off") {
    if (rel < -0x8000 || rel > 0x7fff) p.ctx.fail(`label '${ref.label}' is ${rel} slots away, beyond a 16-bit jump offset (use gotol)`, ref.index);
    insn.off = rel;
  } else {
    insn.imm = rel;
  }
}

function sameInstruction(a: Placed, b: Statement): boolean {
  const x = a.insn;
  const y = b.insn;
  return (
    x.op === y.op && x.dst === y.dst && x.src === y.src && x.off === y.off && x.imm === y.imm && (x.imm2 ?? 0) === (y.imm2 ?? 0) &&
    a.ref?.label === b.ref?.label
  );
}

function hex2(v: number): string {
  return `(${v.toString(16).padStart(2, "0")})`;
}
