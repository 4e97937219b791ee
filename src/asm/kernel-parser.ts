/**
 * Parser for the kernel/LLVM dialect: the C-like text printed by the verifier log, `bpftool prog
 * dump xlated` and llvm-objdump, and accepted by llvm-mc. Where the kernel and LLVM spell the same
 * instruction differently (`goto pc+3` / `goto +3`, `(r1 +0)` / `(r1 + 0)`, `atomic64_xchg(...)` /
 * `xchg_64(...)`) both spellings are accepted.
 */
import type { Instruction } from "../isa/instruction.js";
import { splitImm64 } from "../isa/instruction.js";
import * as O from "../isa/opcodes.js";
import { helperId, helperName } from "../helpers/ids.js";
import type { LineContext, Statement } from "./context.js";
import { tokenize, type Token } from "./lexer.js";
import { fitsImm32, parseInteger, toImm32, toImm64, toOff16, type IntLiteral } from "./numbers.js";

const ALU_ASSIGN: Record<string, { op: number; off: number }> = {
  "+=": { op: O.BPF_ADD, off: 0 },
  "-=": { op: O.BPF_SUB, off: 0 },
  "*=": { op: O.BPF_MUL, off: 0 },
  "/=": { op: O.BPF_DIV, off: 0 },
  "s/=": { op: O.BPF_DIV, off: 1 },
  "|=": { op: O.BPF_OR, off: 0 },
  "&=": { op: O.BPF_AND, off: 0 },
  "<<=": { op: O.BPF_LSH, off: 0 },
  ">>=": { op: O.BPF_RSH, off: 0 },
  "%=": { op: O.BPF_MOD, off: 0 },
  "s%=": { op: O.BPF_MOD, off: 1 },
  "^=": { op: O.BPF_XOR, off: 0 },
  "s>>=": { op: O.BPF_ARSH, off: 0 },
};

const JMP_COMPARE: Record<string, number> = {
  "==": O.BPF_JEQ,
  "!=": O.BPF_JNE,
  ">": O.BPF_JGT,
  ">=": O.BPF_JGE,
  "<": O.BPF_JLT,
  "<=": O.BPF_JLE,
  "s>": O.BPF_JSGT,
  "s>=": O.BPF_JSGE,
  "s<": O.BPF_JSLT,
  "s<=": O.BPF_JSLE,
  "&": O.BPF_JSET,
};

const ATOMIC_ASSIGN: Record<string, number> = { "+=": O.BPF_ADD, "&=": O.BPF_AND, "|=": O.BPF_OR, "^=": O.BPF_XOR };
const ATOMIC_FETCH: Record<string, number> = { add: O.BPF_ADD, and: O.BPF_AND, or: O.BPF_OR, xor: O.BPF_XOR };

const SIZE_NAMES: Record<string, { size: number; signed: boolean }> = {
  u8: { size: O.BPF_B, signed: false },
  u16: { size: O.BPF_H, signed: false },
  u32: { size: O.BPF_W, signed: false },
  u64: { size: O.BPF_DW, signed: false },
  s8: { size: O.BPF_B, signed: true },
  s16: { size: O.BPF_H, signed: true },
  s32: { size: O.BPF_W, signed: true },
};

interface Reg {
  n: number;
  /** Written as a 32-bit subregister (w0–w10). */
  w: boolean;
  index: number;
}

interface Mem {
  base: Reg;
  off: number;
}

const insn = (op: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ op, dst, src, off, imm });

/** Parses one kernel/LLVM statement in [start, end) of the line. `opcodeHint` comes from a `(18)` annotation. */
export function parseKernelStatement(ctx: LineContext, start: number, end: number, opcodeHint?: number): Statement {
  return new KernelParser(ctx, tokenize(ctx, start, end), end, opcodeHint).statement();
}

class KernelParser {
  private i = 0;

  constructor(
    private readonly ctx: LineContext,
    private readonly toks: Token[],
    private readonly endIndex: number,
    private readonly opcodeHint: number | undefined,
  ) {}

  // ---- token helpers ----

  private peek(k = 0): Token | undefined {
    return this.toks[this.i + k];
  }

  private is(text: string, k = 0): boolean {
    return this.toks[this.i + k]?.text === text;
  }

  private next(what: string): Token {
    const t = this.toks[this.i];
    if (!t) this.ctx.fail(`expected ${what} at end of line`, this.endIndex);
    this.i++;
    return t;
  }

