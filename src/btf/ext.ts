import { BtfError } from "./errors.js";
import { btfStrings } from "./parse.js";
import { BTF_MAGIC, type Btf } from "./types.js";

/** CO-RE relocation kinds (enum bpf_core_relo_kind). */
export const CoreReloKind = {
  FIELD_BYTE_OFFSET: 0,
  FIELD_BYTE_SIZE: 1,
  FIELD_EXISTS: 2,
  FIELD_SIGNED: 3,
  FIELD_LSHIFT_U64: 4,
  FIELD_RSHIFT_U64: 5,
  TYPE_ID_LOCAL: 6,
  TYPE_ID_TARGET: 7,
  TYPE_EXISTS: 8,
  TYPE_SIZE: 9,
  ENUMVAL_EXISTS: 10,
  ENUMVAL_VALUE: 11,
  TYPE_MATCHES: 12,
} as const;

export const CORE_RELO_KIND_NAMES = [
  "byte_off",
  "byte_sz",
  "field_exists",
  "signed",
  "lshift_u64",
  "rshift_u64",
  "local_type_id",
  "target_type_id",
  "type_exists",
  "type_size",
  "enumval_exists",
  "enumval_value",
  "type_matches",
];

/** func_info record; `insnOff` counts 8-byte slots from the start of the ELF section. */
export interface FuncInfoRecord {
  insnOff: number;
  typeId: number;
}

/** line_info record; `insnOff` counts 8-byte slots from the start of the ELF section. */
export interface LineInfoRecord {
  insnOff: number;
  fileNameOff: number;
  lineOff: number;
  /** line_col: line << 10 | column. */
  lineCol: number;
  fileName: string;
  line: string;
  lineNum: number;
  column: number;
}

/** CO-RE relocation record; `insnOff` in bytes from the start of the ELF section, as in the file. */
export interface CoreReloRecord {
  insnOff: number;
  typeId: number;
  accessStrOff: number;
  accessStr: string;
  kind: number;
}

export interface BtfExtSection<T> {
  section: string;
  records: T[];
}

/** Parsed .BTF.ext: per-ELF-section func_info, line_info and CO-RE relocation records. */
export interface BtfExt {
  funcInfoRecSize: number;
  lineInfoRecSize: number;
  coreReloRecSize: number;
  funcInfo: BtfExtSection<FuncInfoRecord>[];
  lineInfo: BtfExtSection<LineInfoRecord>[];
  coreRelos: BtfExtSection<CoreReloRecord>[];
}

const SECTION = ".BTF.ext";

/**
 * Parses .BTF.ext against the object's BTF (for its string table). Follows libbpf's checks: a
 * subsection must have a 4-byte-aligned offset, a record size at least the minimum and a multiple of
 * 4, and every section block must have at least one record.
 */
export function parseBtfExt(bytes: Uint8Array, btf: Btf): BtfExt {
  const fail = (msg: string, offset?: number): never => {
    throw new BtfError(msg, offset === undefined ? { section: SECTION } : { section: SECTION, offset });
  };
  if (bytes.length < 8) fail("header not found", 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le = true;
  if (view.getUint16(0, true) !== BTF_MAGIC) {
    if (view.getUint16(0, false) !== BTF_MAGIC) fail(`invalid magic 0x${view.getUint16(0, true).toString(16)}`, 0);
    le = false;
  }
  const version = view.getUint8(2);
  if (version !== 1) fail(`unsupported version ${version}`, 2);
  const flags = view.getUint8(3);
  if (flags !== 0) fail(`unsupported flags 0x${flags.toString(16)}`, 3);
  const hdrLen = view.getUint32(4, le);
  if (bytes.length < hdrLen) fail(`header length ${hdrLen} larger than data size ${bytes.length}`, 4);
  if (bytes.length === hdrLen) fail("no data after the header", 4);
  if (hdrLen < 24) fail(`header length ${hdrLen} too short for func_info and line_info`, 4);
  const strings = btfStrings(btf);
  const str = (off: number, at: number): string => {
    const s = strings.get(off);
    if (s === undefined) fail(`string offset ${off} is outside the BTF string table`, at);
    return s as string;
  };

  const parseSub = <T>(
    desc: string,
    off: number,
    len: number,
    minRec: number,
    read: (at: number) => T,
  ): { recSize: number; sections: BtfExtSection<T>[] } => {
    const sections: BtfExtSection<T>[] = [];
    if (len === 0) return { recSize: minRec, sections };
    if (off % 4 !== 0) fail(`${desc} subsection is not aligned to 4 bytes`, hdrLen + off);
    const start = hdrLen + off;
    if (start + len > bytes.length) fail(`${desc} subsection (off ${off} len ${len}) runs past the end`, start);
    if (len < 4) fail(`${desc} record size not found`, start);
    const recSize = view.getUint32(start, le);
    if (recSize < minRec || recSize % 4 !== 0) fail(`${desc} has invalid record size ${recSize}`, start);
    let at = start + 4;
    const end = start + len;
    if (at === end) fail(`${desc} has no records`, at);
    while (at < end) {
      if (end - at < 8) fail(`${desc} section header not found`, at);
      const secNameOff = view.getUint32(at, le);
      const num = view.getUint32(at + 4, le);
      if (num === 0) fail(`${desc} has a section with zero records`, at + 4);
      if (end - at - 8 < num * recSize) fail(`${desc} section has incorrect record count ${num}`, at + 4);
      const section = str(secNameOff, at);
      const records: T[] = new Array(num);
      let r = at + 8;
      for (let i = 0; i < num; i++, r += recSize) records[i] = read(r);
      sections.push({ section, records });
      at = r;
    }
    return { recSize, sections };
  };

  const fi = parseSub<FuncInfoRecord>("func_info", view.getUint32(8, le), view.getUint32(12, le), 8, (at) => ({
    insnOff: view.getUint32(at, le) / 8,
    typeId: view.getUint32(at + 4, le),
  }));
  const li = parseSub<LineInfoRecord>("line_info", view.getUint32(16, le), view.getUint32(20, le), 16, (at) => {
    const fileNameOff = view.getUint32(at + 4, le);
    const lineOff = view.getUint32(at + 8, le);
    const lineCol = view.getUint32(at + 12, le);
    return {
      insnOff: view.getUint32(at, le) / 8,
      fileNameOff,
      lineOff,
      lineCol,
      fileName: str(fileNameOff, at + 4),
      line: str(lineOff, at + 8),
      lineNum: lineCol >>> 10,
      column: lineCol & 0x3ff,
    };
  });
  let cr: { recSize: number; sections: BtfExtSection<CoreReloRecord>[] } = { recSize: 16, sections: [] };
  if (hdrLen >= 32) {
    cr = parseSub<CoreReloRecord>("core_relo", view.getUint32(24, le), view.getUint32(28, le), 16, (at) => {
      const accessStrOff = view.getUint32(at + 8, le);
      return {
        insnOff: view.getUint32(at, le),
        typeId: view.getUint32(at + 4, le),
        accessStrOff,
        accessStr: str(accessStrOff, at + 8),
        kind: view.getUint32(at + 12, le),
      };
    });
  }
  return {
    funcInfoRecSize: fi.recSize,
    lineInfoRecSize: li.recSize,
    coreReloRecSize: cr.recSize,
    funcInfo: fi.sections,
    lineInfo: li.sections,
    coreRelos: cr.sections,
  };
}
