import { BtfError } from "./errors.js";
import { alignOf, layoutPointerSize, resolveSize } from "./layout.js";
import { validateBtf } from "./validate.js";
import { BtfKind, btfMemberBitfieldSize, btfMemberBitOffset, isModifier, type Btf, type BtfType } from "./types.js";

/*
 * BTF → compilable C, producing exactly what `bpftool btf dump file F format c` prints (libbpf's
 * btf_dump as shipped with Debian's bpftool 7.1 / libbpf 1.1). Two passes per requested type:
 *  1. order: a DFS that queues the named definitions the type needs, distinguishing "strong" links
 *     (the definition must come first: embedded members) from "weak" ones (a forward declaration is
 *     enough: reached through a pointer);
 *  2. emit: prints the queued definitions, emitting forward declarations when a type is needed
 *     while it is itself being emitted.
 * Names that collide (two `struct foo`, or an enumerator and a typedef of the same name) get a
 * `___N` suffix in the order they are first emitted, as libbpf does.
 */

const ORDER_ORDERING = 1;
const ORDER_ORDERED = 2;

const EMIT_NONE = 0;
const EMIT_EMITTING = 1;
const EMIT_EMITTED = 2;

const TABS = "\t\t\t\t\t\t\t\t\t\t\t\t\t";

function pfx(lvl: number): string {
  return lvl >= TABS.length ? TABS : TABS.slice(0, lvl);
}

/** Largest gap filled with padding members (bits); 1 MiB of struct is far beyond any real type. */
const MAX_PADDING_BITS = 8 << 20;

/** Longest declarator chain followed before giving up (guards against reference cycles). */
const MAX_DECL_CHAIN = 1 << 16;

/** GCC's ARM SIMD poly types, aliased to standard types (libbpf does the same). */
const MISSING_BASE_TYPES: ReadonlyArray<readonly [string, string]> = [
  ["__Poly8_t", "unsigned char"],
  ["__Poly16_t", "unsigned short"],
  ["__Poly64_t", "unsigned long long"],
  ["__Poly128_t", "unsigned __int128"],
];

const HEADER =
  "#ifndef __VMLINUX_H__\n" +
  "#define __VMLINUX_H__\n" +
  "\n" +
  "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n" +
  "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n" +
  "#endif\n\n";

const FOOTER =
  "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n" + "#pragma clang attribute pop\n" + "#endif\n" + "\n" + "#endif /* __VMLINUX_H__ */\n";

/** `bpftool btf dump file F format c`: every type, wrapped in the vmlinux.h guard and pragma. */
export function formatBtfC(btf: Btf): string {
  const d = new CDumper(btf);
  d.out.push(HEADER);
  try {
    for (let id = 1; id < btf.types.length; id++) d.dumpType(id);
  } catch (e) {
    if (e instanceof RangeError) throw new BtfError("type graph too deep to dump", { code: "ELOOP" });
    throw e;
  }
  d.out.push(FOOTER);
  return d.out.join("");
}

/** C declarations for the given root types and everything they depend on (no header/footer). */
export function formatBtfCTypes(btf: Btf, ids: readonly number[]): string {
  const d = new CDumper(btf);
  for (const id of ids) d.dumpType(id);
  return d.out.join("");
}

interface DeclView {
  start: number;
  cnt: number;
}

class CDumper {
  readonly out: string[] = [];
  private readonly types: BtfType[];
  private readonly ptrSz: number;
  private readonly orderState: Uint8Array;
  private readonly emitState: Uint8Array;
  private readonly fwdEmitted: Uint8Array;
  private readonly nameResolved: Uint8Array;
  private readonly referenced: Uint8Array;
  private readonly cachedNames: (string | undefined)[];
  private readonly typeNames = new Map<string, number>();
  private readonly identNames = new Map<string, number>();
  private queue: number[] = [];
  private readonly declStack: number[] = [];
  private declCnt = 0;

