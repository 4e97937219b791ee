import { BtfError } from "./errors.js";
import { CoreReloKind as K } from "./ext.js";
import { resolveSize } from "./layout.js";
import { BtfKind, BTF_INT_SIGNED, btfMemberBitfieldSize, btfMemberBitOffset, type Btf, type BtfType } from "./types.js";

/*
 * CO-RE relocation: given a relocation record (local root type, access string, kind) computed
 * against the object's own BTF, find the matching types in a target BTF (the kernel's) and compute
 * the value the instruction must carry there — libbpf's relo_core algorithm:
 *  - candidates are target types of a compatible kind whose name equals the local name up to a
 *    `___flavor` suffix;
 *  - the access string is matched field by field (by name; anonymous members are searched
 *    through) and array by array (bounds checked);
 *  - every matching candidate must agree; non-matching ones are pruned from the candidate list for
 *    later relocations against the same local type;
 *  - when nothing matches, "exists" relocations yield 0 and the others poison the instruction
 *    (`call 0xbad2310`) so that only reachable uses fail verification.
 */

/** Helper id libbpf writes into a poisoned instruction ("bad relo"). */
export const CORE_POISON_IMM = 0xbad2310;

export interface CoreReloInput {
  /** Local root type id. */
  typeId: number;
  accessStr: string;
  kind: number;
}

export interface CoreReloResult {
  /** Value the instruction holds (validated against it where libbpf does). */
  origVal: bigint;
  newVal: bigint;
  poison: boolean;
  validate: boolean;
  failMemszAdjust: boolean;
  origSz: number;
  newSz: number;
  /** Target type id of the first matching candidate (0 when none matched). */
  targetTypeId: number;
}

interface Accessor {
  typeId: number;
  idx: number;
  name?: string;
}

interface Spec {
  btf: Btf;
  rootTypeId: number;
  kind: number;
  spec: Accessor[];
  raw: number[];
  bitOffset: number;
}

const MAX_SPEC_LEN = 64;

function isFieldKind(k: number): boolean {
  return k <= K.FIELD_RSHIFT_U64;
}
function isTypeKind(k: number): boolean {
  return k === K.TYPE_ID_LOCAL || k === K.TYPE_ID_TARGET || k === K.TYPE_EXISTS || k === K.TYPE_MATCHES || k === K.TYPE_SIZE;
}
function isEnumvalKind(k: number): boolean {
  return k === K.ENUMVAL_EXISTS || k === K.ENUMVAL_VALUE;
}
function isAnyEnum(t: BtfType): boolean {
  return t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64;
}
function isComposite(t: BtfType): boolean {
  return t.kind === BtfKind.STRUCT || t.kind === BtfKind.UNION;
}
function kindCompat(a: BtfType, b: BtfType): boolean {
  return a.kind === b.kind || (isAnyEnum(a) && isAnyEnum(b));
}

class Fail extends Error {}

function type(btf: Btf, id: number): BtfType {
  const t = btf.types[id];
  if (!t) throw new Fail(`type id ${id} out of range`);
  return t;
}

/** Skips modifiers and typedefs; returns the id reached. */
function skip(btf: Btf, id: number): number {
  for (let depth = 0; depth < 64; depth++) {
    const t = type(btf, id);
    if (
      t.kind === BtfKind.TYPEDEF ||
      t.kind === BtfKind.VOLATILE ||
      t.kind === BtfKind.CONST ||
      t.kind === BtfKind.RESTRICT ||
      t.kind === BtfKind.TYPE_TAG
    ) {
      id = t.sizeOrType;
      continue;
    }
    return id;
  }
  throw new Fail("modifier chain too long");
}

/** Length of a name without its `___flavor` suffix (the last X___Y separator). */
export function essentialNameLen(name: string): number {
  for (let i = name.length - 5; i >= 0; i--) {
    if (name[i] !== "_" && name[i + 1] === "_" && name[i + 2] === "_" && name[i + 3] === "_" && name[i + 4] !== "_") return i + 1;
  }
  return name.length;
}

function essentialName(name: string): string {
  return name.slice(0, essentialNameLen(name));
}

function sizeOf(btf: Btf, id: number): number {
  const s = resolveSize(btf, id);
  if (s < 0) throw new Fail(`cannot size type [${id}]`);
  return s;
}

function isFlexArr(btf: Btf, acc: Accessor | undefined, nelems: number): boolean {
  if (!acc || !acc.name || nelems > 0) return false;
  const t = type(btf, acc.typeId);
  return acc.idx === t.vlen - 1;
}

