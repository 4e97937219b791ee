/**
 * BTF as plain data: one record per type, indexed by type id (id 0 is void). Records keep the raw
 * fields (name offsets, the size/type word, kflag, vlen) next to decoded ones, so a dump can print
 * exactly what the file holds, even when it is inconsistent.
 */

export const BTF_MAGIC = 0xeb9f;

/** Kind numbers, as in linux/btf.h. */
export const BtfKind = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;
export type BtfKindNumber = (typeof BtfKind)[keyof typeof BtfKind];
export const BTF_KIND_MAX = 19;

/** Kind names as bpftool prints them. */
export const BTF_KIND_NAMES: readonly string[] = [
  "UNKNOWN",
  "INT",
  "PTR",
  "ARRAY",
  "STRUCT",
  "UNION",
  "ENUM",
  "FWD",
  "TYPEDEF",
  "VOLATILE",
  "CONST",
  "RESTRICT",
  "FUNC",
  "FUNC_PROTO",
  "VAR",
  "DATASEC",
  "FLOAT",
  "DECL_TAG",
  "TYPE_TAG",
  "ENUM64",
];

export const BTF_INT_SIGNED = 1;
export const BTF_INT_CHAR = 2;
export const BTF_INT_BOOL = 4;

export const BTF_VAR_STATIC = 0;
export const BTF_VAR_GLOBAL_ALLOCATED = 1;
export const BTF_VAR_GLOBAL_EXTERN = 2;

export const BTF_FUNC_STATIC = 0;
export const BTF_FUNC_GLOBAL = 1;
export const BTF_FUNC_EXTERN = 2;

export interface BtfMember {
  nameOff: number;
  name: string | undefined;
  type: number;
  /** The raw offset word: a bit offset, or (kflag) bitfield size << 24 | bit offset. */
  offset: number;
}

export interface BtfEnumValue {
  nameOff: number;
  name: string | undefined;
  /** ENUM: the raw 32-bit value (unsigned); ENUM64: the 64-bit value (unsigned). */
  value: bigint | number;
}

export interface BtfParam {
  nameOff: number;
  name: string | undefined;
  type: number;
}

export interface BtfVarSecinfo {
  type: number;
  offset: number;
  size: number;
}

/**
 * One BTF type. `sizeOrType` is the raw shared word; `name` is undefined when `nameOff` points
 * outside the string table ("" for anonymous types).
 */
export interface BtfType {
  kind: number;
  nameOff: number;
  name: string | undefined;
  kflag: boolean;
  vlen: number;
  sizeOrType: number;
  /** INT: encoding bits, bit offset and bit count from the extra word. */
  intEncoding?: number;
  intOffset?: number;
  intBits?: number;
  /** ARRAY */
  elemType?: number;
  indexType?: number;
  nelems?: number;
  /** STRUCT, UNION */
  members?: BtfMember[];
  /** ENUM, ENUM64 */
  values?: BtfEnumValue[];
  /** FUNC_PROTO */
  params?: BtfParam[];
  /** VAR */
  linkage?: number;
  /** DATASEC */
  secinfos?: BtfVarSecinfo[];
  /** DECL_TAG (signed) */
  componentIdx?: number;
}

/** Parsed BTF. Types of a base BTF (split BTF) come first and keep their ids. */
export interface Btf {
  /** Index = type id; [0] is void. Includes the base's types when split. */
  types: BtfType[];
  /** First id that belongs to this BTF (1, or the base's type count for split BTF). */
  startId: number;
  /** Byte order the BTF was encoded in. */
  bigEndian: boolean;
  /** Pointer size in bytes if known (from the ELF class), else guessed from `long`; 0 if unknown. */
  pointerSize: number;
  /** The raw bytes (of this BTF only, not the base), as found in the file. */
  raw: Uint8Array;
  base?: Btf;
}

export function btfMemberBitOffset(t: BtfType, m: BtfMember): number {
  return t.kflag ? m.offset & 0xffffff : m.offset;
}

export function btfMemberBitfieldSize(t: BtfType, m: BtfMember): number {
  return t.kflag ? m.offset >>> 24 : 0;
}

export function isComposite(t: BtfType): boolean {
  return t.kind === BtfKind.STRUCT || t.kind === BtfKind.UNION;
}

export function isModifier(t: BtfType): boolean {
  return (
    t.kind === BtfKind.VOLATILE ||
    t.kind === BtfKind.CONST ||
    t.kind === BtfKind.RESTRICT ||
    t.kind === BtfKind.TYPE_TAG
  );
}

/** Kinds whose shared word is a type id rather than a size. */
export function hasTypeRef(kind: number): boolean {
  return (
    kind === BtfKind.PTR ||
    kind === BtfKind.TYPEDEF ||
    kind === BtfKind.VOLATILE ||
    kind === BtfKind.CONST ||
    kind === BtfKind.RESTRICT ||
    kind === BtfKind.FUNC ||
    kind === BtfKind.FUNC_PROTO ||
    kind === BtfKind.VAR ||
    kind === BtfKind.DECL_TAG ||
    kind === BtfKind.TYPE_TAG
  );
}

/** Value of an ENUM/ENUM64 enumerator as a signed or unsigned BigInt, per the kflag. */
export function enumValue(t: BtfType, v: BtfEnumValue): bigint {
  if (t.kind === BtfKind.ENUM64) {
    const u = v.value as bigint;
    return t.kflag ? BigInt.asIntN(64, u) : u;
  }
  const u = v.value as number;
  return BigInt(t.kflag ? u | 0 : u >>> 0);
}
