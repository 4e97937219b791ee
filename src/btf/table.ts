import { StringTable } from "./strings.js";
import { BtfKind, type Btf, type BtfType } from "./types.js";

/*
 * A compact, allocation-free view of parsed BTF that the dumpers and the validator work on: every
 * type record (header and trailing data) as host-order 32-bit words, exactly as laid out in the
 * file, plus one word offset per type id. Nothing is decoded until it is printed, so dumping the
 * 5 MB vmlinux BTF creates no per-type objects at all.
 *
 * Record layout at `offs[id]` in `words` (same as the BTF wire format):
 *   [0] name offset  [1] info (kflag << 31 | kind << 24 | vlen)  [2] size or type id
 *   INT: [3] encoding word          ARRAY: [3] elem type [4] index type [5] nelems
 *   STRUCT/UNION: 3 words a member (name, type, offset)    ENUM: 2 words a value (name, value)
 *   ENUM64: 3 words a value (name, lo32, hi32)             FUNC_PROTO: 2 words a param (name, type)
 *   DATASEC: 3 words a var (type, offset, size)            VAR: [3] linkage   DECL_TAG: [3] component
 * Id 0 (void) is an all-zero record at word 0.
 */
export interface BtfTable {
  /** Number of type ids, void and the base's types included. */
  readonly count: number;
  /** First id that belongs to this BTF (not to its base). */
  readonly startId: number;
  /** Kind per type id. */
  readonly kinds: Uint8Array;
  /** Word offset of each type's record in `words`. */
  readonly offs: Uint32Array;
  readonly words: Uint32Array;
  /** Names (of the base too). An offset at or past `strings.length` is outside the table. */
  readonly strings: StringTable;
}

/** Words a void record occupies at the start of `words`. */
export const VOID_WORDS = 3;

/** Words of a type record before its vlen entries, by kind (index 0-31); -1 for unknown kinds. */
export const FIXED_WORDS: Int8Array = new Int8Array(32).fill(-1);
/** Words of each vlen entry, by kind. */
export const VLEN_WORDS: Uint8Array = new Uint8Array(32);
for (let kind = 1; kind < 32; kind++) {
  FIXED_WORDS[kind] = recordWords(kind, 0);
  VLEN_WORDS[kind] = Math.max(0, recordWords(kind, 1) - recordWords(kind, 0));
}

/** Words of a type record, or -1 for an unknown kind. */
export function recordWords(kind: number, vlen: number): number {
  switch (kind) {
    case BtfKind.FWD:
    case BtfKind.CONST:
    case BtfKind.VOLATILE:
    case BtfKind.RESTRICT:
    case BtfKind.PTR:
    case BtfKind.TYPEDEF:
    case BtfKind.FUNC:
    case BtfKind.FLOAT:
    case BtfKind.TYPE_TAG:
      return 3;
    case BtfKind.INT:
    case BtfKind.VAR:
    case BtfKind.DECL_TAG:
      return 4;
    case BtfKind.ENUM:
    case BtfKind.FUNC_PROTO:
      return 3 + vlen * 2;
    case BtfKind.ENUM64:
    case BtfKind.STRUCT:
    case BtfKind.UNION:
    case BtfKind.DATASEC:
      return 3 + vlen * 3;
    case BtfKind.ARRAY:
      return 6;
    default:
      return -1;
  }
}

/** Where parseBtf keeps the table of a Btf whose `types` have not been materialized. */
const rawTables = new WeakMap<Btf, BtfTable>();
/** Btfs whose `types` array has been built (and may since have been changed by its user). */
const materialized = new WeakSet<Btf>();

export function setRawTable(btf: Btf, table: BtfTable): void {
  rawTables.set(btf, table);
}

export function markMaterialized(btf: Btf): void {
  materialized.add(btf);
  rawTables.delete(btf);
}

/**
 * The table of a Btf. Straight from the file bytes while nobody has looked at `btf.types`; once the
 * type objects exist they are the truth (a loader may have fixed them up), so the table is rebuilt
 * from them on every call.
 */
export function btfTable(btf: Btf): BtfTable {
  if (!materialized.has(btf) && !(btf.base && materialized.has(btf.base))) {
    const t = rawTables.get(btf);
    if (t) return t;
  }
  return tableFromTypes(btf);
}

