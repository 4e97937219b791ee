import { enum64String } from "./dump-raw.js";
import { BtfError } from "./errors.js";
import { layoutPointerSize, MAX_RESOLVE_DEPTH } from "./layout.js";
import { byteAt, ByteWriter, collectText } from "./out.js";
import type { StringTable } from "./strings.js";
import { btfTable } from "./table.js";
import { validateBtfTable } from "./validate.js";
import { BtfKind, type Btf } from "./types.js";

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
  return collectText((sink) => writeBtfC(btf, sink));
}

/**
 * `formatBtfC` as UTF-8 bytes (names exactly as the file holds them), handed to `sink` in chunks of
 * about 64 KiB as they are produced; the sink may throw to stop the dump.
 */
export function writeBtfC(btf: Btf, sink: (chunk: Uint8Array) => void): void {
  for (const chunk of btfCChunks(btf)) sink(chunk);
}

/**
 * `formatBtfC` as UTF-8 chunks of about 64 KiB, produced as they are pulled. BTF that cannot be
 * dumped at all fails before the first chunk; a problem found mid-way (a type cycle, absurd
 * padding) fails after the chunks before it, as bpftool's output stops there too.
 */
export function* btfCChunks(btf: Btf): Generator<Uint8Array, void, undefined> {
  const ready: Uint8Array[] = [];
  const d = new CDumper(btf, (chunk) => ready.push(chunk));
  d.out.s(HEADER);
  for (let id = 1; id < d.count; ) {
    try {
      id = d.dumpFrom(id, ready);
    } catch (e) {
      if (e instanceof RangeError) throw new BtfError("type graph too deep to dump", { code: "ELOOP" });
      throw e;
    }
    if (ready.length) {
      yield* ready;
      ready.length = 0;
    }
  }
  d.out.s(FOOTER);
  d.out.flush();
  yield* ready;
}

/** C declarations for the given root types and everything they depend on (no header/footer). */
export function formatBtfCTypes(btf: Btf, ids: readonly number[]): string {
  return collectText((sink) => {
    const d = new CDumper(btf, sink);
    for (const id of ids) d.dumpType(id);
    d.out.flush();
  });
}

/** Indentation (libbpf's pfx(): at most 13 tabs). */
function indent(lvl: number): number {
  return lvl >= TABS.length ? TABS.length : lvl;
}

const PAD_NAMES: readonly string[] = ["long", "int", "short", "char"];

const ALIGN_UNKNOWN = -2;

/** Stands for the declared name while a declaration is printed aside to be cached. */
const NAME_MARK = -1;
const ALIGN_IN_PROGRESS = -3;

/**
 * The dumper works on the BTF's table (see table.ts): type ids index typed arrays, records are read
 * in place, names are decoded when printed.
 */
class CDumper {
  out: ByteWriter;
  readonly count: number;
  private readonly kinds: Uint8Array;
  private readonly offs: Uint32Array;
  private readonly w: Uint32Array;
  private readonly strings: StringTable;
  private readonly ptrSz: number;
  private readonly padBits: number[];
  private readonly orderState: Uint8Array;
  private readonly emitState: Uint8Array;
  private readonly fwdEmitted: Uint8Array;
  private readonly referenced: Uint8Array;
  private readonly align: Int32Array;
  /** Resolved (possibly `___N`-suffixed) name per type id, once resolved. */
  private readonly nameIdx: Int32Array;
  private readonly names: string[] = [""];
  private readonly typeNames = new Map<string, number>();
  private readonly identNames = new Map<string, number>();
  private readonly queue: Int32Array;
  private queueLen = 0;
  private readonly declStack: number[] = [];
  private declCnt = 0;
  /**
   * Declarations already printed once, by type id, kept as bytes: with a name, the bytes before and
   * after it; without one, the whole. Declarations that embed an anonymous struct, union or enum
   * (indented by nesting level, and counting enumerator names) are marked in declNoCache (bit 1:
   * named, bit 2: anonymous) and always printed afresh.
   */
  private readonly declNamed: Int32Array;
  private readonly declAnon: Int32Array;
  /** declParts[declNamed[id]] and the one after it: before and after the name; declParts[declAnon[id]]: the whole. */
  private readonly declParts: Uint8Array[] = [new Uint8Array(0)];
  private readonly declNoCache: Uint8Array;
  /** Printing a declaration aside (into capOut) to cache it. */
  private capturing = false;
  private capSpoiled = false;
  private readonly capOut: ByteWriter;
  /** Where the declared name goes, as offsets into the captured bytes. */
  private readonly capMarks: number[] = [];
  /** resolveSize per type id; -2 until computed. */
  private readonly sizes: Float64Array;
  /** The declaration chain being printed: declStack[vStart, vStart + vCnt), innermost last. */
  private vStart = 0;
  private vCnt = 0;

