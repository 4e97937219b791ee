/**
 * The verifier log, in the kernel's format (kernel/bpf/log.c): a buffer with the kernel's
 * reset-to-position semantics (level 1 keeps only the failing path), register and stack state
 * printing (print_verifier_state) and the aligned "; R0=…" state after each instruction.
 */
import { formatInstruction } from "../asm/index.js";
import type { Instruction } from "../isa/instruction.js";
import type { ProgramInfo } from "./cfg.js";
import { S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, U64_MAX } from "./bounds.js";
import { tnumIsConst, tnumIsUnknown, tnumStr } from "./tnum.js";
import {
  BPF_REG_SIZE,
  CONST_PTR_TO_MAP,
  NOT_INIT,
  PTR_TO_BTF_ID,
  PTR_TO_MAP_KEY,
  PTR_TO_MAP_VALUE,
  PTR_TO_MEM,
  PTR_TO_PACKET,
  PTR_TO_PACKET_META,
  PTR_TO_STACK,
  SCALAR_VALUE,
  STACK_SPILL,
  baseType,
  regTypeStr,
  type FuncState,
  type Reg,
  type VState,
  baseScalarId,
  hasAddConst,
  slotType,
} from "./types.js";

const SLOT_CHAR = ["?", "r", "m", "0", "d", "i"];

export const LOG_LEVEL1 = 1;
export const LOG_LEVEL2 = 2;

/** Decimal for small values, hex for the rest (verbose_unum). */
export function unum(v: bigint): string {
  return v <= 0xffffn ? v.toString() : `0x${v.toString(16)}`;
}

const snumDecimal = (v: bigint): boolean => v >= -32768n && v <= 32767n;

/** verbose_snum: decimal within s16, otherwise the u64 bit pattern in hex. */
export function snum(v: bigint): string {
  if (snumDecimal(v)) return v.toString();
  return `0x${BigInt.asUintN(64, v).toString(16)}`;
}

function scalarRanges(r: Reg): string[] {
  const m = [
    { name: "smin", val: r.smin, omit: r.smin === S64_MIN },
    { name: "smax", val: r.smax, omit: r.smax === S64_MAX },
    { name: "umin", val: r.umin, omit: r.umin === 0n },
    { name: "umax", val: r.umax, omit: r.umax === U64_MAX },
    // 32-bit signed bounds that print in hex print as u32, not sign-extended (as the kernel)
    { name: "smin32", val: snumDecimal(r.s32min) ? r.s32min : BigInt.asUintN(32, r.s32min), omit: r.s32min === S32_MIN },
    { name: "smax32", val: snumDecimal(r.s32max) ? r.s32max : BigInt.asUintN(32, r.s32max), omit: r.s32max === S32_MAX },
    { name: "umin32", val: r.u32min, omit: r.u32min === 0n },
    { name: "umax32", val: r.u32max, omit: r.u32max === U32_MAX },
  ];
  const out: string[] = [];
  for (let i = 0; i < m.length; i++) {
    const m1 = m[i]!;
    if (m1.omit) continue;
    // Values are compared as the kernel's u64 bit patterns.
    const bits1 = BigInt.asUintN(64, m1.val);
    const neg1 = m1.name[0] === "s" && m1.val < 0n;
    let text = `${m1.name}=`;
    for (let j = i + 2; j < m.length; j += 2) {
      const m2 = m[j]!;
      if (m2.omit || BigInt.asUintN(64, m2.val) !== bits1) continue;
      const neg2 = m2.name[0] === "s" && m2.val < 0n;
      if (neg2 !== neg1) continue;
      m2.omit = true;
      text += `${m2.name}=`;
    }
    text += m1.name[0] === "s" ? snum(m1.val) : unum(m1.val);
    out.push(text);
  }
  return out;
}

/**
 * Names of kernel BTF types for PTR_TO_BTF_ID registers ("ptr_sock()"): set by the verification
 * that is running (verify() is synchronous, so one at a time).
 */
let btfTypeNamer: ((id: number) => string) | undefined;

export function setBtfTypeNamer(namer: ((id: number) => string) | undefined): void {
  btfTypeNamer = namer;
}