function parseSpec(btf: Btf, r: CoreReloInput): Spec {
  const s = r.accessStr;
  if (s === "" || s[0] === ":") throw new Fail(`invalid access string '${s}'`);
  const spec: Spec = { btf, rootTypeId: r.typeId, kind: r.kind, spec: [], raw: [], bitOffset: 0 };
  if (isTypeKind(r.kind)) {
    if (s !== "0") throw new Fail(`type relocation with access string '${s}'`);
    return spec;
  }
  for (const part of s.split(":")) {
    if (!/^-?\d+$/.test(part)) throw new Fail(`invalid access string '${s}'`);
    if (spec.raw.length === MAX_SPEC_LEN) throw new Fail("access string too long");
    spec.raw.push(parseInt(part, 10));
  }
  let id = skip(btf, r.typeId);
  let t = type(btf, id);
  let idx = spec.raw[0]!;
  spec.spec.push({ typeId: id, idx });
  if (isEnumvalKind(r.kind)) {
    if (!isAnyEnum(t) || spec.raw.length > 1 || idx < 0 || idx >= t.vlen) throw new Fail("invalid enumerator access");
    spec.spec[0]!.name = t.values![idx]!.name ?? "";
    return spec;
  }
  if (!isFieldKind(r.kind)) throw new Fail(`unknown relocation kind ${r.kind}`);
  spec.bitOffset = idx * sizeOf(btf, id) * 8;
  for (let i = 1; i < spec.raw.length; i++) {
    id = skip(btf, id);
    t = type(btf, id);
    idx = spec.raw[i]!;
    if (isComposite(t)) {
      if (idx < 0 || idx >= t.vlen) throw new Fail(`member index ${idx} out of range`);
      const m = t.members![idx]!;
      spec.bitOffset += btfMemberBitOffset(t, m);
      if (m.nameOff) {
        if (!m.name) throw new Fail("member without a name");
        spec.spec.push({ typeId: id, idx, name: m.name });
      }
      id = m.type;
    } else if (t.kind === BtfKind.ARRAY) {
      id = skip(btf, t.elemType!);
      const flex = isFlexArr(btf, spec.spec[spec.spec.length - 1], t.nelems!);
      if (!flex && idx >= t.nelems!) throw new Fail(`array index ${idx} out of bounds`);
      spec.spec.push({ typeId: id, idx });
      spec.bitOffset += idx * sizeOf(btf, id) * 8;
    } else {
      throw new Fail(`access step ${i} lands on type [${id}] of kind ${t.kind}`);
    }
  }
  return spec;
}

function intOffset(t: BtfType): number {
  return t.intOffset ?? 0;
}

function nameOf(t: BtfType): string {
  return t.name ?? "";
}

function fieldsCompat(lb: Btf, lid: number, tb: Btf, tid: number): boolean {
  for (let depth = 0; depth < 64; depth++) {
    lid = skip(lb, lid);
    tid = skip(tb, tid);
    const l = type(lb, lid);
    const t = type(tb, tid);
    if (isComposite(l) && isComposite(t)) return true;
    if (!kindCompat(l, t)) return false;
    switch (l.kind) {
      case BtfKind.PTR:
      case BtfKind.FLOAT:
        return true;
      case BtfKind.FWD:
      case BtfKind.ENUM:
      case BtfKind.ENUM64: {
        const ln = nameOf(l);
        const tn = nameOf(t);
        const ll = essentialNameLen(ln);
        const tl = essentialNameLen(tn);
        return ll === 0 || tl === 0 || (ll === tl && ln.slice(0, ll) === tn.slice(0, tl));
      }
      case BtfKind.INT:
        return intOffset(l) === 0 && intOffset(t) === 0;
      case BtfKind.ARRAY:
        lid = l.elemType!;
        tid = t.elemType!;
        continue;
      default:
        return false;
    }
  }
  throw new Fail("type chain too long");
}