  constructor(btf: Btf, sink: (chunk: Uint8Array) => void) {
    const table = btfTable(btf);
    validateBtfTable(btf, table);
    this.count = table.count;
    this.kinds = table.kinds;
    this.offs = table.offs;
    this.w = table.words;
    this.strings = table.strings;
    const n = table.count;
    this.ptrSz = layoutPointerSize(btf);
    this.padBits = [this.ptrSz * 8, 32, 16, 8];
    this.orderState = new Uint8Array(n);
    this.emitState = new Uint8Array(n);
    this.fwdEmitted = new Uint8Array(n);
    this.referenced = new Uint8Array(n);
    this.align = new Int32Array(n).fill(ALIGN_UNKNOWN);
    this.nameIdx = new Int32Array(n);
    this.queue = new Int32Array(n);
    // void is always defined
    this.orderState[0] = ORDER_ORDERED;
    this.emitState[0] = EMIT_EMITTED;
    this.scanTypes();
    this.out = new ByteWriter(sink);
    this.declNamed = new Int32Array(n);
    this.declAnon = new Int32Array(n);
    this.declNoCache = new Uint8Array(n);
    this.capOut = new ByteWriter(() => {});
    this.sizes = new Float64Array(n).fill(-2);
  }

  /**
   * One pass over the types: refuses names outside the string table (bpftool crashes on them), and
   * marks the types referenced by any other type (an unreferenced anonymous enum is a top-level
   * constant list).
   */
  private scanTypes(): void {
    const { w, offs, kinds } = this;
    const r = this.referenced;
    const limit = this.strings.length;
    let badName = 0;
    for (let id = 1; id < this.count; id++) {
      const o = offs[id]!;
      const nameOff = w[o]!;
      if (nameOff !== 0 && nameOff >= limit && !badName) badName = id;
      switch (kinds[id]) {
        case BtfKind.VOLATILE:
        case BtfKind.CONST:
        case BtfKind.RESTRICT:
        case BtfKind.PTR:
        case BtfKind.TYPEDEF:
        case BtfKind.FUNC:
        case BtfKind.VAR:
        case BtfKind.DECL_TAG:
        case BtfKind.TYPE_TAG:
          r[w[o + 2]!] = 1;
          break;
        case BtfKind.ARRAY:
          r[w[o + 4]!] = 1;
          r[w[o + 3]!] = 1;
          break;
        case BtfKind.STRUCT:
        case BtfKind.UNION: {
          const vlen = w[o + 1]! & 0xffff;
          for (let j = 0, q = o + 3; j < vlen; j++, q += 3) {
            const m = w[q]!;
            if (m !== 0 && m >= limit && !badName) badName = id;
            r[w[q + 1]!] = 1;
          }
          break;
        }
        case BtfKind.FUNC_PROTO: {
          const vlen = w[o + 1]! & 0xffff;
          for (let j = 0, q = o + 3; j < vlen; j++, q += 2) {
            const p = w[q]!;
            if (p !== 0 && p >= limit && !badName) badName = id;
            r[w[q + 1]!] = 1;
          }
          break;
        }
        case BtfKind.ENUM:
        case BtfKind.ENUM64: {
          const vlen = w[o + 1]! & 0xffff;
          const step = kinds[id] === BtfKind.ENUM ? 2 : 3;
          for (let j = 0, q = o + 3; j < vlen; j++, q += step) {
            const v = w[q]!;
            if (v !== 0 && v >= limit && !badName) badName = id;
          }
          break;
        }
        case BtfKind.DATASEC: {
          const vlen = w[o + 1]! & 0xffff;
          for (let j = 0, q = o + 3; j < vlen; j++, q += 3) r[w[q]!] = 1;
          break;
        }
        default:
          break;
      }
    }
    if (badName) throw new BtfError(`type [${badName}] has a name offset outside the string table`);
  }

  private nameOf(off: number): string {
    // libbpf hands printf a NULL for offsets outside the string table; glibc prints "(null)".
    return off === 0 ? "" : (this.strings.get(off) ?? "(null)");
  }

  /** Prints a name: a string table offset (copied as bytes) or a string. */
  private emitStr(name: string | number): void {
    if (typeof name === "string") this.out.s(name);
    else if (name === 0) return;
    else if (name === NAME_MARK) this.capMarks.push(this.out.pos);
    else if (name < this.strings.length) this.out.name(this.strings, name);
    else this.out.s("(null)");
  }

  /** Dumps the types from `id` on, until `ready` holds output or all are done; the next id. */
  dumpFrom(id: number, ready: readonly Uint8Array[]): number {
    const { orderState, kinds } = this;
    const n = this.count;
    while (id < n) {
      if (orderState[id] !== ORDER_ORDERED) {
        const kind = kinds[id];
        if (
          kind === BtfKind.FUNC ||
          kind === BtfKind.INT ||
          kind === BtfKind.VAR ||
          kind === BtfKind.FLOAT ||
          kind === BtfKind.DATASEC ||
          kind === BtfKind.DECL_TAG
        ) {
          // what orderType does with them: nothing to queue
          orderState[id] = ORDER_ORDERED;
        } else {
          this.dumpType(id);
          this.out.flushIfFull();
        }
      }
      id++;
      if (ready.length) break;
    }
    return id;
  }