/** Encodes type objects (possibly hand-built or modified) into a table. */
export function tableFromTypes(btf: Btf): BtfTable {
  const types = btf.types;
  const count = types.length;
  const names: string[] = [""];
  const nameIdx = new Map<string, number>([["", 0]]);
  let strLen = 1;
  const INVALID = 0xffffffff;
  const name = (off: number, s: string | undefined): number => {
    if (off === 0) return 0;
    if (s === undefined) return INVALID;
    let at = nameIdx.get(s);
    if (at === undefined) {
      at = strLen;
      nameIdx.set(s, at);
      names.push(s);
      strLen += utf8Length(s) + 1;
    }
    return at;
  };
  let total = VOID_WORDS;
  for (let id = 1; id < count; id++) total += Math.max(3, objectWords(types[id]!));
  const words = new Uint32Array(total);
  const offs = new Uint32Array(count);
  const kinds = new Uint8Array(count);
  let w = VOID_WORDS;
  for (let id = 1; id < count; id++) {
    const t = types[id]!;
    offs[id] = w;
    kinds[id] = t.kind & 0x1f;
    let vlen = t.vlen & 0xffff;
    const list = t.members ?? t.values ?? t.params ?? t.secinfos;
    if (list && kindHasList(t.kind)) vlen = list.length & 0xffff;
    words[w] = name(t.nameOff, t.name);
    words[w + 1] = ((t.kflag ? 1 : 0) << 31) | ((t.kind & 0x1f) << 24) | vlen;
    words[w + 2] = t.sizeOrType;
    let q = w + 3;
    switch (t.kind) {
      case BtfKind.INT:
        words[q] = (((t.intEncoding ?? 0) & 0x0f) << 24) | (((t.intOffset ?? 0) & 0xff) << 16) | ((t.intBits ?? 0) & 0xff);
        break;
      case BtfKind.ARRAY:
        words[q] = t.elemType ?? 0;
        words[q + 1] = t.indexType ?? 0;
        words[q + 2] = t.nelems ?? 0;
        break;
      case BtfKind.STRUCT:
      case BtfKind.UNION:
        for (const m of t.members ?? []) {
          words[q++] = name(m.nameOff, m.name);
          words[q++] = m.type;
          words[q++] = m.offset;
        }
        break;
      case BtfKind.ENUM:
        for (const v of t.values ?? []) {
          words[q++] = name(v.nameOff, v.name);
          words[q++] = Number(BigInt.asUintN(32, BigInt(v.value)));
        }
        break;
      case BtfKind.ENUM64:
        for (const v of t.values ?? []) {
          const u = BigInt.asUintN(64, BigInt(v.value));
          words[q++] = name(v.nameOff, v.name);
          words[q++] = Number(u & 0xffffffffn);
          words[q++] = Number(u >> 32n);
        }
        break;
      case BtfKind.FUNC_PROTO:
        for (const p of t.params ?? []) {
          words[q++] = name(p.nameOff, p.name);
          words[q++] = p.type;
        }
        break;
      case BtfKind.DATASEC:
        for (const v of t.secinfos ?? []) {
          words[q++] = v.type;
          words[q++] = v.offset;
          words[q++] = v.size;
        }
        break;
      case BtfKind.VAR:
        words[q] = t.linkage ?? 0;
        break;
      case BtfKind.DECL_TAG:
        words[q] = (t.componentIdx ?? 0) >>> 0;
        break;
      default:
        break;
    }
    w += Math.max(3, objectWords(t));
  }
  const strBytes = new TextEncoder().encode(names.join("\0") + "\0");
  return { count, startId: btf.startId, kinds, offs, words, strings: new StringTable(strBytes) };
}

function kindHasList(kind: number): boolean {
  return (
    kind === BtfKind.STRUCT ||
    kind === BtfKind.UNION ||
    kind === BtfKind.ENUM ||
    kind === BtfKind.ENUM64 ||
    kind === BtfKind.FUNC_PROTO ||
    kind === BtfKind.DATASEC
  );
}

function objectWords(t: BtfType): number {
  const list = t.members ?? t.values ?? t.params ?? t.secinfos;
  return recordWords(t.kind, list && kindHasList(t.kind) ? list.length : t.vlen);
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Builds the type objects of ids [from, count) from a table (what `btf.types` holds). */
export function materializeTypes(table: BtfTable, from: number, into: BtfType[]): void {
  const { words: w, offs, strings } = table;
  const str = (off: number): string | undefined => (off === 0 ? "" : strings.get(off));
  for (let id = from; id < table.count; id++) {
    const o = offs[id]!;
    const nameOff = w[o]!;
    const info = w[o + 1]!;
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const t: BtfType = { kind, nameOff, name: str(nameOff), kflag: info >>> 31 === 1, vlen, sizeOrType: w[o + 2]! };
    const p = o + 3;
    switch (kind) {
      case BtfKind.INT: {
        const v = w[p]!;
        t.intEncoding = (v >>> 24) & 0x0f;
        t.intOffset = (v >>> 16) & 0xff;
        t.intBits = v & 0xff;
        break;
      }
      case BtfKind.ARRAY:
        t.elemType = w[p]!;
        t.indexType = w[p + 1]!;
        t.nelems = w[p + 2]!;
        break;
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        const members = new Array(vlen);
        for (let i = 0, q = p; i < vlen; i++, q += 3) {
          members[i] = { nameOff: w[q]!, name: str(w[q]!), type: w[q + 1]!, offset: w[q + 2]! };
        }
        t.members = members;
        break;
      }
      case BtfKind.ENUM: {
        const values = new Array(vlen);
        for (let i = 0, q = p; i < vlen; i++, q += 2) values[i] = { nameOff: w[q]!, name: str(w[q]!), value: w[q + 1]! };
        t.values = values;
        break;
      }
      case BtfKind.ENUM64: {
        const values = new Array(vlen);
        for (let i = 0, q = p; i < vlen; i++, q += 3) {
          values[i] = { nameOff: w[q]!, name: str(w[q]!), value: (BigInt(w[q + 2]!) << 32n) | BigInt(w[q + 1]!) };
        }
        t.values = values;
        break;
      }
      case BtfKind.FUNC_PROTO: {
        const params = new Array(vlen);
        for (let i = 0, q = p; i < vlen; i++, q += 2) params[i] = { nameOff: w[q]!, name: str(w[q]!), type: w[q + 1]! };
        t.params = params;
        break;
      }
      case BtfKind.VAR:
        t.linkage = w[p]!;
        break;
      case BtfKind.DATASEC: {
        const secinfos = new Array(vlen);
        for (let i = 0, q = p; i < vlen; i++, q += 3) secinfos[i] = { type: w[q]!, offset: w[q + 1]!, size: w[q + 2]! };
        t.secinfos = secinfos;
        break;
      }
      case BtfKind.DECL_TAG:
        t.componentIdx = w[p]! | 0;
        break;
      default:
        break;
    }
    into.push(t);
  }
}