/** print_reg_state: "ctx()", "fp-8", "scalar(smin=…)", "map_value(map=m,ks=4,vs=8,off=4)", "5". */
export function formatReg(r: Reg, frameno: number): string {
  const t = r.type;
  const p = t === SCALAR_VALUE && r.precise ? "P" : "";
  if (t === SCALAR_VALUE && tnumIsConst(r.varOff)) return p + snum(BigInt.asIntN(64, r.varOff.value));
  let s = p + regTypeStr(t);
  if (t === PTR_TO_STACK) {
    if (frameno !== r.frameno) s += `[${r.frameno}]`;
    if (tnumIsConst(r.varOff)) return s + snum(BigInt.asIntN(64, r.varOff.value) + BigInt(r.off));
  }
  if (baseType(t) === PTR_TO_BTF_ID) s += btfTypeNamer?.(r.memSize) ?? "";
  const parts: string[] = [];
  if (r.id) {
    let idStr = `id=${baseScalarId(r.id)}`;
    // A linked scalar with an offset prints as id=N+K (the kernel's "%+d" right after the id).
    if (hasAddConst(r.id)) idStr += r.off >= 0 ? `+${r.off}` : `${r.off}`;
    parts.push(idStr);
  }
  if (r.refObjId) parts.push(`ref_obj_id=${r.refObjId}`);
  const bt = baseType(t);
  if ((bt === CONST_PTR_TO_MAP || bt === PTR_TO_MAP_KEY || bt === PTR_TO_MAP_VALUE) && r.map) {
    if (r.map.name) parts.push(`map=${r.map.name}`);
    parts.push(`ks=${r.map.keySize},vs=${r.map.valueSize}`);
  }
  if (t !== SCALAR_VALUE && r.off) parts.push(`off=${snum(BigInt(r.off))}`);
  if (bt === PTR_TO_PACKET || bt === PTR_TO_PACKET_META) parts.push(`r=${unum(BigInt.asUintN(64, BigInt(r.range)))}`);
  if (bt === PTR_TO_MEM) parts.push(`sz=${unum(BigInt(r.memSize))}`);
  if (tnumIsConst(r.varOff)) {
    if (r.varOff.value) parts.push(`imm=${snum(BigInt.asIntN(64, r.varOff.value))}`);
  } else {
    parts.push(...scalarRanges(r));
    if (!tnumIsUnknown(r.varOff)) parts.push(`var_off=${tnumStr(r.varOff)}`);
  }
  return `${s}(${parts.join(",")})`;
}

/** Scratch marks: which registers and stack slots changed since the last state print. */
export class Scratch {
  regs = 0;
  // Stack slot bits 0–31 and 32–63 as plain numbers (marked on every stack access, so no BigInt
  // allocation); `over` records marks of slots past 63, which only any() sees.
  private stackLo = 0;
  private stackHi = 0;
  private over = false;
  markReg(i: number): void {
    this.regs |= 1 << i;
  }
  markSlot(spi: number): void {
    if (spi < 32) this.stackLo |= 1 << spi;
    else if (spi < 64) this.stackHi |= 1 << (spi - 32);
    else this.over = true;
  }
  /** Slot spi is marked (slots past 63 read bit 63). */
  hasSlot(spi: number): boolean {
    const i = Math.min(spi, 63);
    return i < 32 ? (this.stackLo & (1 << i)) !== 0 : (this.stackHi & (1 << (i - 32))) !== 0;
  }
  markAll(): void {
    this.regs = 0x7ff;
    this.stackLo = this.stackHi = -1;
  }
  clean(): void {
    this.regs = 0;
    this.stackLo = this.stackHi = 0;
    this.over = false;
  }
  any(): boolean {
    return this.regs !== 0 || this.stackLo !== 0 || this.stackHi !== 0 || this.over;
  }
}

/** print_verifier_state for one frame of a state (text without the trailing newline). */
export function formatFrame(s: VState, frameno: number, all: boolean, scratch?: Scratch): string {
  // A state printed for an error is followed by a newline in the log by the caller.
  const f: FuncState = s.frames[frameno]!;
  let out = "";
  if (f.frameno) out += ` frame${f.frameno}:`;
  for (let i = 0; i < 11; i++) {
    const r = f.regs[i]!;
    if (r.type === NOT_INIT) continue;
    if (!all && !(scratch!.regs & (1 << i))) continue;
    out += ` R${i}=${formatReg(r, f.frameno)}`;
  }
  for (let i = 0; i < f.stack.length; i++) {
    if (!all && !scratch!.hasSlot(i)) continue;
    const slot = f.stack[i]!;
    let valid = false;
    let types = "";
    for (let j = 0; j < BPF_REG_SIZE; j++) {
      if (slotType(slot, j) !== 0) valid = true;
      types += SLOT_CHAR[slotType(slot, j)] ?? "?";
    }
    if (!valid) continue;
    const off = (-i - 1) * BPF_REG_SIZE;
    if (slotType(slot, BPF_REG_SIZE - 1) === STACK_SPILL) {
      let j = 0;
      while (j < BPF_REG_SIZE && slotType(slot, j) !== STACK_SPILL) j++;
      out += ` fp${off}=${types.slice(0, j)}${formatReg(slot.spilled, f.frameno)}`;
    } else {
      out += ` fp${off}=${types}`;
    }
  }
  if (s.refs.length && s.refs[0]!.id) {
    out += ` refs=${s.refs.filter((r) => r.id).map((r) => r.id).join(",")}`;
  }
  if (f.inCallbackFn) out += " cb";
  return out;
}

