/**
 * Parser for the bpf_conformance/ubpf dialect: `mnemonic operand, operand, …` with `%r0`-style
 * registers (the `%` may be left out, as rbpf does), `[%r1+4]` memory operands, and jump targets
 * written `+N`, `-N` or as a label. Mnemonics and operand forms follow bpf_conformance's assembler;
 * as there, immediates must fit 32 bits (decimal signed, hex up to 0xffffffff) and offsets 16 bits.
 */
import type { Instruction } from "../isa/instruction.js";
import { splitImm64 } from "../isa/instruction.js";
import * as O from "../isa/opcodes.js";
import type { LineContext, Statement } from "./context.js";
import { parseInteger, toImm32, toImm64, toOff16 } from "./numbers.js";

const ALU_OPS: Record<string, { op: number; off: number }> = {
  add: { op: O.BPF_ADD, off: 0 },
  sub: { op: O.BPF_SUB, off: 0 },
  mul: { op: O.BPF_MUL, off: 0 },
  div: { op: O.BPF_DIV, off: 0 },
  sdiv: { op: O.BPF_DIV, off: 1 },
  or: { op: O.BPF_OR, off: 0 },
  and: { op: O.BPF_AND, off: 0 },
  lsh: { op: O.BPF_LSH, off: 0 },
  rsh: { op: O.BPF_RSH, off: 0 },
  mod: { op: O.BPF_MOD, off: 0 },
  smod: { op: O.BPF_MOD, off: 1 },
  xor: { op: O.BPF_XOR, off: 0 },
  mov: { op: O.BPF_MOV, off: 0 },
  arsh: { op: O.BPF_ARSH, off: 0 },
};

const JMP_OPS: Record<string, number> = {
  jeq: O.BPF_JEQ,
  jgt: O.BPF_JGT,
  jge: O.BPF_JGE,
  jset: O.BPF_JSET,
  jne: O.BPF_JNE,
  jsgt: O.BPF_JSGT,
  jsge: O.BPF_JSGE,
  jlt: O.BPF_JLT,
  jle: O.BPF_JLE,
  jslt: O.BPF_JSLT,
  jsle: O.BPF_JSLE,
};

const SIZES: Record<string, number> = { b: O.BPF_B, h: O.BPF_H, w: O.BPF_W, dw: O.BPF_DW };

const ATOMIC_OPS: Record<string, number> = {
  add: O.BPF_ADD,
  and: O.BPF_AND,
  or: O.BPF_OR,
  xor: O.BPF_XOR,
  xchg: O.BPF_XCHG,
  cmpxchg: O.BPF_CMPXCHG,
};

const ALU_RE = /^(add|sub|mul|div|sdiv|or|and|lsh|rsh|mod|smod|xor|mov|arsh)(32|64)?$/;
const NEG_RE = /^neg(32|64)?$/;
const MOVSX_RE = /^movsx(8|16|32)(32|64)$/;
const END_RE = /^(be|le|bswap|swap)(16|32|64)$/;
const LDX_RE = /^ldx(s?)(b|h|w|dw)$/;
const ST_RE = /^st(x?)(b|h|w|dw)$/;
const LDABS_RE = /^ld(abs|ind)(b|h|w)$/;
const JMP_RE = /^(jeq|jgt|jge|jset|jne|jsgt|jsge|jlt|jle|jslt|jsle)(32)?$/;

/** True when `word` starts a statement of this dialect (so the auto mode can route the line). */
export function isUbpfMnemonic(word: string): boolean {
  return (
    ALU_RE.test(word) ||
    NEG_RE.test(word) ||
    MOVSX_RE.test(word) ||
    END_RE.test(word) ||
    LDX_RE.test(word) ||
    ST_RE.test(word) ||
    LDABS_RE.test(word) ||
    JMP_RE.test(word) ||
    word === "lddw" ||
    word === "ja" ||
    word === "ja32"
  );
}

interface Operand {
  text: string;
  index: number;
}

const insn = (op: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ op, dst, src, off, imm });