  dumpType(id: number): void {
    this.queueLen = 0;
    const err = this.orderType(id, false);
    if (err < 0) throw new BtfError(`unsatisfiable type cycle, id:[${id}]`, { code: "ELOOP" });
    const q = this.queue;
    for (let i = 0; i < this.queueLen; i++) this.emitType(q[i]!, 0);
  }

  /** Returns 1 for a strong link, 0 for a weak one, -1 for an unsatisfiable cycle. */
  private orderType(id: number, throughPtr: boolean): number {
    const state = this.orderState[id]!;
    if (state === ORDER_ORDERED) return 1;
    const w = this.w;
    const o = this.offs[id]!;
    const kind = this.kinds[id]!;
    if (state === ORDER_ORDERING) {
      // a loop, resolvable through a forward declaration
      if ((kind === BtfKind.STRUCT || kind === BtfKind.UNION) && throughPtr && w[o] !== 0) return 0;
      return -1;
    }
    switch (kind) {
      case BtfKind.INT:
      case BtfKind.FLOAT:
        this.orderState[id] = ORDER_ORDERED;
        return 0;
      case BtfKind.PTR: {
        const to = w[o + 2]!;
        const err = this.orderState[to] === ORDER_ORDERED ? 1 : this.orderType(to, true);
        this.orderState[id] = ORDER_ORDERED;
        return err;
      }
      case BtfKind.ARRAY:
        return this.orderType(w[o + 3]!, false);
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        // embedded or anonymous: a strong link; named and behind a pointer: a forward decl will do
        const named = w[o] !== 0;
        if (throughPtr && named) return 0;
        this.orderState[id] = ORDER_ORDERING;
        const vlen = w[o + 1]! & 0xffff;
        const orderState = this.orderState;
        for (let i = 0, q = o + 4; i < vlen; i++, q += 3) {
          if (orderState[w[q]!] !== ORDER_ORDERED && this.orderType(w[q]!, false) < 0) return -1;
        }
        if (named) this.queue[this.queueLen++] = id;
        this.orderState[id] = ORDER_ORDERED;
        return 1;
      }
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
      case BtfKind.FWD:
        if (w[o] !== 0 || !this.referenced[id]) this.queue[this.queueLen++] = id;
        this.orderState[id] = ORDER_ORDERED;
        return 1;
      case BtfKind.TYPEDEF: {
        const to = w[o + 2]!;
        const isStrong = this.orderState[to] === ORDER_ORDERED ? 1 : this.orderType(to, throughPtr);
        if (isStrong < 0) return isStrong;
        if (throughPtr && !isStrong) return 0;
        this.queue[this.queueLen++] = id;
        this.orderState[id] = ORDER_ORDERED;
        return 1;
      }
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
        return this.orderType(w[o + 2]!, throughPtr);
      case BtfKind.FUNC_PROTO: {
        const orderState = this.orderState;
        const ret = w[o + 2]!;
        let err = orderState[ret] === ORDER_ORDERED ? 1 : this.orderType(ret, throughPtr);
        if (err < 0) return err;
        let isStrong = err > 0;
        const vlen = w[o + 1]! & 0xffff;
        for (let i = 0, q = o + 4; i < vlen; i++, q += 2) {
          const to = w[q]!;
          err = orderState[to] === ORDER_ORDERED ? 1 : this.orderType(to, throughPtr);
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
    const off = this.w[this.offs[id]!]!;
    // __builtin_va_list is a compiler built-in; redefining it breaks compilation
    return off !== 0 && this.strings.get(off) === "__builtin_va_list";
  }

  private emitType(id: number, contId: number): void {
    const state = this.emitState[id]!;
    if (state === EMIT_EMITTED) return;
    const w = this.w;
    const o = this.offs[id]!;
    const kind = this.kinds[id]!;
    const topLevel = contId === 0;
    if (state === EMIT_EMITTING) {
      if (this.fwdEmitted[id]) return;
      switch (kind) {
        case BtfKind.STRUCT:
        case BtfKind.UNION:
          // a struct referring to itself needs no forward declaration
          if (id === contId) return;
          if (w[o] === 0) return; // anonymous struct/union loop: nothing sensible to print
          this.emitStructFwd(id);
          this.out.s(";\n\n");
          this.fwdEmitted[id] = 1;
          break;
        case BtfKind.TYPEDEF:
          // the typedef serves as its own forward declaration for uses through pointers
          if (!this.isBlacklisted(id)) {
            this.emitTypedefDef(id, 0);
            this.out.s(";\n\n");
          }
          this.fwdEmitted[id] = 1;
          break;
        default:
          break;
      }
      return;
    }
    switch (kind) {
      case BtfKind.INT:
        this.emitMissingAliases(id);
        this.emitState[id] = EMIT_EMITTED;
        break;
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
        if (topLevel) {
          this.emitEnumDef(id, 0);
          this.out.s(";\n\n");
        }
        this.emitState[id] = EMIT_EMITTED;
        break;
      case BtfKind.PTR:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
        if (this.emitState[w[o + 2]!] !== EMIT_EMITTED) this.emitType(w[o + 2]!, contId);
        break;
      case BtfKind.ARRAY:
        if (this.emitState[w[o + 3]!] !== EMIT_EMITTED) this.emitType(w[o + 3]!, contId);
        break;
      case BtfKind.FWD:
        this.emitFwdDef(id);
        this.out.s(";\n\n");
        this.emitState[id] = EMIT_EMITTED;
        break;
      case BtfKind.TYPEDEF:
        this.emitState[id] = EMIT_EMITTING;
        if (this.emitState[w[o + 2]!] !== EMIT_EMITTED) this.emitType(w[o + 2]!, id);
        if (!this.fwdEmitted[id] && !this.isBlacklisted(id)) {
          this.emitTypedefDef(id, 0);
          this.out.s(";\n\n");
        }
        this.emitState[id] = EMIT_EMITTED;
        break;
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        this.emitState[id] = EMIT_EMITTING;
        const named = w[o] !== 0;
        // a definition prints every member's type, so their forward declarations come first
        if (topLevel || !named) {
          const newCont = named ? id : contId;
          const vlen = w[o + 1]! & 0xffff;
          const emitState = this.emitState;
          for (let i = 0, q = o + 4; i < vlen; i++, q += 3) {
            if (emitState[w[q]!] !== EMIT_EMITTED) this.emitType(w[q]!, newCont);
          }
        } else if (!this.fwdEmitted[id] && id !== contId) {
          this.emitStructFwd(id);
          this.out.s(";\n\n");
          this.fwdEmitted[id] = 1;
        }
        if (topLevel) {
          this.emitStructDef(id, 0);
          this.out.s(";\n\n");
          this.emitState[id] = EMIT_EMITTED;
        } else {
          this.emitState[id] = EMIT_NONE;
        }
        break;
      }
      case BtfKind.FUNC_PROTO: {
        const emitState = this.emitState;
        if (emitState[w[o + 2]!] !== EMIT_EMITTED) this.emitType(w[o + 2]!, contId);
        const vlen = w[o + 1]! & 0xffff;
        for (let i = 0, q = o + 4; i < vlen; i++, q += 2) {
          if (emitState[w[q]!] !== EMIT_EMITTED) this.emitType(w[q]!, contId);
        }
        break;
      }
      default:
        break;
    }
  }

  /** Natural alignment of a type (libbpf's btf__align_of), memoized; 0 for kinds that have none. */
  private alignOf(id: number): number {
    const cache = this.align;
    if (id >= cache.length) return 0;
    const c = cache[id]!;
    if (c === ALIGN_IN_PROGRESS) return 0;
    if (c !== ALIGN_UNKNOWN) return c;
    cache[id] = ALIGN_IN_PROGRESS;
    const a = this.computeAlign(id);
    cache[id] = a;
    return a;
  }

  private computeAlign(id: number): number {
    const w = this.w;
    const o = this.offs[id]!;
    switch (this.kinds[id]) {
      case BtfKind.INT:
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
      case BtfKind.FLOAT:
        return Math.min(this.ptrSz, w[o + 2]!);
      case BtfKind.PTR:
        return this.ptrSz;
      case BtfKind.TYPEDEF:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
        return this.alignOf(w[o + 2]!);
      case BtfKind.ARRAY:
        return this.alignOf(w[o + 3]!);
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        const info = w[o + 1]!;
        const kflag = info >>> 31 === 1;
        const vlen = info & 0xffff;
        let maxAlign = 1;
        for (let i = 0, q = o + 3; i < vlen; i++, q += 3) {
          const align = this.alignOf(w[q + 1]!);
          if (align <= 0) return align;
          maxAlign = Math.max(maxAlign, align);
          // A misaligned non-bitfield member means the struct is packed.
          const off = w[q + 2]!;
          if ((kflag ? off >>> 24 : 0) === 0 && (kflag ? off & 0xffffff : off) % (8 * align) !== 0) return 1;
        }
        if (w[o + 2]! % maxAlign !== 0) return 1;
        return maxAlign;
      }
      default:
        return 0;
    }
  }

