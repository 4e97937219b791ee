import { parseBtf } from "../btf/parse.js";
import { parseBtfExt, type BtfExt, type CoreReloRecord, type FuncInfoRecord, type LineInfoRecord } from "../btf/ext.js";
import { BtfKind, type Btf } from "../btf/types.js";
import { EbpfError } from "../errors.js";
import { decode } from "../isa/codec.js";
import { slotCount, type Instruction } from "../isa/instruction.js";
import { BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE } from "../isa/opcodes.js";
import { validateBtf } from "../btf/validate.js";
import { fixupBtf } from "./btf-fixup.js";
import { ElfError } from "./errors.js";
import { findDatasec, isDataSectionName, isLegacyMapSectionName, loadBtfMaps, loadDataMap, linkLegacyInnerMaps, loadLegacyMaps } from "./maps.js";
import {
  EM_BPF,
  EM_NONE,
  ElfFile,
  SHF_EXECINSTR,
  SHN_UNDEF,
  SHT_NOBITS,
  SHT_PROGBITS,
  SHT_REL,
  STB_GLOBAL,
  STB_LOCAL,
  STB_WEAK,
  STT_FUNC,
  STT_NOTYPE,
  STT_SECTION,
  type ElfRelocation,
  type ElfSection,
  type ElfSymbol,
} from "./reader.js";
import { classifySection } from "./sections.js";
import type { CoreRelo, ExternSpec, FuncInfo, LineInfo, MapSpec, ObjectSpec, ProgramSpec } from "./spec.js";

/** lddw src: BTF id of a kernel variable (ksym). */
export const BPF_PSEUDO_BTF_ID = 3;
/** lddw src: address of a BPF function (callbacks). */
export const BPF_PSEUDO_FUNC = 4;
/** call src: bpf-to-bpf call. */
export const BPF_PSEUDO_CALL = 1;
/** call src: kernel function (kfunc). */
export const BPF_PSEUDO_KFUNC_CALL = 2;

export const R_BPF_NONE = 0;
export const R_BPF_64_64 = 1;
export const R_BPF_64_ABS64 = 2;
export const R_BPF_64_ABS32 = 3;
export const R_BPF_64_NODYLD32 = 4;
export const R_BPF_64_32 = 10;
const KNOWN_RELOCS = new Set([R_BPF_NONE, R_BPF_64_64, R_BPF_64_ABS64, R_BPF_64_ABS32, R_BPF_64_NODYLD32, R_BPF_64_32]);

const OP_LDDW = 0x18;
const OP_CALL = 0x85;

export interface LoadObjectOptions {
  /**
   * Reject executable sections whose name matches no known convention (default: load them as
   * programs of type "unspec", as cilium/ebpf does, since old objects use names like "2/1").
   */
  strictSections?: boolean;
}

/** One function of the object, before linking. */
interface Func {
  name: string;
  section: ElfSection;
  /** Start, in slots, inside its section. */
  startSlot: number;
  slots: number;
  insns: Instruction[];
  /** Callee of each call / function-address instruction, by instruction index. */
  callees: Map<number, Func>;
  global: boolean;
}

type Pending = { kind: "call" | "func"; index: number; targetSection: number; targetByte: number };

/**
 * Turns the bytes of a clang-built BPF object into an ObjectSpec: programs (functions split and
 * linked with the functions they call, in libbpf's order), maps (BTF, legacy, global data,
 * kconfig), BTF and BTF.ext, license and kernel version. Every malformed input raises an ElfError
 * (or BtfError) that names the section and offset.
 */
export function loadObject(bytes: Uint8Array, options: LoadObjectOptions = {}): ObjectSpec {
  try {
    return load(bytes, options);
  } catch (e) {
    if (e instanceof EbpfError) throw e;
    // A bug or an input the checks above missed: report it as bad input, never as a crash.
    throw new ElfError(`malformed object: ${(e as Error)?.message ?? String(e)}`);
  }
}

