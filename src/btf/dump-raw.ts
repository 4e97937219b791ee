import type { StringTable } from "./strings.js";
import { ByteWriter, collectText } from "./out.js";
import { btfTable, type BtfTable } from "./table.js";
import {
  BTF_FUNC_EXTERN,
  BTF_FUNC_GLOBAL,
  BTF_FUNC_STATIC,
  BTF_INT_BOOL,
  BTF_INT_CHAR,
  BTF_INT_SIGNED,
  BTF_KIND_MAX,
  BTF_KIND_NAMES,
  BTF_VAR_GLOBAL_ALLOCATED,
  BTF_VAR_GLOBAL_EXTERN,
  BTF_VAR_STATIC,
  BtfKind,
  type Btf,
} from "./types.js";

/**
 * `bpftool btf dump file F` (format raw), byte for byte: one line per type of this BTF (not of its
 * base), members and values on tab-indented continuation lines.
 */
export function formatBtfRaw(btf: Btf): string {
  return collectText((sink) => writeBtfRaw(btf, sink));
}

/**
 * `formatBtfRaw` as UTF-8 bytes (names exactly as the file holds them), handed to `sink` in chunks
 * of about 64 KiB as they are produced. The sink may throw to stop the dump.
 */
export function writeBtfRaw(btf: Btf, sink: (chunk: Uint8Array) => void): void {
  for (const chunk of btfRawChunks(btf)) sink(chunk);
}

/** `formatBtfRaw` as UTF-8 chunks of about 64 KiB, produced as they are pulled. */
export function* btfRawChunks(btf: Btf): Generator<Uint8Array, void, undefined> {
  const table = btfTable(btf);
  const ready: Uint8Array[] = [];
  const out = new ByteWriter((chunk) => ready.push(chunk));
  for (let id = table.startId; id < table.count; id++) {
    rawType(table, id, out);
    out.flushIfFull();
    if (ready.length) {
      yield* ready;
      ready.length = 0;
    }
  }
  out.flush();
  yield* ready;
}

/** One type in bpftool's raw format, with its trailing newline. */
export function formatRawType(btf: Btf, id: number): string {
  const table = btfTable(btf);
  return collectText((sink) => {
    const out = new ByteWriter(sink);
    rawType(table, id, out);
    out.flush();
  });
}

function nameOf(out: ByteWriter, strings: StringTable, nameOff: number): void {
  if (nameOff === 0) out.s("(anon)");
  else if (nameOff >= strings.length) out.s("(invalid)");
  else out.name(strings, nameOff);
}

function kindName(kind: number): string {
  return BTF_KIND_NAMES[kind <= BTF_KIND_MAX ? kind : 0]!;
}

function intEncoding(enc: number): string {
  switch (enc) {
    case 0:
      return "(none)";
    case BTF_INT_SIGNED:
      return "SIGNED";
    case BTF_INT_CHAR:
      return "CHAR";
    case BTF_INT_BOOL:
      return "BOOL";
    default:
      return "UNKN";
  }
}

function varLinkage(l: number): string {
  switch (l) {
    case BTF_VAR_STATIC:
      return "static";
    case BTF_VAR_GLOBAL_ALLOCATED:
      return "global";
    case BTF_VAR_GLOBAL_EXTERN:
      return "extern";
    default:
      return "(unknown)";
  }
}

function funcLinkage(vlen: number): string {
  switch (vlen) {
    case BTF_FUNC_STATIC:
      return "static";
    case BTF_FUNC_GLOBAL:
      return "global";
    case BTF_FUNC_EXTERN:
      return "extern";
    default:
      return "(unknown)";
  }
}

function rawType(table: BtfTable, id: number, out: ByteWriter): void {
  const w = table.words;
  const o = table.offs[id]!;
  const kind = (w[o + 1]! >>> 24) & 0x1f;
  out.ch(0x5b); // [
  out.n(id);
  out.s("] ");
  out.s(kindName(kind));
  out.s(" '");
  nameOf(out, table.strings, w[o]!);
  out.ch(0x27); // '
  // one small function per kind, called through a table: each is optimized on its own, and a kind
  // first met late in the file does not throw away the optimized code of the others
  RAW_BODY[kind]!(table, o, out);
  out.ch(0x0a);
}