/** Parses one ubpf-dialect statement in [start, end) of the line. */
export function parseUbpfStatement(ctx: LineContext, start: number, end: number): Statement {
  const s = ctx.text;
  let i = start;
  while (i < end && /[A-Za-z0-9_]/.test(s[i]!)) i++;
  const mnemonic = s.slice(start, i);
  if (mnemonic === "") ctx.fail(`unexpected '${s[start]}' at the start of an instruction`, start);
  if (i < end && !/\s/.test(s[i]!)) ctx.fail(`unexpected '${s[i]}' after '${mnemonic}'`, i);
  return new UbpfParser(ctx, mnemonic, start, i, end).statement();
}

class UbpfParser {
  constructor(
    private readonly ctx: LineContext,
    private readonly mnemonic: string,
    private readonly start: number,
    private rest: number,
    private readonly end: number,
  ) {}

  /** The next whitespace-separated word before the operands (`fetch`, `add32`, `local` …). */
  private word(): Operand | undefined {
    const s = this.ctx.text;
    let i = this.rest;
    while (i < this.end && /\s/.test(s[i]!)) i++;
    let j = i;
    while (j < this.end && /[A-Za-z0-9_]/.test(s[j]!)) j++;
    if (j === i || (j < this.end && !/\s/.test(s[j]!))) return undefined;
    this.rest = j;
    return { text: s.slice(i, j), index: i };
  }

  private peekWord(): string | undefined {
    const save = this.rest;
    const w = this.word();
    this.rest = save;
    return w?.text;
  }

  /** Comma-separated operands of the rest of the line. */
  private operands(count: number, form: string): Operand[] {
    const s = this.ctx.text;
    const out: Operand[] = [];
    let i = this.rest;
    while (i < this.end && /\s/.test(s[i]!)) i++;
    if (i < this.end) {
      let from = i;
      for (let j = i; j <= this.end; j++) {
        if (j === this.end || s[j] === ",") {
          let a = from;
          let b = j;
          while (a < b && /\s/.test(s[a]!)) a++;
          while (b > a && /\s/.test(s[b - 1]!)) b--;
          if (a === b) this.ctx.fail("empty operand", a);
          out.push({ text: s.slice(a, b), index: a });
          from = j + 1;
        }
      }
    }
    if (out.length !== count) {
      const at = out.length > count ? out[count]!.index : this.end;
      this.ctx.fail(`'${this.mnemonic}' takes ${count} operand${count === 1 ? "" : "s"} (${form}), found ${out.length}`, at);
    }
    return out;
  }

  private isReg(o: Operand): boolean {
    return /^%?[a-z]+\d+$/i.test(o.text) && !/^[+-]?\d/.test(o.text);
  }

  private reg(o: Operand): number {
    const m = /^%?r(\d+)$/.exec(o.text);
    if (!m) {
      if (this.isReg(o) || o.text.startsWith("%")) this.ctx.fail(`invalid register '${o.text}' (%r0–%r10)`, o.index);
      this.ctx.fail(`expected a register but found '${o.text}'`, o.index);
    }
    const n = Number(m[1]);
    if (n > 10 || m[1]!.length > 2) this.ctx.fail(`invalid register '${o.text}' (%r0–%r10)`, o.index);
    return n;
  }

  private imm32(o: Operand): number {
    const lit = parseInteger(o.text);
    if (!lit) this.ctx.fail(`expected an immediate but found '${o.text}'`, o.index);
    return toImm32(lit, this.ctx, o.index, true);
  }

  /** `[%r1+4]`, `[%r1 - 4]`, `[%r1]` */
  private mem(o: Operand): { reg: number; off: number } {
    const m = /^\[\s*(%?\w+)\s*(?:([+-])\s*(\w+)\s*)?\]$/.exec(o.text);
    if (!m) this.ctx.fail(`expected a memory operand like [%r1+4] but found '${o.text}'`, o.index);
    const reg = this.reg({ text: m[1]!, index: o.index + o.text.indexOf(m[1]!) });
    if (m[2] === undefined) return { reg, off: 0 };
    const lit = parseInteger(m[2] + m[3]!);
    const at = o.index + o.text.indexOf(m[3]!, m[1]!.length + 1);
    if (!lit) this.ctx.fail(`invalid offset '${m[3]}'`, at);
    return { reg, off: toOff16(lit, this.ctx, at) };
  }

