import { BtfError } from "./errors.js";
import { StringTable } from "./strings.js";
import { btfTable, FIXED_WORDS, markMaterialized, materializeTypes, setRawTable, VLEN_WORDS, VOID_WORDS, type BtfTable } from "./table.js";
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

  // The type section as host-order words after the base's (or void's) records.
  const baseTable = base ? btfTable(base) : undefined;
  const baseWords = baseTable ? baseTable.words.length : VOID_WORDS;
  const startId = baseTable ? baseTable.count : 1;
  const typesStart = hdrLen + typeOff;
  const typesEnd = typesStart + typeLen;
  const words = new Uint32Array(baseWords + Math.ceil(typeLen / 4));
  if (baseTable) words.set(baseTable.words);
  if (le === HOST_LE) {
    new Uint8Array(words.buffer, baseWords * 4, typeLen).set(bytes.subarray(typesStart, typesEnd));
  } else {
    for (let i = 0, q = typesStart; q + 4 <= typesEnd; i++, q += 4) words[baseWords + i] = view.getUint32(q, le);
  }
  const maxCount = startId + Math.floor(typeLen / TYPE_HDR);
  const offs = new Uint32Array(maxCount);
  const kinds = new Uint8Array(maxCount);
  if (baseTable) {
    offs.set(baseTable.offs.subarray(0, startId));
    kinds.set(baseTable.kinds.subarray(0, startId));
  }
  let id = startId;
  let at = typesStart;
  while (at + TYPE_HDR <= typesEnd) {
    const w = baseWords + ((at - typesStart) >>> 2);
    const info = words[w + 1]!;
    const kind = (info >>> 24) & 0x1f;
    const fixed = FIXED_WORDS[kind]!;
    if (fixed < 0) fail(`type [${id}]: unsupported kind ${kind}`, at + 4);
    const n = fixed + (info & 0xffff) * VLEN_WORDS[kind]!;
    const size = n * 4;
    if (at + size > typesEnd) fail(`type [${id}] is malformed: ${size} bytes run past the end of the type section`, at);
    offs[id] = w;
    kinds[id] = kind;
    id++;
    at += size;
  }
  if (at !== typesEnd) fail("types data is malformed (trailing bytes after the last type)", at);
  const table: BtfTable = {
    count: id,
    startId,
    kinds: kinds.subarray(0, id),
    offs: offs.subarray(0, id),
    words,
    strings,
  };

  // `types` (one object per type) is built on first use: the dumpers need only the table.
  let types: BtfType[] | undefined;
  const btf: Btf = {
    get types(): BtfType[] {
      if (!types) {
        const arr = base ? base.types.slice() : [voidType()];
        materializeTypes(table, startId, arr);
        types = arr;
        markMaterialized(btf);
      }
      return types;
    },
    set types(v: BtfType[]) {
      types = v;
      markMaterialized(btf);
    },
    startId,
    bigEndian: !le,
    pointerSize: 0,
    raw: bytes,
  };
  if (base) btf.base = base;
  btf.pointerSize = options.pointerSize ?? guessPointerSize(btf, table);
  stringTables.set(btf, strings);
  setRawTable(btf, table);
  return btf;
}

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function voidType(): BtfType {
  return { kind: BtfKind.UNKN, nameOff: 0, name: "", kflag: false, vlen: 0, sizeOrType: 0 };
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
function guessPointerSize(btf: Btf, table: BtfTable): number {
  if (btf.base && btf.base.pointerSize > 0) return btf.base.pointerSize;
  const { kinds, offs, words } = table;
  for (let i = 1; i < table.count; i++) {
    if (kinds[i] !== BtfKind.INT) continue;
    const o = offs[i]!;
    const size = words[o + 2]!;
    if (size !== 4 && size !== 8) continue;
    const nameOff = words[o]!;
    const name = nameOff === 0 ? "" : table.strings.get(nameOff);
    if (name !== undefined && LONG_NAMES.has(name)) return size;
  }
  return 0;
}