  /** Size of a type in bytes (libbpf's btf__resolve_size); -1 when it has none. Memoized. */
  private resolveSize(id: number): number {
    if (id >= this.count) return this.computeSize(id);
    let size = this.sizes[id]!;
    if (size === -2) {
      size = this.computeSize(id);
      this.sizes[id] = size;
    }
    return size;
  }

  private computeSize(id: number): number {
    const { w, offs, kinds } = this;
    const n = this.count;
    let nelems = 1;
    let size = -1;
    let kind = id < n ? kinds[id]! : BtfKind.UNKN;
    for (let depth = 0; depth < MAX_RESOLVE_DEPTH && !(id === 0 || kind === BtfKind.FWD || kind === BtfKind.UNKN); depth++) {
      const o = offs[id]!;
      switch (kind) {
        case BtfKind.INT:
        case BtfKind.STRUCT:
        case BtfKind.UNION:
        case BtfKind.ENUM:
        case BtfKind.ENUM64:
        case BtfKind.DATASEC:
        case BtfKind.FLOAT:
          size = w[o + 2]!;
          break;
        case BtfKind.PTR:
          size = this.ptrSz;
          break;
        case BtfKind.TYPEDEF:
        case BtfKind.VOLATILE:
        case BtfKind.CONST:
        case BtfKind.RESTRICT:
        case BtfKind.VAR:
        case BtfKind.DECL_TAG:
        case BtfKind.TYPE_TAG:
          id = w[o + 2]!;
          break;
        case BtfKind.ARRAY: {
          const ne = w[o + 5]!;
          if (nelems && ne > Math.floor(0xffffffff / nelems)) return -1;
          nelems *= ne;
          id = w[o + 3]!;
          break;
        }
        default:
          return -1;
      }
      if (size >= 0) break;
      kind = id < n ? kinds[id]! : BtfKind.UNKN;
    }
    if (size < 0) return -1;
    if (nelems && size > Math.floor(0xffffffff / nelems)) return -1;
    return nelems * size;
  }