  /** `+3`, `-2` or a label. */
  private target(o: Operand, base: Instruction, field: "off" | "imm"): Statement {
    if (/^[+-]/.test(o.text)) {
      const lit = parseInteger(o.text);
      if (!lit) this.ctx.fail(`invalid jump offset '${o.text}'`, o.index);
      base[field] = field === "off" ? toOff16(lit, this.ctx, o.index) : toImm32(lit, this.ctx, o.index, true);
      return { insn: base };
    }
    if (!/^[A-Za-z_.$][\w.$]*$/.test(o.text)) {
      this.ctx.fail(`expected a jump target (+N, -N or a label) but found '${o.text}'`, o.index);
    }
    return { insn: base, ref: { label: o.text, field, index: o.index } };
  }

  statement(): Statement {
    const mn = this.mnemonic;
    let m: RegExpExecArray | null;
    if ((m = ALU_RE.exec(mn))) {
      const { op, off } = ALU_OPS[m[1]!]!;
      const cls = m[2] === "32" ? O.BPF_ALU : O.BPF_ALU64;
      const [d, s] = this.operands(2, "dst, src or imm");
      if (this.isReg(s!)) return { insn: insn(cls | op | O.BPF_X, this.reg(d!), this.reg(s!), off) };
      return { insn: insn(cls | op | O.BPF_K, this.reg(d!), 0, off, this.imm32(s!)) };
    }
    if ((m = NEG_RE.exec(mn))) {
      const [d] = this.operands(1, "dst");
      return { insn: insn((m[1] === "32" ? O.BPF_ALU : O.BPF_ALU64) | O.BPF_NEG, this.reg(d!)) };
    }
    if ((m = MOVSX_RE.exec(mn))) {
      const bits = Number(m[1]);
      if (bits === 32 && m[2] === "32") this.ctx.fail(`unknown mnemonic '${mn}'`, this.start);
      const [d, s] = this.operands(2, "dst, src");
      return { insn: insn((m[2] === "32" ? O.BPF_ALU : O.BPF_ALU64) | O.BPF_MOV | O.BPF_X, this.reg(d!), this.reg(s!), bits) };
    }
    if ((m = END_RE.exec(mn))) {
      const [d] = this.operands(1, "dst");
      const op =
        m[1] === "be" ? O.BPF_ALU | O.BPF_END | O.BPF_TO_BE : m[1] === "le" ? O.BPF_ALU | O.BPF_END | O.BPF_TO_LE : O.BPF_ALU64 | O.BPF_END;
      return { insn: insn(op, this.reg(d!), 0, 0, Number(m[2])) };
    }
    if ((m = LDX_RE.exec(mn))) {
      if (m[1] === "s" && m[2] === "dw") this.ctx.fail(`unknown mnemonic '${mn}'`, this.start);
      const [d, a] = this.operands(2, "dst, [src+off]");
      const dst = this.reg(d!);
      const { reg, off } = this.mem(a!);
      return { insn: insn(O.BPF_LDX | (m[1] ? O.BPF_MEMSX : O.BPF_MEM) | SIZES[m[2]!]!, dst, reg, off) };
    }
    if ((m = ST_RE.exec(mn))) {
      const [a, v] = this.operands(2, m[1] ? "[dst+off], src" : "[dst+off], imm");
      const { reg, off } = this.mem(a!);
      const size = SIZES[m[2]!]!;
      if (m[1]) return { insn: insn(O.BPF_STX | O.BPF_MEM | size, reg, this.reg(v!), off) };
      return { insn: insn(O.BPF_ST | O.BPF_MEM | size, reg, 0, off, this.imm32(v!)) };
    }
    if ((m = LDABS_RE.exec(mn))) {
      const size = SIZES[m[2]!]!;
      if (m[1] === "abs") {
        const [v] = this.operands(1, "imm");
        return { insn: insn(O.BPF_LD | O.BPF_ABS | size, 0, 0, 0, this.imm32(v!)) };
      }
      const [r, v] = this.operands(2, "src, imm");
      return { insn: insn(O.BPF_LD | O.BPF_IND | size, 0, this.reg(r!), 0, this.imm32(v!)) };
    }
    if ((m = JMP_RE.exec(mn))) {
      const cls = m[2] === "32" ? O.BPF_JMP32 : O.BPF_JMP;
      const [d, s, t] = this.operands(3, "dst, src or imm, target");
      const code = JMP_OPS[m[1]!]!;
      const base = this.isReg(s!)
        ? insn(cls | code | O.BPF_X, this.reg(d!), this.reg(s!))
        : insn(cls | code | O.BPF_K, this.reg(d!), 0, 0, this.imm32(s!));
      return this.target(t!, base, "off");
    }
    switch (mn) {
      case "lddw": {
        const [d, v] = this.operands(2, "dst, imm64");
        const dst = this.reg(d!);
        const lit = parseInteger(v!.text);
        if (!lit) this.ctx.fail(`expected a 64-bit immediate but found '${v!.text}'`, v!.index);
        const { imm, imm2 } = splitImm64(toImm64(lit, this.ctx, v!.index));
        return { insn: { op: O.OP_LDDW, dst, src: 0, off: 0, imm, imm2 } };
      }
      case "ja": {
        const [t] = this.operands(1, "target");
        return this.target(t!, insn(O.BPF_JMP | O.BPF_JA), "off");
      }
      case "ja32": {
        const [t] = this.operands(1, "target");
        return this.target(t!, insn(O.BPF_JMP32 | O.BPF_JA), "imm");
      }
      case "exit":
        this.operands(0, "none");
        return { insn: insn(O.OP_EXIT) };
      case "callx": {
        const [r] = this.operands(1, "register");
        return { insn: insn(O.OP_CALLX, this.reg(r!)) };
      }
      case "call":
        return this.call();
      case "lock":
        return this.lock();
    }
    this.ctx.fail(`unknown mnemonic '${mn}'`, this.start);
  }

