import { BtfError } from "./errors.js";
import { StringTable } from "./strings.js";
import { BTF_MAGIC, BtfKind, type Btf, type BtfType } from "./types.js";

export interface ParseBtfOptions {
  /** Base BTF for split BTF (kernel module BTF on top of vmlinux). */
  base?: Btf;
  /** Pointer size if known from the container (ELF class); otherwise guessed from `long`. */
  pointerSize?: number;
  /** Name used in error messages (default ".BTF"). */
  section?: string;
}

const HDR_LEN = 24;
const TYPE_HDR = 12;
/** Largest string offset BTF allows (libbpf's BTF_MAX_STR_OFFSET). */
const MAX_STR_OFFSET = 0x7fffffff;

const stringTables = new WeakMap<Btf, StringTable>();

/** The string table of a parsed BTF (names of this BTF and its base). */
export function btfStrings(btf: Btf): StringTable {
  const s = stringTables.get(btf);
  if (!s) throw new BtfError("BTF has no string table (not produced by parseBtf)");
  return s;
}

/**
 * Parses raw BTF (the `.BTF` section or a /sys/kernel/btf file). Accepts the same inputs libbpf 1.1
 * accepts (so `btf dump` fails exactly where bpftool fails); type references are not checked here —
 * see `validateBtf`.
 */
export function parseBtf(bytes: Uint8Array, options: ParseBtfOptions = {}): Btf {
  const section = options.section ?? ".BTF";
  const fail = (msg: string, offset?: number): never => {
    throw new BtfError(msg, offset === undefined ? { section } : { section, offset });
  };
  if (bytes.length < HDR_LEN) fail(`header not found (${bytes.length} bytes, need ${HDR_LEN})`, 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le = true;
  const magicLe = view.getUint16(0, true);
  if (magicLe !== BTF_MAGIC) {
    if (view.getUint16(0, false) !== BTF_MAGIC) fail(`invalid magic 0x${magicLe.toString(16)}`, 0);
    le = false;
  }
  const hdrLen = view.getUint32(4, le);
  if (!le && hdrLen !== HDR_LEN) fail(`unsupported header length ${hdrLen} for non-native byte order`, 4);
  if (bytes.length < hdrLen) fail(`header length ${hdrLen} larger than data size ${bytes.length}`, 4);
  if (hdrLen < HDR_LEN) fail(`header length ${hdrLen} shorter than ${HDR_LEN}`, 4);
  const typeOff = view.getUint32(8, le);
  const typeLen = view.getUint32(12, le);
  const strOff = view.getUint32(16, le);
  const strLen = view.getUint32(20, le);
  const metaLeft = bytes.length - hdrLen;
  if (metaLeft < strOff + strLen) fail(`invalid total size ${bytes.length}: strings end at ${hdrLen + strOff + strLen}`, 16);
  if (typeOff + typeLen > strOff) {
    fail(`invalid layout: type data at ${typeOff} + ${typeLen}, strings data at ${strOff} + ${strLen}`, 8);
  }
  if (typeOff % 4 !== 0) fail("type section is not aligned to 4 bytes", 8);

  const base = options.base;
  const strStart = hdrLen + strOff;
  const strBytes = bytes.subarray(strStart, strStart + strLen);
  if (!(base && strLen === 0)) {
    if (strLen === 0 || strLen - 1 > MAX_STR_OFFSET || strBytes[strLen - 1] !== 0) {
      fail("invalid string section (empty or not NUL-terminated)", strStart);
    }
    if (!base && strBytes[0] !== 0) fail("invalid string section (must start with an empty string)", strStart);
  }
  const baseStrings = base ? btfStrings(base) : undefined;
  const strings = new StringTable(strBytes, baseStrings ? baseStrings.length : 0, baseStrings);

  const types: BtfType[] = base ? base.types.slice() : [voidType()];
  const startId = types.length;
  const typesStart = hdrLen + typeOff;
  const typesEnd = typesStart + typeLen;
  let at = typesStart;
  while (at + TYPE_HDR <= typesEnd) {
    const id = types.length;
    const nameOff = view.getUint32(at, le);
    const info = view.getUint32(at + 4, le);
    const sizeOrType = view.getUint32(at + 8, le);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = info >>> 31 === 1;
    const size = typeSize(kind, vlen);
    if (size < 0) fail(`type [${id}]: unsupported kind ${kind}`, at + 4);
    if (at + size > typesEnd) fail(`type [${id}] is malformed: ${size} bytes run past the end of the type section`, at);
    const t: BtfType = { kind, nameOff, name: nameOff === 0 ? "" : strings.get(nameOff), kflag, vlen, sizeOrType };
    const p = at + TYPE_HDR;
    switch (kind) {
      case BtfKind.INT: {
        const v = view.getUint32(p, le);
        t.intEncoding = (v >>> 24) & 0x0f;
        t.intOffset = (v >>> 16) & 0xff;
        t.intBits = v & 0xff;
        break;
      }
      case BtfKind.ARRAY:
        t.elemType = view.getUint32(p, le);
        t.indexType = view.getUint32(p + 4, le);
        t.nelems = view.getUint32(p + 8, le);
        break;
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        const members = new Array(vlen);
        for (let i = 0, q = p; i < vlen; i++, q += 12) {
          const mo = view.getUint32(q, le);
          members[i] = { nameOff: mo, name: mo === 0 ? "" : strings.get(mo), type: view.getUint32(q + 4, le), offset: view.getUint32(q + 8, le) };
        }
        t.members = members;
        break;
      }
      case BtfKind.ENUM: {
        const values = new Array(vlen);
        for (let i = 0, q = p; i < vlen; i++, q += 8) {
          const no = view.getUint32(q, le);
          values[i] = { nameOff: no, name: no === 0 ? "" : strings.get(no), value: view.getUint32(q + 4, le) };
        }
        t.values = values;
        break;
      }
      case BtfKind.ENUM64: {
        const values = new Array(vlen);
        for (let i = 0, q = p; i < vlen; i++, q += 12) {
          const no = view.getUint32(q, le);
          const lo = view.getUint32(q + 4, le);
          const hi = view.getUint32(q + 8, le);
          values[i] = { nameOff: no, name: no === 0 ? "" : strings.get(no), value: (BigInt(hi) << 32n) | BigInt(lo) };
        }
        t.values = values;
        break;
      }
      case BtfKind.FUNC_PROTO: {
        const params = new Array(vlen);
        for (let i = 0, q = p; i < vlen; i++, q += 8) {
          const no = view.getUint32(q, le);
          params[i] = { nameOff: no, name: no === 0 ? "" : strings.get(no), type: view.getUint32(q + 4, le) };
        }
        t.params = params;
        break;
      }
      case BtfKind.VAR:
        t.linkage = view.getUint32(p, le);
        break;
      case BtfKind.DATASEC: {
        const secinfos = new Array(vlen);
        for (let i = 0, q = p; i < vlen; i++, q += 12) {
          secinfos[i] = { type: view.getUint32(q, le), offset: view.getUint32(q + 4, le), size: view.getUint32(q + 8, le) };
        }
        t.secinfos = secinfos;
        break;
      }
      case BtfKind.DECL_TAG:
        t.componentIdx = view.getInt32(p, le);
        break;
      default:
        break;
    }
    types.push(t);
    at += size;
  }
  if (at !== typesEnd) fail("types data is malformed (trailing bytes after the last type)", at);

  const btf: Btf = {
    types,
    startId,
    bigEndian: !le,
    pointerSize: 0,
    raw: bytes,
  };
  if (base) btf.base = base;
  btf.pointerSize = options.pointerSize ?? guessPointerSize(btf);
  stringTables.set(btf, strings);
  return btf;
}