function load(bytes: Uint8Array, options: LoadObjectOptions): ObjectSpec {
  const elf = new ElfFile(bytes);
  if (elf.machine !== EM_BPF && elf.machine !== EM_NONE) {
    throw new ElfError(`not a BPF object (e_machine ${elf.machine})`, { offset: 18, code: "ENOEXEC" });
  }
  const symtab = elf.symtab;
  if (!symtab) throw new ElfError("no symbol table (stripped object?)", { code: "ENOENT" });
  const symbols = elf.symbols;
  const le = !elf.bigEndian;

  let license = "";
  let kernVersion = 0;
  let btf: Btf | undefined;
  let btfExt: BtfExt | undefined;
  const relocsFor = new Map<number, { sec: ElfSection; relocs: ElfRelocation[] }>();
  for (const sec of elf.sections) {
    if (sec.name === "license") {
      const d = elf.data(sec);
      const nul = d.indexOf(0);
      license = String.fromCharCode(...d.subarray(0, nul < 0 ? Math.min(d.length, 4096) : nul));
    } else if (sec.name === "version") {
      if (sec.size !== 4) throw new ElfError(`invalid kernel version size ${sec.size} (want 4)`, { section: sec.name });
      kernVersion = new DataView(elf.data(sec).buffer, elf.data(sec).byteOffset, 4).getUint32(0, le);
    } else if (sec.type === SHT_REL) {
      if (sec.info >= elf.sections.length) throw new ElfError(`relocations for missing section ${sec.info}`, { section: sec.name });
      relocsFor.set(sec.info, { sec, relocs: elf.relocations(sec) });
    }
  }
  const btfSec = elf.sectionByName(".BTF");
  if (btfSec) {
    if (btfSec.type !== SHT_PROGBITS) throw new ElfError(`.BTF has section type ${btfSec.type}`, { section: ".BTF" });
    btf = parseBtf(elf.data(btfSec), { pointerSize: 8, section: ".BTF" });
    validateBtf(btf);
    fixupBtf(btf, elf, symbols);
    const extSec = elf.sectionByName(".BTF.ext");
    if (extSec) btfExt = parseBtfExt(elf.data(extSec), btf);
  }

  // ---- maps ----
  const maps: MapSpec[] = [];
  /** Map defined at a byte offset of a map section, by "section:offset". */
  const mapAt = new Map<string, string>();
  const dataMaps = new Map<number, string>();
  for (const sec of elf.sections) {
    if (isLegacyMapSectionName(sec.name) && sec.type === SHT_PROGBITS) {
      const ms = loadLegacyMaps(elf, sec, symbols);
      const syms = symbols.filter((s) => s.shndx === sec.index && s.type !== STT_SECTION && s.name !== "");
      for (const m of ms) {
        const s = syms.find((x) => x.name === m.name)!;
        mapAt.set(`${sec.index}:${s.value}`, m.name);
      }
      maps.push(...ms);
    } else if (sec.name === ".maps") {
      const ms = loadBtfMaps(sec, btf, symbols, relocsFor.get(sec.index)?.relocs ?? []);
      const ds = findDatasec(btf, ".maps")!;
      ds.type.secinfos!.forEach((vi, i) => mapAt.set(`${sec.index}:${vi.offset}`, ms[i]!.name));
      maps.push(...ms);
    } else if (isDataSectionName(sec.name) && (sec.type === SHT_PROGBITS || sec.type === SHT_NOBITS)) {
      const m = loadDataMap(elf, sec, btf, symbols);
      if (m) {
        maps.push(m);
        dataMaps.set(sec.index, m.name);
      }
    }
  }
  linkLegacyInnerMaps(maps.filter((m) => isLegacyMapSectionName(m.sectionName)), !elf.bigEndian);
  const externs = collectExterns(symbols, btf);
  const kconfig = findDatasec(btf, ".kconfig");
  if (kconfig) {
    maps.push({
      name: ".kconfig",
      type: 2,
      keySize: 4,
      valueSize: kconfig.type.sizeOrType,
      maxEntries: 1,
      flags: 1 << 7,
      frozen: true,
      btfValueTypeId: kconfig.id,
      sectionName: ".kconfig",
      variables: externs.filter((e) => e.kind === "kconfig").map((e) => ({ name: e.name, offset: e.offset ?? 0, size: 0, ...(e.typeId ? { typeId: e.typeId } : {}) })),
    });
  }

  // ---- functions ----
  const funcs: Func[] = [];
  const funcAt = new Map<string, Func>();
  const pending = new Map<Func, Pending[]>();
  for (const sec of elf.sections) {
    if (sec.type !== SHT_PROGBITS || !(sec.flags & SHF_EXECINSTR) || sec.size === 0) continue;
    if (sec.size % 8 !== 0) throw new ElfError(`size ${sec.size} is not a multiple of 8`, { section: sec.name });
    const kind = classifySection(sec.name);
    if (kind.unknown && options.strictSections && sec.name !== ".text") {
      throw new ElfError("unknown program section (no SEC() convention matches)", { section: sec.name, code: "ENOTSUPP" });
    }
    const data = elf.data(sec);
    const syms = functionSymbols(symbols, sec);
    const relocs = new Map<number, ElfRelocation>();
    for (const r of relocsFor.get(sec.index)?.relocs ?? []) {
      if (r.type === R_BPF_NONE) continue;
      if (!KNOWN_RELOCS.has(r.type)) throw new ElfError(`unknown relocation type ${r.type}`, { section: sec.name, offset: r.offset });
      if (r.offset % 8 !== 0 || r.offset >= sec.size) throw new ElfError(`relocation outside the instructions`, { section: sec.name, offset: r.offset });
      relocs.set(r.offset, r);
    }
    for (let i = 0; i < syms.length; i++) {
      const s = syms[i]!;
      const next = i + 1 < syms.length ? syms[i + 1]!.value : sec.size;
      const size = s.size || next - s.value;
      if (s.value % 8 !== 0 || size % 8 !== 0 || size === 0 || s.value + size > sec.size) {
        throw new ElfError(`function '${s.name}' (offset ${s.value}, size ${size}) is not a whole number of instructions inside the section`, {
          section: sec.name,
          offset: s.value,
        });
      }
      let insns: Instruction[];
      try {
        insns = decode(data.subarray(s.value, s.value + size), { bigEndian: elf.bigEndian });
      } catch (e) {
        throw new ElfError(`function '${s.name}': ${(e as Error).message}`, { section: sec.name, offset: s.value });
      }
      const f: Func = {
        name: s.name,
        section: sec,
        startSlot: s.value / 8,
        slots: size / 8,
        insns,
        callees: new Map(),
        global: s.bind !== STB_LOCAL,
      };
      insns[0]!.meta = { symbol: s.name };
      const todo: Pending[] = [];
      let slot = 0;
      for (let k = 0; k < insns.length; k++) {
        const insn = insns[k]!;
        const byteOff = s.value + slot * 8;
        const r = relocs.get(byteOff);
        if (r) {
          const p = applyRelocation(insn, r, { elf, sec, symbols, mapAt, dataMaps, externs, byteOff });
          if (p) todo.push({ ...p, index: k });
        } else if (insn.op === OP_CALL && insn.src === BPF_PSEUDO_CALL) {
          // A call within the section without a relocation (static callee, old LLVM). A target
          // inside this very function (hand-written objects such as bpf_conformance's) stays a
          // plain relative call: the function's body is copied whole, so the offset holds.
          const target = byteOff + 8 + insn.imm * 8;
          if (target <= s.value || target >= s.value + size) {
            todo.push({ kind: "call", index: k, targetSection: sec.index, targetByte: target });
          }
        } else if (insn.op === OP_LDDW && relocs.get(byteOff + 8)) {
          throw new ElfError("relocation points into the second half of an lddw", { section: sec.name, offset: byteOff + 8 });
        }
        slot += slotCount(insn);
      }
      funcs.push(f);
      funcAt.set(`${sec.index}:${s.value}`, f);
      pending.set(f, todo);
    }
  }
  // resolve call targets now that every function is known
  for (const [f, todo] of pending) {
    for (const p of todo) {
      const callee = funcAt.get(`${p.targetSection}:${p.targetByte}`);
      if (!callee) {
        throw new ElfError(`${p.kind === "call" ? "call" : "function reference"} to offset ${p.targetByte} of section ${elf.sections[p.targetSection]?.name ?? p.targetSection}, where no function starts`, {
          section: f.section.name,
          offset: f.startSlot * 8,
        });
      }
      f.callees.set(p.index, callee);
      const insn = f.insns[p.index]!;
      insn.meta = { ...insn.meta, reference: callee.name };
    }
  }
  attachExtInfo(funcs, btfExt);

  // ---- programs ----
  const programs: ProgramSpec[] = [];
  const called = new Set<Func>();
  for (const f of funcs) for (const c of f.callees.values()) called.add(c);
  const subprograms: string[] = [];
  for (const f of funcs) {
    // .text holds subprograms (but a global .text function nothing calls is an entry point, as
    // objects built without SEC() expect); a static function that is called helps its section
    if ((f.section.name === ".text" && (called.has(f) || !f.global)) || (!f.global && called.has(f))) {
      subprograms.push(f.name);
      continue;
    }
    const kind = classifySection(f.section.name);
    const linked = link(f, btfExt);
    const spec: ProgramSpec = {
      name: f.name,
      sectionName: kind.sectionName,
      type: kind.type,
      flags: kind.flags,
      autoload: kind.autoload,
      license,
      kernVersion,
      instructions: linked.insns,
      functions: linked.functions,
    };
    if (kind.attachType) spec.attachType = kind.attachType;
    if (kind.attachTo !== undefined) spec.attachTo = kind.attachTo;
    if (linked.funcInfo.length) spec.funcInfo = linked.funcInfo;
    if (linked.lineInfo.length) spec.lineInfo = linked.lineInfo;
    if (linked.coreRelos.length) spec.coreRelos = linked.coreRelos;
    programs.push(spec);
  }

  const out: ObjectSpec = { programs, maps, license, kernVersion, bigEndian: elf.bigEndian, subprograms, externs };
  if (btf) out.btf = btf;
  if (btfExt) out.btfExt = btfExt;
  return out;
}