  private isStructPacked(id: number): boolean {
    const w = this.w;
    const o = this.offs[id]!;
    const info = w[o + 1]!;
    const kflag = info >>> 31 === 1;
    const vlen = info & 0xffff;
    let maxAlign = 1;
    for (let i = 0, q = o + 3; i < vlen; i++, q += 3) {
      let align = this.align[w[q + 1]!]!;
      if (align < 0) align = this.alignOf(w[q + 1]!);
      const off = w[q + 2]!;
      if (align && (kflag ? off >>> 24 : 0) === 0 && off % (8 * align) !== 0) return true;
      maxAlign = Math.max(align, maxAlign);
    }
    // a non-packed struct's size is a multiple of its alignment
    return w[o + 2]! % maxAlign !== 0;
  }

  /**
   * Fills a gap between members with anonymous bitfields: first up to a boundary of the largest
   * type that fits (with an explicit `type: 0` marker when the compiler would not align there by
   * itself), then whole units, then the smallest type that covers the remainder.
   */
  private emitBitPadding(curOff: number, nextOff: number, nextAlign: number, inBitfield: boolean, lvl: number): void {
    if (curOff >= nextOff) return;
    // a corrupted size can ask for gigabytes of padding lines; no real type needs more than this
    if (nextOff - curOff > MAX_PADDING_BITS) throw new BtfError(`struct padding of ${nextOff - curOff} bits is too large to print`, { code: "E2BIG" });
    const pads = this.padBits;
    let padType = "";
    let padBits = 0;
    let newOff = 0;
    for (let i = 0; i < pads.length; i++) {
      padBits = pads[i]!;
      padType = PAD_NAMES[i]!;
      newOff = roundup(curOff, padBits);
      if (newOff <= nextOff) break;
    }
    if (newOff > curOff && newOff <= nextOff) {
      if (
        inBitfield ||
        (newOff === nextOff && roundup(curOff, nextAlign * 8) !== newOff) ||
        (newOff !== nextOff && nextOff - newOff <= newOff - curOff)
      ) {
        this.emitPad(lvl, padType, inBitfield ? newOff - curOff : 0);
      }
      curOff = newOff;
    }
    while (curOff !== nextOff) {
      const bits = Math.min(nextOff - curOff, padBits);
      if (bits === padBits) {
        this.emitPad(lvl, padType, padBits);
        curOff += bits;
        continue;
      }
      // the remainder: the smallest type that covers it (and it sticks for later rounds)
      for (let i = pads.length - 1; i >= 0; i--) {
        padType = PAD_NAMES[i]!;
        padBits = pads[i]!;
        if (padBits < bits) continue;
        this.emitPad(lvl, padType, bits);
        curOff += bits;
        break;
      }
    }
  }

  private emitPad(lvl: number, padType: string, bits: number): void {
    const out = this.out;
    out.ch(0x0a);
    out.tabs(indent(lvl));
    out.s(padType);
    out.s(": ");
    out.n(bits);
    out.ch(0x3b); // ;
  }

  private emitStructFwd(id: number): void {
    const o = this.offs[id]!;
    this.out.s(this.kinds[id] === BtfKind.STRUCT ? (this.w[o] ? "struct " : "struct") : this.w[o] ? "union " : "union");
    this.out.s(this.typeName(id));
  }