/**
 * A log buffer with the kernel's semantics: writes append at the end, bpf_vlog_reset moves the end
 * back (truncates). Kept as a list of pieces so truncation and appends stay cheap on huge logs.
 * Like the kernel's default (rotating) log it keeps only the newest LOG_CAP characters, so a
 * level-2 log of a million-instruction program cannot exhaust memory; positions stay absolute.
 */
export const LOG_CAP = 16 * 1024 * 1024;

export class VerifierLog {
  private parts: string[] = [];
  private len = 0;
  /** Characters dropped from the front (rotation). */
  private dropped = 0;
  readonly level: number;
  prevLogPos = 0;
  prevInsnPrintPos = 0;

  constructor(level: number) {
    this.level = level;
  }

  get enabled(): boolean {
    return this.level > 0;
  }

  get pos(): number {
    return this.dropped + this.len;
  }

  write(text: string): void {
    if (!this.level || !text) return;
    this.parts.push(text);
    this.len += text.length;
    if (this.len > 2 * LOG_CAP) this.rotate();
  }

  private rotate(): void {
    const t = this.parts.join("");
    const cut = t.length - LOG_CAP;
    this.parts = [t.slice(cut)];
    this.len -= cut;
    this.dropped += cut;
  }

  reset(pos: number): void {
    if (!this.level || pos > this.pos) return;
    let local = pos - this.dropped;
    if (local < 0) local = 0;
    while (this.len > local) {
      const last = this.parts.pop()!;
      this.len -= last.length;
      if (this.len < local) {
        const keep = last.slice(0, local - this.len);
        this.parts.push(keep);
        this.len += keep.length;
      }
    }
  }

  text(): string {
    if (this.len > LOG_CAP) this.rotate();
    const t = this.parts.join("");
    this.parts = [t];
    return t;
  }
}

/** vlog_alignment(pos). */
function alignment(pos: number): number {
  const x = Math.max(pos + 4, 40);
  return Math.ceil(x / 8) * 8 - pos - 1;
}

/**
 * print_insn_state: after an instruction, append "; R0=…" aligned on the instruction's line, or
 * print "pc: state" on a line of its own when something else was logged in between.
 */
export function printInsnState(log: VerifierLog, s: VState, insnIdx: number, scratch: Scratch): void {
  if (log.prevLogPos && log.prevLogPos === log.pos) {
    log.reset(log.prevLogPos - 1);
    log.write(" ".repeat(Math.max(1, alignment(log.prevInsnPrintPos))) + ";");
  } else {
    log.write(`${insnIdx}:`);
  }
  log.write(formatFrame(s, s.curframe, false, scratch) + "\n");
  scratch.clean();
}

export function printVerifierState(log: VerifierLog, s: VState, frameno: number, all: boolean, scratch: Scratch): void {
  log.write(formatFrame(s, frameno, all, scratch) + "\n");
  if (!all) scratch.clean();
}

/** "(b7) r0 = 0" — the kernel's instruction text. */
export function insnText(insn: Instruction, pc: number, mapName?: (insn: Instruction) => string | undefined): string {
  return formatInstruction(insn, pc, {
    format: "kernel",
    // The kernel prints a subprogram reference as its raw 64-bit immediate (the relative offset)
    symbolize: (i) =>
      i.op === 0x18 && i.src === 4 ? `0x${((BigInt(i.imm2 ?? 0) << 32n) | BigInt(i.imm >>> 0)).toString(16)}` : i.op === 0x18 && i.src !== 0 && mapName ? mapName(i) : undefined,
  });
}

/**
 * The level-2 listing compute_live_registers prints before the main pass: per instruction its CFG
 * loop (SCC) number if any, its index, the registers r0-r9 live before it, and its text.
 */
export function liveRegsListing(info: ProgramInfo, mapName?: (pc: number, insn: Instruction) => string | undefined): string {
  let out = "Live regs before insn:\n";
  for (let i = 0; i < info.slots.length; i++) {
    if (info.lddwSecond[i]) continue;
    const scc = info.scc[i]!;
    const live = info.liveBefore[i]!;
    let regs = "";
    for (let r = 0; r < 10; r++) regs += live & (1 << r) ? String(r) : ".";
    const insn = info.slots[i]!;
    out += `${scc ? `${String(scc).padStart(3)} ` : "    "}${String(i).padStart(3)}: ${regs} ${insnText(insn, i, mapName ? (x) => mapName(i, x) : undefined)}\n`;
  }
  return out;
}