  constructor(private readonly btf: Btf) {
    validateBtf(btf);
    // bpftool crashes on names outside the string table; refuse them instead
    for (let id = 1; id < btf.types.length; id++) {
      const t = btf.types[id]!;
      const bad =
        t.name === undefined ||
        t.members?.some((m) => m.name === undefined) ||
        t.values?.some((v) => v.name === undefined) ||
        t.params?.some((p) => p.name === undefined);
      if (bad) throw new BtfError(`type [${id}] has a name offset outside the string table`);
    }
    this.types = btf.types;
    const n = btf.types.length;
    this.ptrSz = layoutPointerSize(btf);
    this.orderState = new Uint8Array(n);
    this.emitState = new Uint8Array(n);
    this.fwdEmitted = new Uint8Array(n);
    this.nameResolved = new Uint8Array(n);
    this.referenced = new Uint8Array(n);
    this.cachedNames = new Array(n);
    // void is always defined
    this.orderState[0] = ORDER_ORDERED;
    this.emitState[0] = EMIT_EMITTED;
    this.markReferenced();
  }

  private p(s: string): void {
    this.out.push(s);
  }

  private nameOf(off: number, name: string | undefined): string {
    // libbpf hands printf a NULL for offsets outside the string table; glibc prints "(null)".
    return off === 0 ? "" : (name ?? "(null)");
  }

  /** Types referenced by any other type; an unreferenced anonymous enum is a top-level constant list. */
  private markReferenced(): void {
    const r = this.referenced;
    for (let i = 1; i < this.types.length; i++) {
      const t = this.types[i]!;
      switch (t.kind) {
        case BtfKind.VOLATILE:
        case BtfKind.CONST:
        case BtfKind.RESTRICT:
        case BtfKind.PTR:
        case BtfKind.TYPEDEF:
        case BtfKind.FUNC:
        case BtfKind.VAR:
        case BtfKind.DECL_TAG:
        case BtfKind.TYPE_TAG:
          r[t.sizeOrType] = 1;
          break;
        case BtfKind.ARRAY:
          r[t.indexType!] = 1;
          r[t.elemType!] = 1;
          break;
        case BtfKind.STRUCT:
        case BtfKind.UNION:
          for (const m of t.members!) r[m.type] = 1;
          break;
        case BtfKind.FUNC_PROTO:
          for (const p of t.params!) r[p.type] = 1;
          break;
        case BtfKind.DATASEC:
          for (const v of t.secinfos!) r[v.type] = 1;
          break;
        default:
          break;
      }
    }
  }

  dumpType(id: number): void {
    this.queue = [];
    const err = this.orderType(id, false);
    if (err < 0) throw new BtfError(`unsatisfiable type cycle, id:[${id}]`, { code: "ELOOP" });
    for (const q of this.queue) this.emitType(q, 0);
  }