  private emitStructDef(id: number, lvl: number): void {
    const w = this.w;
    const o = this.offs[id]!;
    const isStruct = this.kinds[id] === BtfKind.STRUCT;
    const info = w[o + 1]!;
    const kflag = info >>> 31 === 1;
    const vlen = info & 0xffff;
    const size = w[o + 2]!;
    const align = this.alignOf(id);
    const packed = isStruct ? this.isStructPacked(id) : false;
    const out = this.out;
    out.s(isStruct ? (w[o] ? "struct " : "struct") : w[o] ? "union " : "union");
    out.s(this.typeName(id));
    out.s(" {");
    const inner = indent(lvl + 1);
    const { declNamed, declParts, sizes, strings } = this;
    let off = 0;
    let prevBitfield = false;
    for (let i = 0, q = o + 3; i < vlen; i++, q += 3) {
      const fname = w[q]!;
      const mType = w[q + 1]!;
      const rawOff = w[q + 2]!;
      let mSz = kflag ? rawOff >>> 24 : 0;
      const mOff = kflag ? rawOff & 0xffffff : rawOff;
      let mAlign = 1;
      if (!packed) {
        mAlign = this.align[mType]!;
        if (mAlign < 0) mAlign = this.alignOf(mType);
      }
      const inBitfield = prevBitfield && mSz !== 0;
      if (off < mOff) this.emitBitPadding(off, mOff, mAlign, inBitfield, lvl + 1);
      out.nlTabs(inner);
      // the common case, inline: a named member of a type whose declaration is cached
      const part = declNamed[mType]!;
      if (part !== 0 && fname !== 0 && this.nonEmptyAt(fname)) {
        out.bytes(declParts[part]!);
        out.name(strings, fname);
        out.bytes(declParts[part + 1]!);
      } else {
        this.emitTypeDecl(mType, fname, lvl + 1);
      }
      if (mSz) {
        out.s(": ");
        out.n(mSz);
        out.ch(0x3b);
        off = mOff + mSz;
        prevBitfield = true;
      } else {
        let sz = sizes[mType]!;
        if (sz === -2) sz = this.resolveSize(mType);
        mSz = Math.max(0, sz) | 0;
        off = (mOff + mSz * 8) | 0;
        prevBitfield = false;
        out.ch(0x3b);
      }
    }
    if (isStruct && off < ((size * 8) | 0)) this.emitBitPadding(off, (size * 8) | 0, align, false, lvl + 1);
    // keep `struct empty {}` on one line
    if (vlen || size) out.nlTabs(indent(lvl));
    out.ch(0x7d); // }
    if (packed) out.s(" __attribute__((packed))");
  }

  private emitMissingAliases(id: number): void {
    const name = this.typeName(id);
    for (const [from, to] of MISSING_BASE_TYPES) {
      if (name === from) {
        this.out.s(`typedef ${to} ${name};\n\n`);
        break;
      }
    }
  }

  private emitEnumDef(id: number, lvl: number): void {
    const w = this.w;
    const o = this.offs[id]!;
    const out = this.out;
    out.s(w[o] ? "enum " : "enum");
    out.s(this.typeName(id));
    const info = w[o + 1]!;
    const vlen = info & 0xffff;
    if (!vlen) return;
    out.s(" {");
    const kflag = info >>> 31 === 1;
    const inner = indent(lvl + 1);
    const step = this.kinds[id] === BtfKind.ENUM64 ? 3 : 2;
    for (let i = 0, q = o + 3; i < vlen; i++, q += step) {
      const name = this.nameOf(w[q]!);
      // enumerators share a namespace with typedefs
      const dup = this.nameDups(this.identNames, name);
      out.ch(0x0a);
      out.tabs(inner);
      out.s(name);
      if (dup > 1) {
        out.s("___");
        out.n(dup);
      }
      out.s(" = ");
      if (step === 3) out.s(enum64String(w[q + 1]!, w[q + 2]!, kflag));
      else out.n(kflag ? w[q + 1]! | 0 : w[q + 1]!);
      out.ch(0x2c); // ,
    }
    out.ch(0x0a);
    out.tabs(indent(lvl));
    out.ch(0x7d); // }
    // Debian's bpftool predates libbpf's mode(byte)/mode(word) attributes for 1- and 8-byte enums,
    // so none are printed here.
  }

  private emitFwdDef(id: number): void {
    const name = this.typeName(id);
    this.out.s(this.w[this.offs[id]! + 1]! >>> 31 ? "union " : "struct ");
    this.out.s(name);
  }

  private emitTypedefDef(id: number, lvl: number): void {
    const name = this.identName(id);
    const type = this.w[this.offs[id]! + 2]!;
    // old GCC emits __gnuc_va_list as a typedef of void
    if (type === 0 && name === "__gnuc_va_list") {
      this.out.s("typedef __builtin_va_list __gnuc_va_list");
      return;
    }
    this.out.s("typedef ");
    this.emitTypeDecl(type, name, lvl);
  }