/** Function symbols of a program section, by offset: FUNC, or global NOTYPE (clang < 8). */
function functionSymbols(symbols: ElfSymbol[], sec: ElfSection): ElfSymbol[] {
  const byOff = new Map<number, ElfSymbol>();
  for (const s of symbols) {
    if (s.shndx !== sec.index || s.name === "") continue;
    if (s.type === STT_FUNC || (s.type === STT_NOTYPE && s.bind !== STB_LOCAL)) {
      const prev = byOff.get(s.value);
      // prefer FUNC over a NOTYPE alias at the same offset
      if (!prev || (prev.type !== STT_FUNC && s.type === STT_FUNC)) byOff.set(s.value, s);
    }
  }
  const out = [...byOff.values()].sort((a, b) => a.value - b.value);
  if (out.length) return out;
  // Very old objects (e.g. OVS, clang 3.x): one program per section, named by a local symbol at
  // offset 0 (not a jump label), else by the section itself.
  const local = symbols.find((s) => s.shndx === sec.index && s.value === 0 && s.type === STT_NOTYPE && s.name !== "" && !/^(LBB|\.L)/.test(s.name));
  if (local) return [{ ...local, size: sec.size }];
  return [{ index: 0, name: sec.name, bind: STB_GLOBAL, type: STT_FUNC, visibility: 0, shndx: sec.index, value: 0, size: sec.size }];
}