/** libbpf's bpf_core_match_member: finds the local member by name, looking into anonymous members. */
function matchMember(lb: Btf, acc: Accessor, tb: Btf, targId: number, ts: Spec, depth = 0): { found: boolean; next: number } {
  if (depth > MAX_SPEC_LEN) throw new Fail("anonymous members nested too deep");
  targId = skip(tb, targId);
  const t = type(tb, targId);
  if (!isComposite(t)) return { found: false, next: targId };
  const lt = type(lb, acc.typeId);
  const lm = lt.members![acc.idx]!;
  const localName = lm.name ?? "";
  for (let i = 0; i < t.vlen; i++) {
    const m = t.members![i]!;
    const bitOff = btfMemberBitOffset(t, m);
    if (ts.raw.length === MAX_SPEC_LEN) throw new Fail("access path too long");
    ts.bitOffset += bitOff;
    ts.raw.push(i);
    const tn = m.name ?? "";
    if (tn === "") {
      const r = matchMember(lb, acc, tb, m.type, ts, depth + 1);
      if (r.found) return r;
    } else if (tn === localName) {
      ts.spec.push({ typeId: targId, idx: i, name: tn });
      const ok = fieldsCompat(lb, lm.type, tb, m.type);
      if (!ok) ts.spec.pop();
      return { found: ok, next: m.type };
    }
    ts.bitOffset -= bitOff;
    ts.raw.pop();
  }
  return { found: false, next: targId };
}

function typesAreCompat(lb: Btf, lid: number, tb: Btf, tid: number, level: number): boolean {
  if (!kindCompat(type(lb, lid), type(tb, tid))) return false;
  for (let depth = 32; ; ) {
    if (--depth < 0) throw new Fail("type chain too deep");
    lid = skip(lb, lid);
    tid = skip(tb, tid);
    const l = type(lb, lid);
    const t = type(tb, tid);
    if (!kindCompat(l, t)) return false;
    switch (l.kind) {
      case BtfKind.UNKN:
      case BtfKind.STRUCT:
      case BtfKind.UNION:
      case BtfKind.ENUM:
      case BtfKind.FWD:
      case BtfKind.ENUM64:
        return true;
      case BtfKind.INT:
        return intOffset(l) === 0 && intOffset(t) === 0;
      case BtfKind.PTR:
        lid = l.sizeOrType;
        tid = t.sizeOrType;
        continue;
      case BtfKind.ARRAY:
        lid = l.elemType!;
        tid = t.elemType!;
        continue;
      case BtfKind.FUNC_PROTO: {
        if (l.vlen !== t.vlen) return false;
        for (let i = 0; i < l.vlen; i++) {
          if (level <= 0) throw new Fail("type chain too deep");
          if (!typesAreCompat(lb, skip(lb, l.params![i]!.type), tb, skip(tb, t.params![i]!.type), level - 1)) return false;
        }
        lid = skip(lb, l.sizeOrType);
        tid = skip(tb, t.sizeOrType);
        continue;
      }
      default:
        return false;
    }
  }
}

function namesMatch(ln: string, tn: string): boolean {
  if (tn === "") return ln === "";
  const tl = essentialNameLen(tn);
  const ll = essentialNameLen(ln);
  return tl === ll && ln.slice(0, ll) === tn.slice(0, tl);
}

/** libbpf's "types match" relation (bpf_core_type_matches). */
function typesMatch(lb: Btf, lid: number, tb: Btf, tid: number, behindPtr: boolean, level: number): boolean {
  if (level <= 0) throw new Fail("type chain too deep");
  for (let depth = 32; ; ) {
    if (--depth < 0) throw new Fail("type chain too deep");
    lid = skip(lb, lid);
    tid = skip(tb, tid);
    const l = type(lb, lid);
    const t = type(tb, tid);
    if (!namesMatch(nameOf(l), nameOf(t))) return false;
    const lk = l.kind;
    const tk = t.kind;
    switch (lk) {
      case BtfKind.UNKN:
        return lk === tk;
      case BtfKind.FWD:
        if (behindPtr) {
          if (lk === tk) return l.kflag === t.kflag;
          return (tk === BtfKind.STRUCT && !l.kflag) || (tk === BtfKind.UNION && l.kflag);
        }
        return lk === tk && l.kflag === t.kflag;
      case BtfKind.ENUM:
      case BtfKind.ENUM64: {
        if (!isAnyEnum(t) || l.sizeOrType !== t.sizeOrType || l.vlen > t.vlen) return false;
        return l.values!.every((lv) => t.values!.some((tv) => namesMatch(lv.name ?? "", tv.name ?? "")));
      }
      case BtfKind.STRUCT:
      case BtfKind.UNION:
        if (behindPtr) {
          if (lk === tk) return true;
          if (tk !== BtfKind.FWD) return false;
          return (lk === BtfKind.UNION) === t.kflag;
        }
        if (lk !== tk || l.vlen > t.vlen) return false;
        for (const lm of l.members!) {
          let matched = false;
          for (const tm of t.members!) {
            if (!namesMatch(lm.name ?? "", tm.name ?? "")) continue;
            if (typesMatch(lb, lm.type, tb, tm.type, behindPtr, level - 1)) {
              matched = true;
              break;
            }
          }
          if (!matched) return false;
        }
        return true;
      case BtfKind.INT:
        return (
          lk === tk &&
          l.sizeOrType === t.sizeOrType &&
          ((l.intEncoding ?? 0) & BTF_INT_SIGNED) === ((t.intEncoding ?? 0) & BTF_INT_SIGNED)
        );
      case BtfKind.PTR:
        if (lk !== tk) return false;
        behindPtr = true;
        lid = l.sizeOrType;
        tid = t.sizeOrType;
        continue;
      case BtfKind.ARRAY:
        if (lk !== tk || l.nelems !== t.nelems) return false;
        lid = l.elemType!;
        tid = t.elemType!;
        continue;
      case BtfKind.FUNC_PROTO:
        if (lk !== tk || l.vlen !== t.vlen) return false;
        for (let i = 0; i < l.vlen; i++) {
          if (!typesMatch(lb, l.params![i]!.type, tb, t.params![i]!.type, behindPtr, level - 1)) return false;
        }
        lid = l.sizeOrType;
        tid = t.sizeOrType;
        continue;
      default:
        return false;
    }
  }
}