  /**
   * Prints a declaration of `fname` with type `id` in C syntax: pushes the chain of pointers,
   * modifiers, arrays and function prototypes down to the base type, then unwinds it.
   */
  private emitTypeDecl(id: number, fname: string | number, lvl: number): void {
    const named = this.nonEmpty(fname);
    if (named) {
      const part = this.declNamed[id]!;
      if (part !== 0) {
        this.out.bytes(this.declParts[part]!);
        this.emitStr(fname);
        this.out.bytes(this.declParts[part + 1]!);
        return;
      }
    } else {
      const part = this.declAnon[id]!;
      if (part !== 0) {
        this.out.bytes(this.declParts[part]!);
        return;
      }
    }
    if (this.capturing || this.declNoCache[id]! & (named ? 1 : 2)) {
      this.emitDeclChain(id, fname, lvl);
      return;
    }
    // First use: print it aside (the declared name as a mark), keep it when it can be reused.
    const main = this.out;
    const cap = this.capOut;
    cap.reset();
    this.capMarks.length = 0;
    this.capSpoiled = false;
    this.out = cap;
    this.capturing = true;
    try {
      this.emitDeclChain(id, named ? NAME_MARK : fname, lvl);
    } finally {
      this.out = main;
      this.capturing = false;
    }
    const bytes = cap.buf.slice(0, cap.pos);
    const marks = this.capMarks;
    if (!named) {
      if (!this.capSpoiled) {
        this.declAnon[id] = this.declParts.length;
        this.declParts.push(bytes);
      }
      else this.declNoCache[id] |= 2;
      main.bytes(bytes);
      return;
    }
    if (!this.capSpoiled && marks.length === 1) {
      this.declNamed[id] = this.declParts.length;
      this.declParts.push(bytes.subarray(0, marks[0]), bytes.subarray(marks[0]));
    } else {
      this.declNoCache[id] |= 1;
    }
    let at = 0;
    for (const m of marks) {
      main.bytes(bytes.subarray(at, m));
      this.emitStr(fname);
      at = m;
    }
    main.bytes(bytes.subarray(at));
  }

  private emitDeclChain(id: number, fname: string | number, lvl: number): void {
    const { w, offs, kinds, declStack } = this;
    const start = this.declCnt;
    let cnt = start;
    for (;;) {
      if (cnt - start > MAX_DECL_CHAIN) throw new BtfError(`declaration chain too long at type [${id}]`, { code: "ELOOP" });
      declStack[cnt++] = id;
      if (id === 0) break;
      const kind = kinds[id];
      if (
        kind === BtfKind.PTR ||
        kind === BtfKind.CONST ||
        kind === BtfKind.VOLATILE ||
        kind === BtfKind.RESTRICT ||
        kind === BtfKind.FUNC_PROTO ||
        kind === BtfKind.TYPE_TAG
      ) {
        id = w[offs[id]! + 2]!;
      } else if (kind === BtfKind.ARRAY) {
        id = w[offs[id]! + 3]!;
      } else {
        break;
      }
    }
    this.declCnt = cnt;
    const saveStart = this.vStart;
    const saveCnt = this.vCnt;
    this.vStart = start;
    this.vCnt = cnt - start;
    this.emitTypeChain(fname, lvl);
    this.vStart = saveStart;
    this.vCnt = saveCnt;
    this.declCnt = start;
  }

  private top(): number {
    return this.declStack[this.vStart + this.vCnt - 1]!;
  }

  private emitMods(): void {
    while (this.vCnt) {
      const kind = this.kinds[this.top()];
      if (kind === BtfKind.VOLATILE) this.out.s("volatile ");
      else if (kind === BtfKind.CONST) this.out.s("const ");
      else if (kind === BtfKind.RESTRICT) this.out.s("restrict ");
      else return;
      this.vCnt--;
    }
  }

  private dropMods(): void {
    while (this.vCnt) {
      const kind = this.kinds[this.top()];
      if (kind !== BtfKind.VOLATILE && kind !== BtfKind.CONST && kind !== BtfKind.RESTRICT && kind !== BtfKind.TYPE_TAG) return;
      this.vCnt--;
    }
  }

  /** Whether a declared name (string table offset or string) prints as something. */
  private nonEmpty(name: string | number): boolean {
    if (typeof name === "string") return name !== "";
    if (name === NAME_MARK) return true;
    return name !== 0 && this.nonEmptyAt(name);
  }

  /** Whether the string at a (non-zero) offset prints as something. */
  private nonEmptyAt(off: number): boolean {
    const strings = this.strings;
    if (off >= strings.length) return true; // "(null)"
    if (off >= strings.startOffset) return strings.bytes[off - strings.startOffset] !== 0;
    return byteAt(strings, off) !== 0;
  }

  /** Prints the declared name (a string table offset or a string) after its type. */
  private emitName(name: string | number, lastWasPtr: boolean): void {
    if (!lastWasPtr && this.nonEmpty(name)) this.out.ch(0x20);
    this.emitStr(name);
  }

