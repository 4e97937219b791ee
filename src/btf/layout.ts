import { BtfKind, btfMemberBitfieldSize, type Btf, type BtfType } from "./types.js";

/** How deep reference chains are followed before giving up (libbpf's MAX_RESOLVE_DEPTH). */
export const MAX_RESOLVE_DEPTH = 32;

const VOID: BtfType = { kind: BtfKind.UNKN, nameOff: 0, name: "", kflag: false, vlen: 0, sizeOrType: 0 };

/** The type with this id; void for 0 and for ids out of range (callers validate first). */
export function typeById(btf: Btf, id: number): BtfType {
  return btf.types[id] ?? VOID;
}

/** Pointer size to lay types out with: the BTF's own, else 8 (a 64-bit host, as bpftool runs). */
export function layoutPointerSize(btf: Btf): number {
  return btf.pointerSize > 0 ? btf.pointerSize : 8;
}

/**
 * Size in bytes of a type, following typedefs, modifiers, vars and arrays; -1 when it has none
 * (void, forward declarations, functions) or overflows 32 bits (libbpf's btf__resolve_size).
 */
export function resolveSize(btf: Btf, id: number): number {
  let nelems = 1;
  let size = -1;
  let t = typeById(btf, id);
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH && !(id === 0 || t.kind === BtfKind.FWD || t.kind === BtfKind.UNKN); depth++) {
    switch (t.kind) {
      case BtfKind.INT:
      case BtfKind.STRUCT:
      case BtfKind.UNION:
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
      case BtfKind.DATASEC:
      case BtfKind.FLOAT:
        size = t.sizeOrType;
        break;
      case BtfKind.PTR:
        size = layoutPointerSize(btf);
        break;
      case BtfKind.TYPEDEF:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.VAR:
      case BtfKind.DECL_TAG:
      case BtfKind.TYPE_TAG:
        id = t.sizeOrType;
        break;
      case BtfKind.ARRAY:
        if (nelems && t.nelems! > Math.floor(0xffffffff / nelems)) return -1;
        nelems *= t.nelems!;
        id = t.elemType!;
        break;
      default:
        return -1;
    }
    if (size >= 0) break;
    t = typeById(btf, id);
  }
  if (size < 0) return -1;
  if (nelems && size > Math.floor(0xffffffff / nelems)) return -1;
  return nelems * size;
}

const alignCache = new WeakMap<Btf, Int32Array>();
const ALIGN_UNKNOWN = -2;
const ALIGN_IN_PROGRESS = -3;

/**
 * Natural alignment of a type (libbpf's btf__align_of); 0 for kinds that have none. Memoized per
 * BTF, which also stops malformed BTF (a struct embedding itself) from recursing forever.
 */
export function alignOf(btf: Btf, id: number): number {
  let cache = alignCache.get(btf);
  if (!cache) {
    cache = new Int32Array(btf.types.length).fill(ALIGN_UNKNOWN);
    alignCache.set(btf, cache);
  }
  if (id >= cache.length) return 0;
  const c = cache[id]!;
  if (c === ALIGN_IN_PROGRESS) return 0;
  if (c !== ALIGN_UNKNOWN) return c;
  cache[id] = ALIGN_IN_PROGRESS;
  const a = computeAlign(btf, id);
  cache[id] = a;
  return a;
}

function computeAlign(btf: Btf, id: number): number {
  const t = typeById(btf, id);
  switch (t.kind) {
    case BtfKind.INT:
    case BtfKind.ENUM:
    case BtfKind.ENUM64:
    case BtfKind.FLOAT:
      return Math.min(layoutPointerSize(btf), t.sizeOrType);
    case BtfKind.PTR:
      return layoutPointerSize(btf);
    case BtfKind.TYPEDEF:
    case BtfKind.VOLATILE:
    case BtfKind.CONST:
    case BtfKind.RESTRICT:
    case BtfKind.TYPE_TAG:
      return alignOf(btf, t.sizeOrType);
    case BtfKind.ARRAY:
      return alignOf(btf, t.elemType!);
    case BtfKind.STRUCT:
    case BtfKind.UNION: {
      let maxAlign = 1;
      for (const m of t.members!) {
        const align = alignOf(btf, m.type);
        if (align <= 0) return align;
        maxAlign = Math.max(maxAlign, align);
        // A misaligned non-bitfield member means the struct is packed.
        if (btfMemberBitfieldSize(t, m) === 0 && (t.kflag ? m.offset & 0xffffff : m.offset) % (8 * align) !== 0) return 1;
      }
      if (t.sizeOrType % maxAlign !== 0) return 1;
      return maxAlign;
    }
    default:
      return 0;
  }
}

/** Follows modifiers, typedefs and vars to the underlying type id; -1 for void or a too-long chain. */
export function resolveType(btf: Btf, id: number): number {
  let t = typeById(btf, id);
  let depth = 0;
  while (
    depth < MAX_RESOLVE_DEPTH &&
    id !== 0 &&
    t.kind !== BtfKind.FWD &&
    (t.kind === BtfKind.TYPEDEF ||
      t.kind === BtfKind.VAR ||
      t.kind === BtfKind.VOLATILE ||
      t.kind === BtfKind.CONST ||
      t.kind === BtfKind.RESTRICT ||
      t.kind === BtfKind.TYPE_TAG)
  ) {
    id = t.sizeOrType;
    t = typeById(btf, id);
    depth++;
  }
  if (depth === MAX_RESOLVE_DEPTH || id === 0 || t.kind === BtfKind.FWD) return -1;
  return id;
}

/** Skips modifiers (and typedefs when asked) and returns the id reached. */
export function skipMods(btf: Btf, id: number, typedefs = true): number {
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH * 4; depth++) {
    const t = typeById(btf, id);
    if (
      t.kind === BtfKind.VOLATILE ||
      t.kind === BtfKind.CONST ||
      t.kind === BtfKind.RESTRICT ||
      t.kind === BtfKind.TYPE_TAG ||
      (typedefs && t.kind === BtfKind.TYPEDEF)
    ) {
      id = t.sizeOrType;
      continue;
    }
    return id;
  }
  return id;
}