function collectExterns(symbols: ElfSymbol[], btf: Btf | undefined): ExternSpec[] {
  const kconfig = findDatasec(btf, ".kconfig");
  const ksyms = findDatasec(btf, ".ksyms");
  const varIn = (ds: typeof kconfig, name: string) => {
    if (!ds) return undefined;
    for (const vi of ds.type.secinfos!) {
      const t = btf!.types[vi.type];
      if (t && t.name === name) return { vi, t };
    }
    return undefined;
  };
  const out: ExternSpec[] = [];
  for (const s of symbols) {
    if (s.shndx !== SHN_UNDEF || s.name === "" || (s.bind !== STB_GLOBAL && s.bind !== STB_WEAK) || s.type !== STT_NOTYPE) continue;
    const weak = s.bind === STB_WEAK;
    const kc = varIn(kconfig, s.name);
    if (kc) {
      out.push({ name: s.name, kind: "kconfig", weak, offset: kc.vi.offset, typeId: kc.t.sizeOrType });
      continue;
    }
    const ks = varIn(ksyms, s.name);
    if (ks) {
      out.push({ name: s.name, kind: ks.t.kind === BtfKind.FUNC ? "kfunc" : "ksym", weak, typeId: ks.t.sizeOrType });
      continue;
    }
    // kfuncs declared without a .ksyms DATASEC entry still have a FUNC with extern linkage
    const fn = btf?.types.find((t) => t.kind === BtfKind.FUNC && t.name === s.name && t.vlen === 2);
    out.push({ name: s.name, kind: fn ? "kfunc" : "unknown", weak });
  }
  return out;
}

