import { LineContext } from "./context.js";

/**
 * The parts of one source line before a dialect parser sees it. Lines pasted from the kernel
 * verifier log, `bpftool prog dump xlated` and `llvm-objdump -d` carry decorations (pc numbers,
 * opcode annotations, raw bytes, function headers) that are recognised and peeled off here.
 */
export interface SourceLine {
  ctx: LineContext;
  /** Labels defined on this line, in order. */
  labels: { name: string; index: number }[];
  /** An explicit pc prefix (`12:`), which places the instruction at that slot. */
  pc?: number;
  /** The opcode byte the line claims, from a `(b7)` annotation or objdump's raw bytes. */
  opcode?: { value: number; index: number };
  /** The statement proper, as [start, end) indexes into ctx.text; absent for label-only lines. */
  stmt?: { start: number; end: number };
}

const LABEL_RE = /^([A-Za-z_.$][\w.$]*):(?=\s|$)/;
const PC_RE = /^(\d+):(?=\s|$)/;
// The verifier's "Live regs before insn" listing puts one column per register r0–r9 after the pc.
const LIVENESS_RE = /^[.0-9]{10}(?=\s)/;
const ANNOTATION_RE = /^\(([0-9a-fA-F]{2})\)(?=\s|$)/;
// llvm-objdump prints 8 bytes per slot (16 for lddw), separated by single spaces.
const RAW_BYTES_RE = /^([0-9a-fA-F]{2})(?: [0-9a-fA-F]{2}){7}(?: [0-9a-fA-F]{2}(?: [0-9a-fA-F]{2}){7})?(?=\s|$)/;
// `0000000000000000 <xdp_prog>:` from llvm-objdump.
const OBJDUMP_SYMBOL_RE = /^[0-9a-fA-F]{8,16} <([^>\s]+)>:$/;
// `int xdp_prog(struct xdp_md * ctx):` from bpftool's xlated dump (function signature from BTF).
const FUNC_SIGNATURE_RE = /^[A-Za-z_][\w\s*]*?\b([A-Za-z_]\w*)\s*\([^()]*\):$/;
// Lines of a verifier log or objdump listing that are not instructions.
const NOISE_RE =
  /^(?:from \d+ to \d+:|processed \d+ insn|R\d+\b|frame\d+:|func#\d+|last_idx|regs=|parent |mark_precise|propagating|Live regs|verification time|stack depth|Validating|Disassembly of section|libbpf:|-- |\.\.\.$)|:\s+file format /;

/** Splits one line into its decorations and statement. */
export function splitLine(raw: string, line: number, file: string | undefined): SourceLine {
  const text = stripComments(raw);
  const ctx = new LineContext(text, line, file);
  const out: SourceLine = { ctx, labels: [] };
  let i = skipSpace(text, 0);
  let end = text.length;
  while (end > i && /\s/.test(text[end - 1]!)) end--;
  if (i >= end) return out;
  const whole = text.slice(i, end);

  let m = OBJDUMP_SYMBOL_RE.exec(whole) ?? FUNC_SIGNATURE_RE.exec(whole);
  if (m) {
    out.labels.push({ name: m[1]!, index: i + whole.indexOf(m[1]!) });
    return out;
  }
  if (NOISE_RE.test(whole)) return out;
  // bpftool's `opcodes` line under an instruction: the bytes again, nothing to assemble.
  const bytesOnly = RAW_BYTES_RE.exec(whole);
  if (bytesOnly && bytesOnly[0].length === whole.length) return out;

  m = PC_RE.exec(whole);
  if (m) {
    const rest = text.slice(skipSpace(text, i + m[0].length), end);
    // `0: R1=ctx() R10=fp0` is register state in a verifier log, not an instruction.
    if (rest === "" || NOISE_RE.test(rest)) return out;
    out.pc = Number(m[1]);
    if (!Number.isSafeInteger(out.pc)) ctx.fail(`pc ${m[1]} is too large`, i);
    i = skipSpace(text, i + m[0].length);
    const live = LIVENESS_RE.exec(text.slice(i, end));
    if (live) i = skipSpace(text, i + live[0].length);
    const bytes = RAW_BYTES_RE.exec(text.slice(i, end));
    if (bytes) {
      out.opcode = { value: parseInt(bytes[1]!, 16), index: i };
      i = skipSpace(text, i + bytes[0].length);
    }
  }
  m = ANNOTATION_RE.exec(text.slice(i, end));
  if (m) {
    out.opcode = { value: parseInt(m[1]!, 16), index: i };
    i = skipSpace(text, i + m[0].length);
  }
  for (;;) {
    m = LABEL_RE.exec(text.slice(i, end));
    if (!m) break;
    out.labels.push({ name: m[1]!, index: i });
    i = skipSpace(text, i + m[0].length);
  }
  // llvm-objdump follows a jump with its target symbol: `goto +3 <LBB0_2>`.
  const sym = /\s<[\w.$+-]+>$/.exec(text.slice(i, end));
  if (sym) end -= sym[0].length;
  if (i < end) out.stmt = { start: i, end };
  return out;
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && /\s/.test(s[i]!)) i++;
  return i;
}

/**
 * Blanks out comments, keeping every other character at its column: `;` (verifier state and
 * source lines), `//`, `/* … *\/`, and `#` at the start of a line or after whitespace (a `#`
 * glued to a word is part of `call bpf_map_lookup_elem#1`).
 */
export function stripComments(raw: string): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === ";" || (c === "/" && raw[i + 1] === "/") || (c === "#" && (i === 0 || /\s/.test(raw[i - 1]!)))) break;
    if (c === "/" && raw[i + 1] === "*") {
      const close = raw.indexOf("*/", i + 2);
      if (close < 0) break;
      out += " ".repeat(close + 2 - i);
      i = close + 1;
      continue;
    }
    out += c;
  }
  return out;
}