  private accept(text: string): Token | undefined {
    if (!this.is(text)) return undefined;
    return this.toks[this.i++];
  }

  private expect(text: string): Token {
    const t = this.peek();
    if (t?.text !== text) this.failAt(t, `expected '${text}'${t ? ` but found '${t.text}'` : ""}`);
    this.i++;
    return t;
  }

  private end(): void {
    const t = this.peek();
    if (t) this.failAt(t, `unexpected '${t.text}' after the instruction`);
  }

  private failAt(t: Token | undefined, message: string): never {
    this.ctx.fail(message, t ? t.index : this.endIndex);
  }

  private isReg(k = 0): boolean {
    const t = this.peek(k);
    return t?.kind === "id" && /^[rw]\d+$/.test(t.text);
  }

  private reg(): Reg {
    const t = this.next("a register");
    const m = t.kind === "id" ? /^([rw])(\d+)$/.exec(t.text) : null;
    if (!m) this.failAt(t, `expected a register but found '${t.text}'`);
    const n = Number(m[2]);
    if (n > 10 || m[2]!.length > 2) this.failAt(t, `invalid register '${t.text}' (r0–r10)`);
    return { n, w: m[1] === "w", index: t.index };
  }

  private reg64(): Reg {
    const r = this.reg();
    if (r.w) this.ctx.fail(`expected a 64-bit register (r${r.n}) here`, r.index);
    return r;
  }

  /** An integer with an optional sign, which the kernel and LLVM print as separate characters. */
  private int(): { lit: IntLiteral; index: number } {
    const first = this.peek();
    let sign = "";
    if (this.is("-") || this.is("+")) sign = this.next("a number").text;
    const t = this.next("a number");
    if (t.kind !== "num") this.failAt(t, `expected a number but found '${t.text}'`);
    const lit = parseInteger(sign + t.text)!;
    return { lit, index: first!.index };
  }

  private isInt(): boolean {
    const t = this.peek();
    return t?.kind === "num" || ((t?.text === "-" || t?.text === "+") && this.peek(1)?.kind === "num");
  }

  private imm32(): number {
    const { lit, index } = this.int();
    return toImm32(lit, this.ctx, index);
  }

  /** `(u32 *)` — a size cast. */
  private sizeCast(): { size: number; signed: boolean; index: number } {
    this.expect("(");
    const t = this.next("a size (u8, u16, u32, u64)");
    const s = SIZE_NAMES[t.text];
    if (!s) this.failAt(t, `expected a size (u8, u16, u32, u64, s8, s16, s32) but found '${t.text}'`);
    this.expect("*");
    this.expect(")");
    return { ...s, index: t.index };
  }

  /** `(r1 +8)`, `(r1 - 8)`, `(r1)`. */
  private mem(): Mem {
    this.expect("(");
    const m = this.addr();
    this.expect(")");
    return m;
  }

  /** `r1 + 8` inside parentheses, as LLVM's xchg/cmpxchg write it. */
  private addr(): Mem {
    const base = this.reg64();
    let off = 0;
    if (this.is("+") || this.is("-")) {
      const neg = this.next("an offset").text === "-";
      const { lit, index } = this.int();
      off = toOff16(neg ? { ...lit, value: -lit.value } : lit, this.ctx, index);
    }
    return { base, off };
  }

  /** A jump target: `+3`, `-2`, `pc+3`, `pc-2` or a label. */
  private target(field: "off" | "imm"): { value: number; ref?: Statement["ref"] } {
    const t = this.peek();
    if (t?.kind === "id" && t.text === "pc" && (this.is("+", 1) || this.is("-", 1))) this.i++;
    else if (t?.kind === "id") {
      this.i++;
      return { value: 0, ref: { label: t.text, field, index: t.index } };
    } else if (t?.kind === "num") {
      this.failAt(t, `a jump offset needs a sign (+${t.text} or -${t.text}) or a label`);
    }
    if (!this.is("+") && !this.is("-")) this.failAt(this.peek(), "expected a jump target (+N, -N, pc+N or a label)");
    const { lit, index } = this.int();
    return { value: field === "off" ? toOff16(lit, this.ctx, index) : toImm32(lit, this.ctx, index) };
  }