  private emitTypeChain(fname: string | number, lvl: number): void {
    const w = this.w;
    // `int ***` rather than `int * * *`; true at the start for a lone pointer in a func_proto chain
    let lastWasPtr = true;
    while (this.vCnt) {
      const id = this.declStack[this.vStart + --this.vCnt]!;
      if (id === 0) {
        this.emitMods();
        this.out.s("void");
        lastWasPtr = false;
        continue;
      }
      const o = this.offs[id]!;
      const kind = this.kinds[id]!;
      switch (kind) {
        case BtfKind.INT:
        case BtfKind.FLOAT:
          this.emitMods();
          this.emitStr(w[o]!);
          break;
        case BtfKind.STRUCT:
        case BtfKind.UNION:
          this.emitMods();
          if (w[o] === 0) {
            // printed in full, indented for where it is: not a reusable declaration
            this.capSpoiled = true;
            this.emitStructDef(id, lvl);
          } else {
            this.emitStructFwd(id);
          }
          break;
        case BtfKind.ENUM:
        case BtfKind.ENUM64:
          this.emitMods();
          if (w[o] === 0) {
            this.capSpoiled = true;
            this.emitEnumDef(id, lvl);
          } else {
            this.out.s("enum ");
            this.out.s(this.typeName(id));
          }
          break;
        case BtfKind.FWD:
          this.emitMods();
          this.emitFwdDef(id);
          break;
        case BtfKind.TYPEDEF:
          this.emitMods();
          this.out.s(this.identName(id));
          break;
        case BtfKind.PTR:
          this.out.s(lastWasPtr ? "*" : " *");
          break;
        case BtfKind.VOLATILE:
          this.out.s(" volatile");
          break;
        case BtfKind.CONST:
          this.out.s(" const");
          break;
        case BtfKind.RESTRICT:
          this.out.s(" restrict");
          break;
        case BtfKind.TYPE_TAG:
          this.emitMods();
          this.out.s(' __attribute__((btf_type_tag("');
          this.emitStr(w[o]!);
          this.out.s('")))');
          break;
        case BtfKind.ARRAY: {
          const nelems = w[o + 5]!;
          // const/volatile on an array itself (a GCC quirk) means nothing: drop it
          this.dropMods();
          if (this.vCnt === 0) {
            this.emitName(fname, lastWasPtr);
            this.emitDim(nelems);
            return;
          }
          const multidim = this.kinds[this.top()] === BtfKind.ARRAY;
          if (this.nonEmpty(fname) && !lastWasPtr) this.out.ch(0x20);
          if (!multidim) this.out.ch(0x28);
          this.emitTypeChain(fname, lvl);
          if (!multidim) this.out.ch(0x29);
          this.emitDim(nelems);
          return;
        }
        case BtfKind.FUNC_PROTO: {
          // GCC adds volatile to noreturn function pointers: drop it like libbpf
          this.dropMods();
          if (this.vCnt) {
            this.out.s(" (");
            this.emitTypeChain(fname, lvl);
            this.out.ch(0x29);
          } else {
            this.emitName(fname, lastWasPtr);
          }
          this.out.ch(0x28);
          const vlen = w[o + 1]! & 0xffff;
          // no parameters, or clang's single void parameter: `(void)` (Debian's bpftool carries
          // libbpf's fix for this; libbpf 1.1.0 itself printed `()`)
          if (vlen === 0 || (vlen === 1 && w[o + 4] === 0)) {
            this.out.s("void)");
            return;
          }
          for (let i = 0, q = o + 3; i < vlen; i++, q += 2) {
            if (i > 0) this.out.s(", ");
            const type = w[q + 1]!;
            // a trailing void parameter is the vararg ellipsis
            if (i === vlen - 1 && type === 0) {
              this.out.s("...");
              break;
            }
            this.emitTypeDecl(type, w[q]!, lvl);
          }
          this.out.ch(0x29);
          return;
        }
        default:
          return;
      }
      lastWasPtr = kind === BtfKind.PTR;
    }
    this.emitName(fname, lastWasPtr);
  }

  private emitDim(nelems: number): void {
    this.out.ch(0x5b); // [
    this.out.n(nelems);
    this.out.ch(0x5d); // ]
  }

  private nameDups(map: Map<string, number>, name: string): number {
    const n = (map.get(name) ?? 0) + 1;
    map.set(name, n);
    return n;
  }

  private resolveName(id: number, map: Map<string, number>): string {
    const idx = this.nameIdx[id]!;
    if (idx !== 0) return this.names[idx]!;
    const o = this.offs[id]!;
    const nameOff = this.w[o]!;
    if (nameOff === 0) return "";
    const orig = this.nameOf(nameOff);
    const kind = this.kinds[id];
    // forward declarations never get a suffix
    let name = orig;
    if (!(kind === BtfKind.FWD || (kind === BtfKind.ENUM && (this.w[o + 1]! & 0xffff) === 0))) {
      const dup = this.nameDups(map, orig);
      if (dup > 1) name = `${orig}___${dup}`.slice(0, 255);
    }
    this.nameIdx[id] = this.names.length;
    this.names.push(name);
    return name;
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