/** Matches the local spec against one candidate; returns the target spec or undefined. */
function specMatch(local: Spec, tb: Btf, targId: number): { matched: boolean; spec: Spec } {
  const ts: Spec = { btf: tb, rootTypeId: targId, kind: local.kind, spec: [], raw: [], bitOffset: 0 };
  if (isTypeKind(local.kind)) {
    const ok =
      local.kind === K.TYPE_MATCHES
        ? typesMatch(local.btf, local.rootTypeId, tb, targId, false, 32)
        : typesAreCompat(local.btf, local.rootTypeId, tb, targId, 1 << 20);
    return { matched: ok, spec: ts };
  }
  if (isEnumvalKind(local.kind)) {
    const id = skip(tb, targId);
    const t = type(tb, id);
    if (!isAnyEnum(t)) return { matched: false, spec: ts };
    const want = essentialName(local.spec[0]!.name ?? "");
    for (let i = 0; i < t.vlen; i++) {
      if (essentialName(t.values![i]!.name ?? "") === want) {
        ts.spec.push({ typeId: id, idx: i, name: t.values![i]!.name ?? "" });
        ts.raw.push(i);
        return { matched: true, spec: ts };
      }
    }
    return { matched: false, spec: ts };
  }
  let tid = targId;
  for (let i = 0; i < local.spec.length; i++) {
    const lacc = local.spec[i]!;
    tid = skip(tb, tid);
    const t = type(tb, tid);
    if (lacc.name !== undefined) {
      const r = matchMember(local.btf, lacc, tb, tid, ts);
      if (!r.found) return { matched: false, spec: ts };
      tid = r.next;
    } else {
      if (i > 0) {
        if (t.kind !== BtfKind.ARRAY) return { matched: false, spec: ts };
        const flex = isFlexArr(tb, ts.spec[ts.spec.length - 1], t.nelems!);
        if (!flex && lacc.idx >= t.nelems!) return { matched: false, spec: ts };
        tid = skip(tb, t.elemType!);
      }
      if (ts.raw.length === MAX_SPEC_LEN) throw new Fail("access path too long");
      ts.spec.push({ typeId: tid, idx: lacc.idx });
      ts.raw.push(lacc.idx);
      ts.bitOffset += lacc.idx * sizeOf(tb, tid) * 8;
    }
  }
  return { matched: true, spec: ts };
}

interface FieldVal {
  val: bigint;
  sz: number;
  typeId: number;
  validate: boolean;
  poison: boolean;
}