function voidType(): BtfType {
  return { kind: BtfKind.UNKN, nameOff: 0, name: "", kflag: false, vlen: 0, sizeOrType: 0 };
}

/** Bytes a type record occupies, or -1 for an unknown kind. */
function typeSize(kind: number, vlen: number): number {
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
      return TYPE_HDR;
    case BtfKind.INT:
    case BtfKind.VAR:
    case BtfKind.DECL_TAG:
      return TYPE_HDR + 4;
    case BtfKind.ENUM:
    case BtfKind.FUNC_PROTO:
      return TYPE_HDR + vlen * 8;
    case BtfKind.ENUM64:
    case BtfKind.STRUCT:
    case BtfKind.UNION:
    case BtfKind.DATASEC:
      return TYPE_HDR + vlen * 12;
    case BtfKind.ARRAY:
      return TYPE_HDR + 12;
    default:
      return -1;
  }
}

const LONG_NAMES = new Set([
  "long",
  "long int",
  "int long",
  "unsigned long",
  "long unsigned",
  "unsigned long int",
  "unsigned int long",
  "long unsigned int",
  "long int unsigned",
  "int unsigned long",
  "int long unsigned",
]);

/** libbpf's heuristic: the size of the first 4- or 8-byte `long` integer; 0 if there is none. */
function guessPointerSize(btf: Btf): number {
  if (btf.base && btf.base.pointerSize > 0) return btf.base.pointerSize;
  for (let i = 1; i < btf.types.length; i++) {
    const t = btf.types[i]!;
    if (t.kind !== BtfKind.INT || (t.sizeOrType !== 4 && t.sizeOrType !== 8)) continue;
    if (t.name !== undefined && LONG_NAMES.has(t.name)) return t.sizeOrType;
  }
  return 0;
}