  /** `call 5`, `call helper 5`, `call %r2`, `call local func1`, `call local +3`, `call runtime 0x2a`. */
  private call(): Statement {
    const mode = this.peekWord();
    if (mode === "helper" || mode === "local" || mode === "runtime") this.word();
    const [t] = this.operands(1, mode === "local" ? "target" : "id or register");
    if (mode === "local") return this.target(t!, insn(O.OP_CALL, 0, O.BPF_PSEUDO_CALL), "imm");
    if (mode !== "runtime" && this.isReg(t!)) return { insn: insn(O.OP_CALLX, this.reg(t!)) };
    if (mode === "runtime") {
      // An optional `@N` carries the kfunc's module BTF offset.
      const at = t!.text.indexOf("@");
      if (at > 0) {
        const imm = this.imm32({ text: t!.text.slice(0, at), index: t!.index });
        const lit = parseInteger(t!.text.slice(at + 1));
        if (!lit) this.ctx.fail(`invalid kfunc offset '${t!.text.slice(at + 1)}'`, t!.index + at + 1);
        return { insn: insn(O.OP_CALL, 0, O.BPF_PSEUDO_KFUNC_CALL, toOff16(lit, this.ctx, t!.index + at + 1), imm) };
      }
    }
    return { insn: insn(O.OP_CALL, 0, mode === "runtime" ? O.BPF_PSEUDO_KFUNC_CALL : 0, 0, this.imm32(t!)) };
  }

  /** `lock [fetch] op[32] [%rD+off], %rS` */
  private lock(): Statement {
    let w = this.word();
    if (!w) this.ctx.fail("'lock' needs an operation (add, and, or, xor, xchg, cmpxchg) and operands", this.end);
    let fetch = false;
    if (w.text === "fetch") {
      fetch = true;
      w = this.word();
      if (!w) this.ctx.fail("'lock fetch' needs an operation (add, and, or, xor)", this.end);
    }
    const m = /^(add|and|or|xor|xchg|cmpxchg)(32|64)?$/.exec(w.text);
    if (!m) this.ctx.fail(`unknown atomic operation '${w.text}'`, w.index);
    const [a, s] = this.operands(2, "[dst+off], src");
    const { reg, off } = this.mem(a!);
    const imm = ATOMIC_OPS[m[1]!]! | (fetch ? O.BPF_FETCH : 0);
    const size = m[2] === "32" ? O.BPF_W : O.BPF_DW;
    return { insn: insn(O.BPF_STX | O.BPF_ATOMIC | size, reg, this.reg(s!), off, imm) };
  }
}