function calcField(kind: number, spec: Spec | undefined): FieldVal {
  const out: FieldVal = { val: 0n, sz: 0, typeId: 0, validate: true, poison: false };
  if (kind === K.FIELD_EXISTS) {
    out.val = spec ? 1n : 0n;
    return out;
  }
  if (!spec) {
    out.poison = true;
    return out;
  }
  const acc = spec.spec[spec.spec.length - 1]!;
  const t = type(spec.btf, acc.typeId);
  if (acc.name === undefined) {
    if (kind === K.FIELD_BYTE_OFFSET) {
      out.val = BigInt(Math.floor(spec.bitOffset / 8));
      out.sz = sizeOf(spec.btf, acc.typeId);
      out.typeId = acc.typeId;
    } else if (kind === K.FIELD_BYTE_SIZE) {
      out.val = BigInt(sizeOf(spec.btf, acc.typeId));
    } else {
      throw new Fail(`relocation kind ${kind} cannot be applied to an array access`);
    }
    return out;
  }
  const m = t.members![acc.idx]!;
  const fieldTypeId = skip(spec.btf, m.type);
  const mt = type(spec.btf, fieldTypeId);
  const bitOff = spec.bitOffset;
  let bitSz = btfMemberBitfieldSize(t, m);
  const bitfield = bitSz > 0;
  let byteSz: number;
  let byteOff: number;
  if (bitfield) {
    byteSz = mt.sizeOrType;
    if (byteSz === 0) throw new Fail("bitfield of a zero-sized type");
    byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
      if (byteSz >= 8) throw new Fail("bitfield relocation cannot be satisfied");
      byteSz *= 2;
      byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    }
  } else {
    byteSz = sizeOf(spec.btf, fieldTypeId);
    byteOff = Math.floor(spec.bitOffset / 8);
    bitSz = byteSz * 8;
  }
  out.validate = !bitfield;
  switch (kind) {
    case K.FIELD_BYTE_OFFSET:
      out.val = BigInt(byteOff);
      if (!bitfield) {
        out.sz = byteSz;
        out.typeId = fieldTypeId;
      }
      break;
    case K.FIELD_BYTE_SIZE:
      out.val = BigInt(byteSz);
      break;
    case K.FIELD_SIGNED:
      out.val = (isAnyEnum(mt) && mt.kflag) || ((mt.kind === BtfKind.INT ? mt.intEncoding ?? 0 : 0) & BTF_INT_SIGNED) !== 0 ? 1n : 0n;
      out.validate = true;
      break;
    case K.FIELD_LSHIFT_U64:
      // little-endian targets (BPF objects loaded on x86/arm64)
      out.val = BigInt(64 - (bitOff + bitSz - byteOff * 8));
      break;
    case K.FIELD_RSHIFT_U64:
      out.val = BigInt(64 - bitSz);
      out.validate = true;
      break;
    default:
      throw new Fail(`unknown field relocation kind ${kind}`);
  }
  return out;
}

function calcType(kind: number, spec: Spec | undefined): { val: bigint; validate: boolean } {
  if (!spec) return { val: 0n, validate: true };
  switch (kind) {
    case K.TYPE_ID_TARGET:
      return { val: BigInt(spec.rootTypeId), validate: false };
    case K.TYPE_EXISTS:
    case K.TYPE_MATCHES:
      return { val: 1n, validate: true };
    case K.TYPE_SIZE:
      return { val: BigInt(sizeOf(spec.btf, spec.rootTypeId)), validate: true };
    default:
      throw new Fail(`unknown type relocation kind ${kind}`);
  }
}

function calcEnumval(kind: number, spec: Spec | undefined): { val: bigint; poison: boolean } {
  if (kind === K.ENUMVAL_EXISTS) return { val: spec ? 1n : 0n, poison: false };
  if (kind !== K.ENUMVAL_VALUE) throw new Fail(`unknown enum relocation kind ${kind}`);
  if (!spec) return { val: 0n, poison: true };
  const t = type(spec.btf, spec.spec[0]!.typeId);
  const v = t.values![spec.spec[0]!.idx]!.value;
  return { val: typeof v === "bigint" ? v : BigInt(v >>> 0), poison: false };
}