  private withTarget(base: Instruction, field: "off" | "imm"): Statement {
    const t = this.target(field);
    base[field] = t.value;
    return t.ref ? { insn: base, ref: t.ref } : { insn: base };
  }

  // ---- statements ----

  statement(): Statement {
    const t = this.peek();
    if (!t) this.ctx.fail("empty statement", this.endIndex);
    let s: Statement;
    if (t.kind === "id") {
      switch (t.text) {
        case "exit":
          this.i++;
          s = { insn: insn(O.OP_EXIT) };
          break;
        case "goto":
          this.i++;
          s = this.withTarget(insn(O.BPF_JMP | O.BPF_JA), "off");
          break;
        case "gotol":
          this.i++;
          s = this.withTarget(insn(O.BPF_JMP32 | O.BPF_JA), "imm");
          break;
        case "may_goto":
          this.i++;
          s = this.withTarget(insn(O.BPF_JMP | O.BPF_JCOND), "off");
          break;
        case "gotox":
          this.i++;
          s = { insn: insn(O.BPF_JMP | O.BPF_JA | O.BPF_X, this.reg64().n) };
          break;
        case "nospec":
          this.i++;
          s = { insn: insn(O.BPF_ST | 0xc0) };
          break;
        case "call":
          this.i++;
          s = this.call();
          break;
        case "callx":
          this.i++;
          s = { insn: insn(O.OP_CALLX, this.reg64().n) };
          break;
        case "if":
          this.i++;
          s = this.conditional();
          break;
        case "lock":
          this.i++;
          s = this.lock();
          break;
        case "store_release":
          this.i++;
          s = this.storeRelease();
          break;
        case "ld_pseudo":
          this.i++;
          s = this.ldPseudo();
          break;
        default:
          if (!this.isReg()) {
            if (/^[rw]\d+$/.test(t.text)) this.reg();
            this.failAt(t, `unknown instruction '${t.text}'`);
          }
          s = this.assignment();
      }
    } else if (t.text === "*") {
      this.i++;
      s = this.store();
    } else {
      this.failAt(t, `unexpected '${t.text}' at the start of an instruction`);
    }
    this.end();
    return s;
  }

  private call(): Statement {
    const t = this.peek();
    if (!t) this.ctx.fail("expected a call target", this.endIndex);
    // call pc+3 (kernel), optionally followed by bpftool's `#symbol`.
    if (t.kind === "id" && t.text === "pc" && (this.is("+", 1) || this.is("-", 1))) {
      this.i++;
      const { lit, index } = this.int();
      this.skipCallSuffix();
      return { insn: insn(O.OP_CALL, 0, O.BPF_PSEUDO_CALL, 0, toImm32(lit, this.ctx, index)) };
    }
    // call 1, call -1 (LLVM): helper by number.
    if (this.isInt()) return { insn: insn(O.OP_CALL, 0, 0, 0, this.imm32()) };
    if (this.isReg()) return { insn: insn(O.OP_CALLX, this.reg64().n) };
    if (t.kind !== "id") this.failAt(t, "expected a call target (helper name or id, pc+N, or a label)");
    this.i++;
    const name = t.text;
    if (this.accept("#")) {
      // The kernel's `call bpf_map_lookup_elem#1`, `call unknown#99`, `call kernel-function#123`,
      // `call some_kfunc#123` (kfunc resolved through BTF).
      const { lit, index } = this.int();
      const imm = toImm32(lit, this.ctx, index);
      let off = 0;
      if (this.accept("@")) {
        const o = this.int();
        off = toOff16(o.lit, this.ctx, o.index);
      }
      const isHelper = name === "unknown" || helperId(name) !== undefined;
      if (isHelper && off !== 0) this.ctx.fail("only kfunc calls carry a module offset (@N)", t.index);
      return { insn: insn(O.OP_CALL, 0, isHelper ? 0 : O.BPF_PSEUDO_KFUNC_CALL, off, imm) };
    }
    if (name.startsWith("bpf_") && helperId(name) !== undefined) {
      return { insn: insn(O.OP_CALL, 0, 0, 0, helperId(name)!) };
    }
    return { insn: insn(O.OP_CALL, 0, O.BPF_PSEUDO_CALL), ref: { label: name, field: "imm", index: t.index } };
  }

  private skipCallSuffix(): void {
    if (this.accept("#")) this.next("a symbol after '#'");
  }