type RawBody = (table: BtfTable, o: number, out: ByteWriter) => void;

function rawNothing(): void {}

function rawInt(table: BtfTable, o: number, out: ByteWriter): void {
  const w = table.words;
  const v = w[o + 3]!;
  out.s(" size=");
  out.n(w[o + 2]!);
  out.s(" bits_offset=");
  out.n((v >>> 16) & 0xff);
  out.s(" nr_bits=");
  out.n(v & 0xff);
  out.s(" encoding=");
  out.s(intEncoding((v >>> 24) & 0x0f));
}

function rawRef(table: BtfTable, o: number, out: ByteWriter): void {
  out.s(" type_id=");
  out.n(table.words[o + 2]!);
}

function rawArray(table: BtfTable, o: number, out: ByteWriter): void {
  const w = table.words;
  out.s(" type_id=");
  out.n(w[o + 3]!);
  out.s(" index_type_id=");
  out.n(w[o + 4]!);
  out.s(" nr_elems=");
  out.n(w[o + 5]!);
}

function rawComposite(table: BtfTable, o: number, out: ByteWriter): void {
  const { words: w, strings } = table;
  const info = w[o + 1]!;
  const kflag = info >>> 31 === 1;
  const vlen = info & 0xffff;
  out.s(" size=");
  out.n(w[o + 2]!);
  out.s(" vlen=");
  out.n(vlen);
  for (let i = 0, q = o + 3; i < vlen; i++, q += 3) {
    const off = w[q + 2]!;
    out.s("\n\t'");
    nameOf(out, strings, w[q]!);
    out.s("' type_id=");
    out.n(w[q + 1]!);
    out.s(" bits_offset=");
    out.n(kflag ? off & 0xffffff : off);
    const bitSz = kflag ? off >>> 24 : 0;
    if (bitSz) {
      out.s(" bitfield_size=");
      out.n(bitSz);
    }
  }
}

function rawEnum(table: BtfTable, o: number, out: ByteWriter): void {
  const { words: w, strings } = table;
  const info = w[o + 1]!;
  const kflag = info >>> 31 === 1;
  const vlen = info & 0xffff;
  out.s(kflag ? " encoding=SIGNED size=" : " encoding=UNSIGNED size=");
  out.n(w[o + 2]!);
  out.s(" vlen=");
  out.n(vlen);
  for (let i = 0, q = o + 3; i < vlen; i++, q += 2) {
    const n = w[q + 1]!;
    out.s("\n\t'");
    nameOf(out, strings, w[q]!);
    out.s("' val=");
    out.n(kflag ? n | 0 : n);
  }
}

function rawEnum64(table: BtfTable, o: number, out: ByteWriter): void {
  const { words: w, strings } = table;
  const info = w[o + 1]!;
  const kflag = info >>> 31 === 1;
  const vlen = info & 0xffff;
  out.s(kflag ? " encoding=SIGNED size=" : " encoding=UNSIGNED size=");
  out.n(w[o + 2]!);
  out.s(" vlen=");
  out.n(vlen);
  for (let i = 0, q = o + 3; i < vlen; i++, q += 3) {
    out.s("\n\t'");
    nameOf(out, strings, w[q]!);
    out.s("' val=");
    out.s(enum64String(w[q + 1]!, w[q + 2]!, kflag));
  }
}

function rawFwd(table: BtfTable, o: number, out: ByteWriter): void {
  out.s(table.words[o + 1]! >>> 31 ? " fwd_kind=union" : " fwd_kind=struct");
}

function rawFunc(table: BtfTable, o: number, out: ByteWriter): void {
  const w = table.words;
  out.s(" type_id=");
  out.n(w[o + 2]!);
  out.s(" linkage=");
  out.s(funcLinkage(w[o + 1]! & 0xffff));
}