interface RelocContext {
  elf: ElfFile;
  sec: ElfSection;
  symbols: ElfSymbol[];
  mapAt: Map<string, string>;
  dataMaps: Map<number, string>;
  externs: ExternSpec[];
  byteOff: number;
}

/** Applies one relocation to an instruction; returns a call target still to resolve. */
function applyRelocation(insn: Instruction, r: ElfRelocation, c: RelocContext): Omit<Pending, "index"> | undefined {
  const fail = (msg: string): never => {
    throw new ElfError(msg, { section: c.sec.name, offset: c.byteOff });
  };
  const sym = c.symbols[r.symbol];
  if (!sym || r.symbol === 0) fail(`relocation against missing symbol #${r.symbol}`);
  const s = sym!;
  const isLddw = insn.op === OP_LDDW;
  const isCall = insn.op === OP_CALL;
  if (!isLddw && !isCall) fail(`relocation against '${s.name}' on an instruction that is neither lddw nor call (opcode 0x${insn.op.toString(16)})`);
  if (s.shndx === SHN_UNDEF) {
    const ext = c.externs.find((e) => e.name === s.name);
    if (!ext || ext.kind === "unknown") fail(`relocation against undefined symbol '${s.name}'`);
    const e = ext!;
    if (isCall) {
      if (e.kind !== "kfunc") fail(`call to extern '${s.name}', which is not a kernel function`);
      insn.src = BPF_PSEUDO_KFUNC_CALL;
      insn.imm = 0;
    } else if (e.kind === "kconfig") {
      insn.src = BPF_PSEUDO_MAP_VALUE;
      insn.imm = 0;
      insn.imm2 = e.offset ?? 0;
      insn.meta = { ...insn.meta, reference: ".kconfig" };
      return undefined;
    } else {
      insn.src = BPF_PSEUDO_BTF_ID;
      insn.imm = 0;
      insn.imm2 = 0;
    }
    insn.meta = { ...insn.meta, reference: s.name };
    return undefined;
  }
  if (s.shndx >= c.elf.sections.length) fail(`symbol '${s.name}' refers to section ${s.shndx}, which does not exist`);
  const target = c.elf.sections[s.shndx]!;
  if (target.flags & SHF_EXECINSTR) {
    if (isCall) {
      if (insn.src !== BPF_PSEUDO_CALL) fail(`call relocation against '${s.name}' without src=BPF_PSEUDO_CALL`);
      return { kind: "call", targetSection: target.index, targetByte: s.value + (insn.imm + 1) * 8 };
    }
    insn.src = BPF_PSEUDO_FUNC;
    return { kind: "func", targetSection: target.index, targetByte: s.value + insn.imm };
  }
  if (isCall) fail(`call relocation against '${s.name}', which is not in a program section`);
  const mapOff = s.type === STT_SECTION ? insn.imm : s.value;
  const mapName = c.mapAt.get(`${target.index}:${mapOff}`);
  if (mapName !== undefined) {
    insn.src = BPF_PSEUDO_MAP_FD;
    insn.imm = 0;
    insn.imm2 = 0;
    insn.meta = { ...insn.meta, reference: mapName };
    return undefined;
  }
  const dataMap = c.dataMaps.get(target.index);
  if (dataMap !== undefined) {
    const off = (insn.imm >>> 0) + s.value;
    if (off > target.size) fail(`reference to offset ${off} of '${target.name}', past its end`);
    insn.src = BPF_PSEUDO_MAP_VALUE;
    insn.imm = 0;
    insn.imm2 = off;
    insn.meta = { ...insn.meta, reference: dataMap };
    return undefined;
  }
  if (isLegacyMapSectionName(target.name) || target.name === ".maps") fail(`no map defined at offset ${mapOff} of '${target.name}'`);
  return fail(`relocation against '${s.name}' in section '${target.name}', which holds no maps, data or code`);
}