  private conditional(): Statement {
    const dst = this.reg();
    const opTok = this.next("a comparison");
    const code = JMP_COMPARE[opTok.text];
    if (code === undefined) this.failAt(opTok, `expected a comparison (==, !=, >, >=, <, <=, s>, s>=, s<, s<=, &) but found '${opTok.text}'`);
    const cls = dst.w ? O.BPF_JMP32 : O.BPF_JMP;
    let base: Instruction;
    if (this.isReg()) {
      const src = this.reg();
      if (src.w !== dst.w) this.ctx.fail(`register width mismatch: compare ${dst.w ? "w" : "r"}${dst.n} with ${dst.w ? "w" : "r"}${src.n}`, src.index);
      base = insn(cls | code | O.BPF_X, dst.n, src.n);
    } else {
      base = insn(cls | code | O.BPF_K, dst.n, 0, 0, this.imm32());
    }
    const g = this.next("'goto'");
    if (g.text !== "goto") this.failAt(g, `expected 'goto' but found '${g.text}'`);
    return this.withTarget(base, "off");
  }

  /** `lock *(u64 *)(r1 +0) += r2` */
  private lock(): Statement {
    this.expect("*");
    const sz = this.sizeCast();
    if (sz.signed || (sz.size !== O.BPF_W && sz.size !== O.BPF_DW)) this.ctx.fail("atomic operations work on u32 or u64", sz.index);
    const m = this.mem();
    const opTok = this.next("an atomic operator");
    const op = ATOMIC_ASSIGN[opTok.text];
    if (op === undefined) this.failAt(opTok, `expected +=, &=, |= or ^= but found '${opTok.text}'`);
    const src = this.reg();
    return { insn: insn(O.BPF_STX | O.BPF_ATOMIC | sz.size, m.base.n, src.n, m.off, op) };
  }

  /** `store_release((u64 *)(r1 +0), r2)` */
  private storeRelease(): Statement {
    this.expect("(");
    const sz = this.sizeCast();
    if (sz.signed) this.ctx.fail("store_release takes an unsigned size", sz.index);
    const m = this.mem();
    this.expect(",");
    const src = this.reg();
    this.expect(")");
    return { insn: insn(O.BPF_STX | O.BPF_ATOMIC | sz.size, m.base.n, src.n, m.off, O.BPF_STORE_REL) };
  }

  /** `ld_pseudo r1, 2, 5` — LLVM's spelling of lddw with a pseudo source. */
  private ldPseudo(): Statement {
    const dst = this.reg64();
    this.expect(",");
    const k = this.int();
    if (k.lit.value < 0n || k.lit.value > 15n) this.ctx.fail("the pseudo source must be 0–15", k.index);
    this.expect(",");
    const v = this.int();
    const { imm, imm2 } = splitImm64(toImm64(v.lit, this.ctx, v.index));
    return { insn: { op: O.OP_LDDW, dst: dst.n, src: Number(k.lit.value), off: 0, imm, imm2 } };
  }

  /** `*(u32 *)(r10 -4) = r1` or `= 7` */
  private store(): Statement {
    const sz = this.sizeCast();
    if (sz.signed) this.ctx.fail("stores take an unsigned size (u8, u16, u32, u64)", sz.index);
    const m = this.mem();
    this.expect("=");
    if (this.isReg()) {
      const src = this.reg();
      return { insn: insn(O.BPF_STX | O.BPF_MEM | sz.size, m.base.n, src.n, m.off) };
    }
    return { insn: insn(O.BPF_ST | O.BPF_MEM | sz.size, m.base.n, 0, m.off, this.imm32()) };
  }

  private assignment(): Statement {
    const dst = this.reg();
    const opTok = this.next("'=' or an operator");
    const cls = dst.w ? O.BPF_ALU : O.BPF_ALU64;
    if (opTok.text === "=") return this.rhs(dst);
    const alu = ALU_ASSIGN[opTok.text];
    if (!alu) this.failAt(opTok, `expected '=' or an assignment operator but found '${opTok.text}'`);
    if (this.isReg()) {
      const src = this.reg();
      this.sameWidth(dst, src);
      return { insn: insn(cls | alu.op | O.BPF_X, dst.n, src.n, alu.off) };
    }
    return { insn: insn(cls | alu.op | O.BPF_K, dst.n, 0, alu.off, this.imm32()) };
  }