function rawFuncProto(table: BtfTable, o: number, out: ByteWriter): void {
  const { words: w, strings } = table;
  const vlen = w[o + 1]! & 0xffff;
  out.s(" ret_type_id=");
  out.n(w[o + 2]!);
  out.s(" vlen=");
  out.n(vlen);
  for (let i = 0, q = o + 3; i < vlen; i++, q += 2) {
    out.s("\n\t'");
    nameOf(out, strings, w[q]!);
    out.s("' type_id=");
    out.n(w[q + 1]!);
  }
}

function rawVar(table: BtfTable, o: number, out: ByteWriter): void {
  const w = table.words;
  out.s(" type_id=");
  out.n(w[o + 2]!);
  out.s(", linkage=");
  out.s(varLinkage(w[o + 3]!));
}

function rawDatasec(table: BtfTable, o: number, out: ByteWriter): void {
  const { words: w, strings } = table;
  const vlen = w[o + 1]! & 0xffff;
  out.s(" size=");
  out.n(w[o + 2]!);
  out.s(" vlen=");
  out.n(vlen);
  for (let i = 0, q = o + 3; i < vlen; i++, q += 3) {
    const type = w[q]!;
    out.s("\n\ttype_id=");
    out.n(type);
    out.s(" offset=");
    out.n(w[q + 1]!);
    out.s(" size=");
    out.n(w[q + 2]!);
    if (type < table.count) {
      out.s(" (");
      out.s(kindName(table.kinds[type]!));
      out.s(" '");
      nameOf(out, strings, w[table.offs[type]!]!);
      out.s("')");
    }
  }
}

function rawSize(table: BtfTable, o: number, out: ByteWriter): void {
  out.s(" size=");
  out.n(table.words[o + 2]!);
}

function rawDeclTag(table: BtfTable, o: number, out: ByteWriter): void {
  const w = table.words;
  out.s(" type_id=");
  out.n(w[o + 2]!);
  out.s(" component_idx=");
  out.n(w[o + 3]! | 0);
}

/** The body of a raw line by kind (index 0-31). */
const RAW_BODY: readonly RawBody[] = (() => {
  const t: RawBody[] = new Array<RawBody>(32).fill(rawNothing);
  t[BtfKind.INT] = rawInt;
  t[BtfKind.PTR] = rawRef;
  t[BtfKind.CONST] = rawRef;
  t[BtfKind.VOLATILE] = rawRef;
  t[BtfKind.RESTRICT] = rawRef;
  t[BtfKind.TYPEDEF] = rawRef;
  t[BtfKind.TYPE_TAG] = rawRef;
  t[BtfKind.ARRAY] = rawArray;
  t[BtfKind.STRUCT] = rawComposite;
  t[BtfKind.UNION] = rawComposite;
  t[BtfKind.ENUM] = rawEnum;
  t[BtfKind.ENUM64] = rawEnum64;
  t[BtfKind.FWD] = rawFwd;
  t[BtfKind.FUNC] = rawFunc;
  t[BtfKind.FUNC_PROTO] = rawFuncProto;
  t[BtfKind.VAR] = rawVar;
  t[BtfKind.DATASEC] = rawDatasec;
  t[BtfKind.FLOAT] = rawSize;
  t[BtfKind.DECL_TAG] = rawDeclTag;
  return t;
})();

/** An ENUM64 value as bpftool prints it: signed with `LL` (kflag) or unsigned with `ULL`. */
export function enum64String(lo: number, hi: number, signed: boolean): string {
  if (signed) {
    if (hi === 0 && lo < 0x80000000) return `${lo}LL`;
    if (hi === 0xffffffff && lo >= 0x80000000) return `${lo | 0}LL`;
    return `${BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo))}LL`;
  }
  if (hi < 0x200000) return `${hi * 0x100000000 + lo}ULL`;
  return `${(BigInt(hi) << 32n) | BigInt(lo)}ULL`;
}