function calcRelo(kind: number, local: Spec, targ: Spec | undefined): CoreReloResult {
  const res: CoreReloResult = { origVal: 0n, newVal: 0n, poison: false, validate: true, failMemszAdjust: false, origSz: 0, newSz: 0, targetTypeId: 0 };
  if (isFieldKind(kind)) {
    const o = calcField(kind, local);
    const n = calcField(kind, targ);
    res.origVal = o.val;
    res.validate = o.validate;
    res.origSz = o.sz;
    res.newVal = n.val;
    res.newSz = n.sz;
    res.poison = n.poison;
    if (!res.poison && res.origSz !== res.newSz) {
      const ot = type(local.btf, o.typeId);
      const nt = type(targ!.btf, n.typeId);
      const ptrs = ot.kind === BtfKind.PTR && nt.kind === BtfKind.PTR;
      const unsignedInts =
        ot.kind === BtfKind.INT && nt.kind === BtfKind.INT && ot.intEncoding !== BTF_INT_SIGNED && nt.intEncoding !== BTF_INT_SIGNED;
      res.failMemszAdjust = !ptrs && !unsignedInts;
    }
  } else if (isTypeKind(kind)) {
    const o = calcType(kind, local);
    const n = calcType(kind, targ);
    res.origVal = o.val;
    res.validate = o.validate;
    res.newVal = n.val;
  } else if (isEnumvalKind(kind)) {
    const o = calcEnumval(kind, local);
    const n = calcEnumval(kind, targ);
    res.origVal = o.val;
    res.newVal = n.val;
    res.poison = n.poison;
  } else {
    throw new Fail(`unrecognized CO-RE relocation kind ${kind}`);
  }
  return res;
}

/** Candidate target types for a local type, cached per (local BTF, target BTF) pair. */
export class CoreCandidateCache {
  private readonly byLocal = new Map<number, number[]>();
  private index: Map<string, number[]> | undefined;

  constructor(
    readonly local: Btf,
    readonly target: Btf,
  ) {}

  private nameIndex(): Map<string, number[]> {
    if (this.index) return this.index;
    const idx = new Map<string, number[]>();
    for (let id = 1; id < this.target.types.length; id++) {
      const n = this.target.types[id]!.name;
      if (!n) continue;
      const e = essentialName(n);
      let list = idx.get(e);
      if (!list) idx.set(e, (list = []));
      list.push(id);
    }
    return (this.index = idx);
  }

  candidates(localId: number): number[] {
    let c = this.byLocal.get(localId);
    if (c) return c;
    const lt = type(this.local, localId);
    const name = lt.name ?? "";
    c = (this.nameIndex().get(essentialName(name)) ?? []).filter((id) => kindCompat(this.target.types[id]!, lt));
    this.byLocal.set(localId, c);
    return c;
  }

  prune(localId: number, keep: number[]): void {
    this.byLocal.set(localId, keep);
  }
}

/**
 * Computes one CO-RE relocation. Throws a BtfError when libbpf would fail the load (bad access
 * string, ambiguous candidates, anonymous root type …).
 */
export function calcCoreRelo(relo: CoreReloInput, cache: CoreCandidateCache): CoreReloResult {
  try {
    return calc(relo, cache);
  } catch (e) {
    if (e instanceof Fail) {
      throw new BtfError(`CO-RE relocation of type [${relo.typeId}] access '${relo.accessStr}' (kind ${relo.kind}): ${e.message}`, {
        section: ".BTF.ext",
      });
    }
    throw e;
  }
}

function calc(relo: CoreReloInput, cache: CoreCandidateCache): CoreReloResult {
  const local = cache.local;
  const lt = type(local, relo.typeId);
  const localSpec = parseSpec(local, relo);
  if (relo.kind === K.TYPE_ID_LOCAL) {
    const v = BigInt(relo.typeId);
    return { origVal: v, newVal: v, poison: false, validate: false, failMemszAdjust: false, origSz: 0, newSz: 0, targetTypeId: 0 };
  }
  if (!lt.name) throw new Fail("relocation against an anonymous type is not supported");
  const cands = cache.candidates(relo.typeId);
  let result: CoreReloResult | undefined;
  let targSpec: Spec | undefined;
  const keep: number[] = [];
  for (const cid of cands) {
    const m = specMatch(localSpec, cache.target, cid);
    if (!m.matched) continue;
    const r = calcRelo(relo.kind, localSpec, m.spec);
    if (!result) {
      result = { ...r, targetTypeId: cid };
      targSpec = m.spec;
    } else if (m.spec.bitOffset !== targSpec!.bitOffset) {
      throw new Fail(`field offset ambiguity: ${m.spec.bitOffset} != ${targSpec!.bitOffset}`);
    } else if (r.poison !== result.poison || r.newVal !== result.newVal) {
      throw new Fail(`relocation decision ambiguity: ${r.newVal} != ${result.newVal}`);
    }
    keep.push(cid);
  }
  if (keep.length) cache.prune(relo.typeId, keep);
  if (!result) result = calcRelo(relo.kind, localSpec, undefined);
  return result;
}