  private sameWidth(dst: Reg, src: Reg): void {
    if (dst.w !== src.w) {
      const p = dst.w ? "w" : "r";
      this.ctx.fail(`register width mismatch: use ${p}${src.n} with ${p}${dst.n}`, src.index);
    }
  }

  private sameReg(dst: Reg, src: Reg, what: string): void {
    if (dst.n !== src.n) this.ctx.fail(`${what} must name the destination register again`, src.index);
  }

  /** Everything after `rD =`. */
  private rhs(dst: Reg): Statement {
    const cls = dst.w ? O.BPF_ALU : O.BPF_ALU64;
    const t = this.peek();
    if (!t) this.ctx.fail("expected a value after '='", this.endIndex);

    if (t.text === "-" && this.isReg(1)) {
      this.i++;
      const src = this.reg();
      this.sameWidth(dst, src);
      this.sameReg(dst, src, "negation");
      return { insn: insn(cls | O.BPF_NEG, dst.n) };
    }
    if (this.isReg()) {
      const src = this.reg();
      this.sameWidth(dst, src);
      return { insn: insn(cls | O.BPF_MOV | O.BPF_X, dst.n, src.n) };
    }
    if (this.isInt()) return this.movImm(dst);
    if (t.text === "(") return this.movsx(dst);
    if (t.text === "*") {
      this.i++;
      return this.load(dst);
    }
    if (t.text === "&") return this.percpu(dst);
    if (t.kind !== "id") this.failAt(t, `unexpected '${t.text}' after '='`);

    const name = t.text;
    let m = /^(be|le|bswap)(16|32|64)$/.exec(name);
    if (m) {
      this.i++;
      const src = this.reg();
      this.sameReg(dst, src, `${name}`);
      const bits = Number(m[2]);
      const op = m[1] === "bswap" ? O.BPF_ALU64 | O.BPF_END : O.BPF_ALU | O.BPF_END | (m[1] === "be" ? O.BPF_TO_BE : O.BPF_TO_LE);
      return { insn: insn(op, dst.n, 0, 0, bits) };
    }
    m = /^atomic(64)?_fetch_(add|and|or|xor)$/.exec(name);
    if (m) {
      this.i++;
      return this.atomicCall(dst, ATOMIC_FETCH[m[2]!]! | O.BPF_FETCH, m[1] === "64", false);
    }
    m = /^atomic(64)?_(xchg|cmpxchg)$/.exec(name);
    if (m) {
      this.i++;
      return this.atomicCall(dst, m[2] === "xchg" ? O.BPF_XCHG : O.BPF_CMPXCHG, m[1] === "64", false);
    }
    m = /^(xchg|cmpxchg)(32)?_(32|64)$/.exec(name);
    if (m && (m[2] === "32") === (m[3] === "32")) {
      this.i++;
      return this.atomicCall(dst, m[1] === "xchg" ? O.BPF_XCHG : O.BPF_CMPXCHG, m[3] === "64", true);
    }
    switch (name) {
      case "load_acquire":
        this.i++;
        return this.loadAcquire(dst);
      case "addr_space_cast":
        this.i++;
        return this.addrSpaceCast(dst);
      case "map":
      case "subprog":
        return this.pseudo(dst);
    }
    if (this.is("ll", 1)) {
      // `r1 = my_map ll`: LLVM's lddw of a symbol, left for the loader to relocate.
      if (dst.w) this.ctx.fail("lddw needs a 64-bit register", dst.index);
      this.i += 2;
      return { insn: { op: O.OP_LDDW, dst: dst.n, src: 0, off: 0, imm: 0, imm2: 0, meta: { reference: name } } };
    }
    this.failAt(t, `unknown expression '${name}'`);
  }

  private movImm(dst: Reg): Statement {
    const { lit, index } = this.int();
    const ll = this.peek()?.text === "ll" ? this.next("ll") : undefined;
    const wantLddw = ll !== undefined || this.opcodeHint === O.OP_LDDW || (!dst.w && !fitsImm32(lit));
    if (wantLddw) {
      if (dst.w) this.ctx.fail("a 64-bit constant needs a 64-bit register", dst.index);
      const { imm, imm2 } = splitImm64(toImm64(lit, this.ctx, index));
      return { insn: { op: O.OP_LDDW, dst: dst.n, src: 0, off: 0, imm, imm2 } };
    }
    return { insn: insn((dst.w ? O.BPF_ALU : O.BPF_ALU64) | O.BPF_MOV | O.BPF_K, dst.n, 0, 0, toImm32(lit, this.ctx, index)) };
  }