  /** Returns 1 for a strong link, 0 for a weak one, -1 for an unsatisfiable cycle. */
  private orderType(id: number, throughPtr: boolean): number {
    const state = this.orderState[id]!;
    if (state === ORDER_ORDERED) return 1;
    const t = this.types[id]!;
    if (state === ORDER_ORDERING) {
      // a loop, resolvable through a forward declaration
      if ((t.kind === BtfKind.STRUCT || t.kind === BtfKind.UNION) && throughPtr && t.nameOff !== 0) return 0;
      return -1;
    }
    switch (t.kind) {
      case BtfKind.INT:
      case BtfKind.FLOAT:
        this.orderState[id] = ORDER_ORDERED;
        return 0;
      case BtfKind.PTR: {
        const err = this.orderType(t.sizeOrType, true);
        this.orderState[id] = ORDER_ORDERED;
        return err;
      }
      case BtfKind.ARRAY:
        return this.orderType(t.elemType!, false);
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        // embedded or anonymous: a strong link; named and behind a pointer: a forward decl will do
        if (throughPtr && t.nameOff !== 0) return 0;
        this.orderState[id] = ORDER_ORDERING;
        for (const m of t.members!) {
          if (this.orderType(m.type, false) < 0) return -1;
        }
        if (t.nameOff !== 0) this.queue.push(id);
        this.orderState[id] = ORDER_ORDERED;
        return 1;
      }
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
      case BtfKind.FWD:
        if (t.nameOff !== 0 || !this.referenced[id]) this.queue.push(id);
        this.orderState[id] = ORDER_ORDERED;
        return 1;
      case BtfKind.TYPEDEF: {
        const isStrong = this.orderType(t.sizeOrType, throughPtr);
        if (isStrong < 0) return isStrong;
        if (throughPtr && !isStrong) return 0;
        this.queue.push(id);
        this.orderState[id] = ORDER_ORDERED;
        return 1;
      }
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
        return this.orderType(t.sizeOrType, throughPtr);
      case BtfKind.FUNC_PROTO: {
        let err = this.orderType(t.sizeOrType, throughPtr);
        if (err < 0) return err;
        let isStrong = err > 0;
        for (const p of t.params!) {
          err = this.orderType(p.type, throughPtr);
          if (err < 0) return err;
          if (err > 0) isStrong = true;
        }
        return isStrong ? 1 : 0;
      }
      case BtfKind.FUNC:
      case BtfKind.VAR:
      case BtfKind.DATASEC:
      case BtfKind.DECL_TAG:
        this.orderState[id] = ORDER_ORDERED;
        return 0;
      default:
        return -1;
    }
  }

  private isBlacklisted(id: number): boolean {
    const t = this.types[id]!;
    // __builtin_va_list is a compiler built-in; redefining it breaks compilation
    return t.nameOff !== 0 && t.name === "__builtin_va_list";
  }

  private emitType(id: number, contId: number): void {
    const state = this.emitState[id]!;
    if (state === EMIT_EMITTED) return;
    const t = this.types[id]!;
    const topLevel = contId === 0;
    if (state === EMIT_EMITTING) {
      if (this.fwdEmitted[id]) return;
      switch (t.kind) {
        case BtfKind.STRUCT:
        case BtfKind.UNION:
          // a struct referring to itself needs no forward declaration
          if (id === contId) return;
          if (t.nameOff === 0) return; // anonymous struct/union loop: nothing sensible to print
          this.emitStructFwd(id, t);
          this.p(";\n\n");
          this.fwdEmitted[id] = 1;
          break;
        case BtfKind.TYPEDEF:
          // the typedef serves as its own forward declaration for uses through pointers
          if (!this.isBlacklisted(id)) {
            this.emitTypedefDef(id, t, 0);
            this.p(";\n\n");
          }
          this.fwdEmitted[id] = 1;
          break;
        default:
          break;
      }
      return;
    }
    switch (t.kind) {
      case BtfKind.INT:
        this.emitMissingAliases(id);
        this.emitState[id] = EMIT_EMITTED;
        break;
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
        if (topLevel) {
          this.emitEnumDef(id, t, 0);
          this.p(";\n\n");
        }
        this.emitState[id] = EMIT_EMITTED;
        break;
      case BtfKind.PTR:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
        this.emitType(t.sizeOrType, contId);
        break;
      case BtfKind.ARRAY:
        this.emitType(t.elemType!, contId);
        break;
      case BtfKind.FWD:
        this.emitFwdDef(id, t);
        this.p(";\n\n");
        this.emitState[id] = EMIT_EMITTED;
        break;
      case BtfKind.TYPEDEF:
        this.emitState[id] = EMIT_EMITTING;
        this.emitType(t.sizeOrType, id);
        if (!this.fwdEmitted[id] && !this.isBlacklisted(id)) {
          this.emitTypedefDef(id, t, 0);
          this.p(";\n\n");
        }
        this.emitState[id] = EMIT_EMITTED;
        break;
      case BtfKind.STRUCT:
      case BtfKind.UNION:
        this.emitState[id] = EMIT_EMITTING;
        // a definition prints every member's type, so their forward declarations come first
        if (topLevel || t.nameOff === 0) {
          const newCont = t.nameOff === 0 ? contId : id;
          for (const m of t.members!) this.emitType(m.type, newCont);
        } else if (!this.fwdEmitted[id] && id !== contId) {
          this.emitStructFwd(id, t);
          this.p(";\n\n");
          this.fwdEmitted[id] = 1;
        }
        if (topLevel) {
          this.emitStructDef(id, t, 0);
          this.p(";\n\n");
          this.emitState[id] = EMIT_EMITTED;
        } else {
          this.emitState[id] = EMIT_NONE;
        }
        break;
      case BtfKind.FUNC_PROTO:
        this.emitType(t.sizeOrType, contId);
        for (const p of t.params!) this.emitType(p.type, contId);
        break;
      default:
        break;
    }
  }

  private isStructPacked(t: BtfType): boolean {
    let maxAlign = 1;
    for (const m of t.members!) {
      const align = alignOf(this.btf, m.type);
      if (align && btfMemberBitfieldSize(t, m) === 0 && m.offset % (8 * align) !== 0) return true;
      maxAlign = Math.max(align, maxAlign);
    }
    // a non-packed struct's size is a multiple of its alignment
    return t.sizeOrType % maxAlign !== 0;
  }

  /**
   * Fills a gap between members with anonymous bitfields: first up to a boundary of the largest
   * type that fits (with an explicit `type: 0` marker when the compiler would not align there by
   * itself), then whole units, then the smallest type that covers the remainder.
   */
  private emitBitPadding(curOff: number, nextOff: number, nextAlign: number, inBitfield: boolean, lvl: number): void {
    const pads: ReadonlyArray<readonly [string, number]> = [
      ["long", this.ptrSz * 8],
      ["int", 32],
      ["short", 16],
      ["char", 8],
    ];
    if (curOff >= nextOff) return;
    // a corrupted size can ask for gigabytes of padding lines; no real type needs more than this
    if (nextOff - curOff > MAX_PADDING_BITS) throw new BtfError(`struct padding of ${nextOff - curOff} bits is too large to print`, { code: "E2BIG" });
    let padType = "";
    let padBits = 0;
    let newOff = 0;
    for (const [name, bits] of pads) {
      padBits = bits;
      padType = name;
      newOff = roundup(curOff, padBits);
      if (newOff <= nextOff) break;
    }
    if (newOff > curOff && newOff <= nextOff) {
      if (
        inBitfield ||
        (newOff === nextOff && roundup(curOff, nextAlign * 8) !== newOff) ||
        (newOff !== nextOff && nextOff - newOff <= newOff - curOff)
      ) {
        this.p(`\n${pfx(lvl)}${padType}: ${inBitfield ? newOff - curOff : 0};`);
      }
      curOff = newOff;
    }
    while (curOff !== nextOff) {
      const bits = Math.min(nextOff - curOff, padBits);
      if (bits === padBits) {
        this.p(`\n${pfx(lvl)}${padType}: ${padBits};`);
        curOff += bits;
        continue;
      }
      // the remainder: the smallest type that covers it (and it sticks for later rounds)
      for (let i = pads.length - 1; i >= 0; i--) {
        padType = pads[i]![0];
        padBits = pads[i]![1];
        if (padBits < bits) continue;
        this.p(`\n${pfx(lvl)}${padType}: ${bits};`);
        curOff += bits;
        break;
      }
    }
  }

  private emitStructFwd(id: number, t: BtfType): void {
    this.p(`${t.kind === BtfKind.STRUCT ? "struct" : "union"}${t.nameOff ? " " : ""}${this.typeName(id)}`);
  }

  private emitStructDef(id: number, t: BtfType, lvl: number): void {
    const isStruct = t.kind === BtfKind.STRUCT;
    const align = alignOf(this.btf, id);
    const packed = isStruct ? this.isStructPacked(t) : false;
    this.p(`${isStruct ? "struct" : "union"}${t.nameOff ? " " : ""}${this.typeName(id)} {`);
    let off = 0;
    let prevBitfield = false;
    for (const m of t.members!) {
      const fname = this.nameOf(m.nameOff, m.name);
      let mSz = btfMemberBitfieldSize(t, m);
      const mOff = btfMemberBitOffset(t, m);
      const mAlign = packed ? 1 : alignOf(this.btf, m.type);
      const inBitfield = prevBitfield && mSz !== 0;
      this.emitBitPadding(off, mOff, mAlign, inBitfield, lvl + 1);
      this.p(`\n${pfx(lvl + 1)}`);
      this.emitTypeDecl(m.type, fname, lvl + 1);
      if (mSz) {
        this.p(`: ${mSz}`);
        off = mOff + mSz;
        prevBitfield = true;
      } else {
        mSz = Math.max(0, resolveSize(this.btf, m.type)) | 0;
        off = (mOff + mSz * 8) | 0;
        prevBitfield = false;
      }
      this.p(";");
    }
    if (isStruct) this.emitBitPadding(off, (t.sizeOrType * 8) | 0, align, false, lvl + 1);
    // keep `struct empty {}` on one line
    if (t.vlen || t.sizeOrType) this.p(`\n${pfx(lvl)}}`);
    else this.p("}");
    if (packed) this.p(" __attribute__((packed))");
  }

  private emitMissingAliases(id: number): void {
    const name = this.typeName(id);
    for (const [from, to] of MISSING_BASE_TYPES) {
      if (name === from) {
        this.p(`typedef ${to} ${name};\n\n`);
        break;
      }
    }
  }

  private emitEnumDef(id: number, t: BtfType, lvl: number): void {
    this.p(`enum${t.nameOff ? " " : ""}${this.typeName(id)}`);
    if (!t.vlen) return;
    this.p(" {");
    const isEnum64 = t.kind === BtfKind.ENUM64;
    for (const v of t.values!) {
      const name = this.nameOf(v.nameOff, v.name);
      // enumerators share a namespace with typedefs
      const dup = this.nameDups(this.identNames, name);
      let val: string;
      if (isEnum64) {
        const u = v.value as bigint;
        val = t.kflag ? `${BigInt.asIntN(64, u)}LL` : `${u}ULL`;
      } else {
        const u = v.value as number;
        val = String(t.kflag ? u | 0 : u >>> 0);
      }
      this.p(dup > 1 ? `\n${pfx(lvl + 1)}${name}___${dup} = ${val},` : `\n${pfx(lvl + 1)}${name} = ${val},`);
    }
    this.p(`\n${pfx(lvl)}}`);
    // Debian's bpftool predates libbpf's mode(byte)/mode(word) attributes for 1- and 8-byte enums,
    // so none are printed here.
  }

  private emitFwdDef(id: number, t: BtfType): void {
    const name = this.typeName(id);
    this.p(t.kflag ? `union ${name}` : `struct ${name}`);
  }

  private emitTypedefDef(id: number, t: BtfType, lvl: number): void {
    const name = this.identName(id);
    // old GCC emits __gnuc_va_list as a typedef of void
    if (t.sizeOrType === 0 && name === "__gnuc_va_list") {
      this.p("typedef __builtin_va_list __gnuc_va_list");
      return;
    }
    this.p("typedef ");
    this.emitTypeDecl(t.sizeOrType, name, lvl);
  }

  /**
   * Prints a declaration of `fname` with type `id` in C syntax: pushes the chain of pointers,
   * modifiers, arrays and function prototypes down to the base type, then unwinds it.
   */
  private emitTypeDecl(id: number, fname: string, lvl: number): void {
    const start = this.declCnt;
    for (;;) {
      if (this.declCnt - start > MAX_DECL_CHAIN) throw new BtfError(`declaration chain too long at type [${id}]`, { code: "ELOOP" });
      this.declStack[this.declCnt++] = id;
      if (id === 0) break;
      const t = this.types[id]!;
      let done = false;
      switch (t.kind) {
        case BtfKind.PTR:
        case BtfKind.VOLATILE:
        case BtfKind.CONST:
        case BtfKind.RESTRICT:
        case BtfKind.FUNC_PROTO:
        case BtfKind.TYPE_TAG:
          id = t.sizeOrType;
          break;
        case BtfKind.ARRAY:
          id = t.elemType!;
          break;
        default:
          done = true;
          break;
      }
      if (done) break;
    }
    const view: DeclView = { start, cnt: this.declCnt - start };
    this.emitTypeChain(view, fname, lvl);
    this.declCnt = start;
  }

  private top(v: DeclView): number {
    return this.declStack[v.start + v.cnt - 1]!;
  }

  private emitMods(v: DeclView): void {
    while (v.cnt) {
      const t = this.types[this.top(v)]!;
      if (t.kind === BtfKind.VOLATILE) this.p("volatile ");
      else if (t.kind === BtfKind.CONST) this.p("const ");
      else if (t.kind === BtfKind.RESTRICT) this.p("restrict ");
      else return;
      v.cnt--;
    }
  }

  private dropMods(v: DeclView): void {
    while (v.cnt) {
      if (!isModifier(this.types[this.top(v)]!)) return;
      v.cnt--;
    }
  }

  private emitName(name: string, lastWasPtr: boolean): void {
    this.p(name && !lastWasPtr ? ` ${name}` : name);
  }

  private emitTypeChain(v: DeclView, fname: string, lvl: number): void {
    // `int ***` rather than `int * * *`; true at the start for a lone pointer in a func_proto chain
    let lastWasPtr = true;
    while (v.cnt) {
      const id = this.declStack[v.start + --v.cnt]!;
      if (id === 0) {
        this.emitMods(v);
        this.p("void");
        lastWasPtr = false;
        continue;
      }
      const t = this.types[id]!;
      const kind = t.kind;
      switch (kind) {
        case BtfKind.INT:
        case BtfKind.FLOAT:
          this.emitMods(v);
          this.p(this.nameOf(t.nameOff, t.name));
          break;
        case BtfKind.STRUCT:
        case BtfKind.UNION:
          this.emitMods(v);
          if (t.nameOff === 0) this.emitStructDef(id, t, lvl);
          else this.emitStructFwd(id, t);
          break;
        case BtfKind.ENUM:
        case BtfKind.ENUM64:
          this.emitMods(v);
          if (t.nameOff === 0) this.emitEnumDef(id, t, lvl);
          else this.p(`enum ${this.typeName(id)}`);
          break;
        case BtfKind.FWD:
          this.emitMods(v);
          this.emitFwdDef(id, t);
          break;
        case BtfKind.TYPEDEF:
          this.emitMods(v);
          this.p(this.identName(id));
          break;
        case BtfKind.PTR:
          this.p(lastWasPtr ? "*" : " *");
          break;
        case BtfKind.VOLATILE:
          this.p(" volatile");
          break;
        case BtfKind.CONST:
          this.p(" const");
          break;
        case BtfKind.RESTRICT:
          this.p(" restrict");
          break;
        case BtfKind.TYPE_TAG:
          this.emitMods(v);
          this.p(` __attribute__((btf_type_tag("${this.nameOf(t.nameOff, t.name)}")))`);
          break;
        case BtfKind.ARRAY: {
          // const/volatile on an array itself (a GCC quirk) means nothing: drop it
          this.dropMods(v);
          if (v.cnt === 0) {
            this.emitName(fname, lastWasPtr);
            this.p(`[${t.nelems}]`);
            return;
          }
          const multidim = this.types[this.top(v)]!.kind === BtfKind.ARRAY;
          if (fname && !lastWasPtr) this.p(" ");
          if (!multidim) this.p("(");
          this.emitTypeChain(v, fname, lvl);
          if (!multidim) this.p(")");
          this.p(`[${t.nelems}]`);
          return;
        }
        case BtfKind.FUNC_PROTO: {
          // GCC adds volatile to noreturn function pointers: drop it like libbpf
          this.dropMods(v);
          if (v.cnt) {
            this.p(" (");
            this.emitTypeChain(v, fname, lvl);
            this.p(")");
          } else {
            this.emitName(fname, lastWasPtr);
          }
          this.p("(");
          const params = t.params!;
          // no parameters, or clang's single void parameter: `(void)` (Debian's bpftool carries
          // libbpf's fix for this; libbpf 1.1.0 itself printed `()`)
          if (params.length === 0 || (params.length === 1 && params[0]!.type === 0)) {
            this.p("void)");
            return;
          }
          for (let i = 0; i < params.length; i++) {
            const p = params[i]!;
            if (i > 0) this.p(", ");
            // a trailing void parameter is the vararg ellipsis
            if (i === params.length - 1 && p.type === 0) {
              this.p("...");
              break;
            }
            this.emitTypeDecl(p.type, this.nameOf(p.nameOff, p.name), lvl);
          }
          this.p(")");
          return;
        }
        default:
          return;
      }
      lastWasPtr = kind === BtfKind.PTR;
    }
    this.emitName(fname, lastWasPtr);
  }

  private nameDups(map: Map<string, number>, name: string): number {
    const n = (map.get(name) ?? 0) + 1;
    map.set(name, n);
    return n;
  }

  private resolveName(id: number, map: Map<string, number>): string {
    const t = this.types[id]!;
    if (t.nameOff === 0) return "";
    const orig = this.nameOf(t.nameOff, t.name);
    if (this.nameResolved[id]) return this.cachedNames[id] ?? orig;
    // forward declarations never get a suffix
    if (t.kind === BtfKind.FWD || (t.kind === BtfKind.ENUM && t.vlen === 0)) {
      this.nameResolved[id] = 1;
      return orig;
    }
    const dup = this.nameDups(map, orig);
    if (dup > 1) this.cachedNames[id] = `${orig}___${dup}`.slice(0, 255);
    this.nameResolved[id] = 1;
    return this.cachedNames[id] ?? orig;
  }

  private typeName(id: number): string {
    return this.resolveName(id, this.typeNames);
  }

  private identName(id: number): string {
    return this.resolveName(id, this.identNames);
  }
}

function roundup(x: number, y: number): number {
  if (y === 0) return x;
  return Math.ceil(x / y) * y;
}