/** Attaches func_info/line_info/CO-RE records to functions and line info to their instructions. */
function attachExtInfo(funcs: Func[], ext: BtfExt | undefined): void {
  if (!ext) return;
  for (const f of funcs) {
    const lines = recordsIn(ext.lineInfo, f);
    if (!lines.length) continue;
    const offs = slotIndex(f.insns);
    for (const l of lines) {
      const k = offs.get(l.insnOff - f.startSlot);
      if (k === undefined) continue;
      const insn = f.insns[k]!;
      insn.meta = { ...insn.meta, source: { file: l.fileName, line: l.lineNum, column: l.column, text: l.line } };
    }
  }
}

function recordsIn<T extends { insnOff: number }>(secs: { section: string; records: T[] }[], f: Func, unit = 1): T[] {
  const out: T[] = [];
  for (const s of secs) {
    if (s.section !== f.section.name) continue;
    for (const r of s.records) {
      const slot = r.insnOff / unit;
      if (slot >= f.startSlot && slot < f.startSlot + f.slots) out.push(r);
    }
  }
  return out;
}

/** Instruction index of each slot that starts an instruction. */
function slotIndex(insns: Instruction[]): Map<number, number> {
  const m = new Map<number, number>();
  let slot = 0;
  insns.forEach((insn, i) => {
    m.set(slot, i);
    slot += slotCount(insn);
  });
  return m;
}

function cloneInsn(i: Instruction): Instruction {
  const c: Instruction = { ...i };
  if (i.meta) c.meta = { ...i.meta, ...(i.meta.source ? { source: { ...i.meta.source } } : {}) };
  return c;
}

/**
 * Links an entry function with everything it calls, as libbpf does: walking the code, each callee
 * not yet placed is appended at the end and walked immediately (depth first); call immediates are
 * then rewritten to the callee's new position.
 */
function link(
  main: Func,
  ext: BtfExt | undefined,
): { insns: Instruction[]; functions: { name: string; insnOff: number }[]; funcInfo: FuncInfo[]; lineInfo: LineInfo[]; coreRelos: CoreRelo[] } {
  const insns: Instruction[] = [];
  const placed = new Map<Func, { slot: number; index: number }>();
  const functions: { name: string; insnOff: number }[] = [];
  let totalSlots = 0;
  const append = (f: Func) => {
    placed.set(f, { slot: totalSlots, index: insns.length });
    functions.push({ name: f.name, insnOff: totalSlots });
    for (const i of f.insns) insns.push(cloneInsn(i));
    totalSlots += f.slots;
  };
  const relocate = (f: Func) => {
    const base = placed.get(f)!;
    let slot = base.slot;
    for (let k = 0; k < f.insns.length; k++) {
      const callee = f.callees.get(k);
      const here = slot;
      slot += slotCount(f.insns[k]!);
      if (!callee) continue;
      if (!placed.has(callee)) {
        append(callee);
        relocate(callee);
      }
      insns[base.index + k]!.imm = placed.get(callee)!.slot - here - 1;
    }
  };
  append(main);
  relocate(main);

  const funcInfo: FuncInfo[] = [];
  const lineInfo: LineInfo[] = [];
  const coreRelos: CoreRelo[] = [];
  if (ext) {
    for (const [f, at] of placed) {
      const shift = (off: number) => off - f.startSlot + at.slot;
      for (const r of recordsIn<FuncInfoRecord>(ext.funcInfo, f)) funcInfo.push({ insnOff: shift(r.insnOff), typeId: r.typeId, name: f.name });
      for (const r of recordsIn<LineInfoRecord>(ext.lineInfo, f)) lineInfo.push({ ...r, insnOff: shift(r.insnOff) });
      for (const r of recordsIn<CoreReloRecord>(ext.coreRelos, f, 8)) coreRelos.push({ ...r, insnOff: shift(r.insnOff / 8) });
    }
    funcInfo.sort((a, b) => a.insnOff - b.insnOff);
    lineInfo.sort((a, b) => a.insnOff - b.insnOff);
  }
  return { insns, functions, funcInfo, lineInfo, coreRelos };
}