  /** `r1 = (s8)r2` */
  private movsx(dst: Reg): Statement {
    this.expect("(");
    const t = this.next("s8, s16 or s32");
    const bits = { s8: 8, s16: 16, s32: 32 }[t.text];
    if (!bits) this.failAt(t, `expected s8, s16 or s32 but found '${t.text}'`);
    this.expect(")");
    const src = this.reg();
    this.sameWidth(dst, src);
    if (dst.w && bits === 32) this.ctx.fail("(s32) sign extension needs 64-bit registers", t.index);
    return { insn: insn((dst.w ? O.BPF_ALU : O.BPF_ALU64) | O.BPF_MOV | O.BPF_X, dst.n, src.n, bits) };
  }

  /** `r0 = *(u8 *)(r1 +2)`, `r0 = *(s16 *)(r1 +2)`, `r0 = *(u8 *)skb[12]`, `r0 = *(u16 *)skb[r1 + 4]` */
  private load(dst: Reg): Statement {
    const sz = this.sizeCast();
    if (dst.w && sz.size === O.BPF_DW) this.ctx.fail("a 64-bit load needs a 64-bit register", dst.index);
    if (this.is("skb")) {
      this.i++;
      if (dst.n !== 0 || dst.w) this.ctx.fail("legacy packet loads always write r0", dst.index);
      if (sz.signed || sz.size === O.BPF_DW) this.ctx.fail("legacy packet loads take u8, u16 or u32", sz.index);
      this.expect("[");
      let result: Instruction;
      if (this.isReg()) {
        const src = this.reg64();
        let imm = 0;
        if (this.is("+") || this.is("-")) {
          const neg = this.next("an offset").text === "-";
          const { lit, index } = this.int();
          imm = toImm32(neg ? { ...lit, value: -lit.value } : lit, this.ctx, index);
        }
        result = insn(O.BPF_LD | O.BPF_IND | sz.size, 0, src.n, 0, imm);
      } else {
        result = insn(O.BPF_LD | O.BPF_ABS | sz.size, 0, 0, 0, this.imm32());
      }
      this.expect("]");
      return { insn: result };
    }
    const m = this.mem();
    const mode = sz.signed ? O.BPF_MEMSX : O.BPF_MEM;
    return { insn: insn(O.BPF_LDX | mode | sz.size, dst.n, m.base.n, m.off) };
  }

  /** `r1 = &(void __percpu *)(r2)` — the verifier's internal per-CPU address move (off -1). */
  private percpu(dst: Reg): Statement {
    this.expect("&");
    this.expect("(");
    this.expect("void");
    this.expect("__percpu");
    this.expect("*");
    this.expect(")");
    this.expect("(");
    const src = this.reg64();
    this.expect(")");
    return { insn: insn(O.BPF_ALU64 | O.BPF_MOV | O.BPF_X, dst.n, src.n, -1) };
  }

  /**
   * Kernel: `r2 = atomic64_fetch_add((u64 *)(r1 +0), r2)`, `r0 = atomic_cmpxchg((u32 *)(r1 +0), r0, r2)`.
   * LLVM:   `r2 = xchg_64(r1 + 0, r2)`, `w0 = cmpxchg32_32(r1 + 0, w0, w2)`.
   */
  private atomicCall(dst: Reg, imm: number, is64: boolean, llvmForm: boolean): Statement {
    this.expect("(");
    let size: number;
    let m: Mem;
    if (llvmForm) {
      size = is64 ? O.BPF_DW : O.BPF_W;
      m = this.addr();
    } else {
      const sz = this.sizeCast();
      if (sz.signed || (sz.size !== O.BPF_W && sz.size !== O.BPF_DW)) this.ctx.fail("atomic operations work on u32 or u64", sz.index);
      if (is64 && sz.size !== O.BPF_DW) this.ctx.fail("atomic64_* operates on u64", sz.index);
      size = sz.size;
      m = this.mem();
    }
    this.expect(",");
    let src: Reg;
    if (imm === O.BPF_CMPXCHG) {
      const r0 = this.reg();
      if (r0.n !== 0) this.ctx.fail("cmpxchg compares with r0", r0.index);
      if (dst.n !== 0) this.ctx.fail("cmpxchg writes r0", dst.index);
      this.expect(",");
      src = this.reg();
    } else {
      src = this.reg();
      this.sameReg(dst, src, "the fetched value's register");
    }
    this.expect(")");
    return { insn: insn(O.BPF_STX | O.BPF_ATOMIC | size, m.base.n, src.n, m.off, imm) };
  }

  /** `r0 = load_acquire((u64 *)(r1 +0))` */
  private loadAcquire(dst: Reg): Statement {
    this.expect("(");
    const sz = this.sizeCast();
    if (sz.signed) this.ctx.fail("load_acquire takes an unsigned size", sz.index);
    const m = this.mem();
    this.expect(")");
    return { insn: insn(O.BPF_STX | O.BPF_ATOMIC | sz.size, dst.n, m.base.n, m.off, O.BPF_LOAD_ACQ) };
  }

  /** `r1 = addr_space_cast(r2, 0, 1)`: destination and source address spaces. */
  private addrSpaceCast(dst: Reg): Statement {
    this.expect("(");
    const src = this.reg64();
    this.expect(",");
    const a = this.int();
    this.expect(",");
    const b = this.int();
    this.expect(")");
    for (const x of [a, b]) {
      if (x.lit.value < 0n || x.lit.value > 0xffffn) this.ctx.fail("an address space is 0–65535", x.index);
    }
    const imm = Number(BigInt.asIntN(32, (a.lit.value << 16n) | b.lit.value));
    return { insn: insn(O.BPF_ALU64 | O.BPF_MOV | O.BPF_X, dst.n, src.n, O.BPF_ADDR_SPACE_CAST, imm) };
  }

  /**
   * bpftool's pseudo forms of lddw: `map[id:5]` (map fd, src 1), `map[id:5][0]+8` (map value, src 2),
   * `map[idx:5]` (src 5), `map[idx:5]+8` (src 6), `subprog[+3]` or `subprog[label]` (src 4).
   */
  private pseudo(dst: Reg): Statement {
    if (dst.w) this.ctx.fail("lddw needs a 64-bit register", dst.index);
    const kw = this.next("map or subprog");
    this.expect("[");
    const lddw = (src: number, imm: number, imm2: number): Instruction => ({ op: O.OP_LDDW, dst: dst.n, src, off: 0, imm, imm2 });
    if (kw.text === "subprog") {
      if (this.peek()?.kind === "id") {
        const t = this.next("a label");
        this.expect("]");
        return { insn: lddw(O.BPF_PSEUDO_FUNC, 0, 0), ref: { label: t.text, field: "imm", index: t.index } };
      }
      const imm = this.imm32();
      this.expect("]");
      return { insn: lddw(O.BPF_PSEUDO_FUNC, imm, 0) };
    }
    const key = this.next("id: or idx:");
    if (key.text !== "id" && key.text !== "idx") this.failAt(key, `expected 'id:' or 'idx:' but found '${key.text}'`);
    this.expect(":");
    const imm = this.u32();
    this.expect("]");
    const byId = key.text === "id";
    if (byId && this.accept("[")) {
      const z = this.int();
      if (z.lit.value !== 0n) this.ctx.fail("expected [0]", z.index);
      this.expect("]");
      this.expect("+");
      return { insn: lddw(O.BPF_PSEUDO_MAP_VALUE, imm, this.u32()) };
    }
    if (!byId && this.accept("+")) return { insn: lddw(O.BPF_PSEUDO_MAP_IDX_VALUE, imm, this.u32()) };
    return { insn: lddw(byId ? O.BPF_PSEUDO_MAP_FD : O.BPF_PSEUDO_MAP_IDX, imm, 0) };
  }

  /** An unsigned 32-bit number (map ids and value offsets print as %u). */
  private u32(): number {
    const { lit, index } = this.int();
    if (lit.value < 0n) this.ctx.fail("expected an unsigned number", index);
    return toImm32(lit, this.ctx, index);
  }
}

/** The kernel's name for a helper id (`bpf_map_lookup_elem`), or undefined. */
export function kernelHelperName(id: number): string | undefined {
  const n = helperName(id);
  return n === undefined ? undefined : `bpf_${n}`;
}
