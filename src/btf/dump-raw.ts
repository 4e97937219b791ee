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
  type BtfType,
} from "./types.js";

/**
 * `bpftool btf dump file F` (format raw), byte for byte: one line per type of this BTF (not of its
 * base), members and values on tab-indented continuation lines.
 */
export function formatBtfRaw(btf: Btf): string {
  const out: string[] = [];
  for (let id = btf.startId; id < btf.types.length; id++) out.push(formatRawType(btf, id));
  return out.join("");
}

function nameOf(name: string | undefined, nameOff: number): string {
  if (nameOff === 0) return "(anon)";
  return name ?? "(invalid)";
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

/** One type in bpftool's raw format, with its trailing newline. */
export function formatRawType(btf: Btf, id: number): string {
  const t: BtfType = btf.types[id]!;
  let s = `[${id}] ${kindName(t.kind)} '${nameOf(t.name, t.nameOff)}'`;
  switch (t.kind) {
    case BtfKind.INT:
      s += ` size=${t.sizeOrType} bits_offset=${t.intOffset} nr_bits=${t.intBits} encoding=${intEncoding(t.intEncoding!)}`;
      break;
    case BtfKind.PTR:
    case BtfKind.CONST:
    case BtfKind.VOLATILE:
    case BtfKind.RESTRICT:
    case BtfKind.TYPEDEF:
    case BtfKind.TYPE_TAG:
      s += ` type_id=${t.sizeOrType}`;
      break;
    case BtfKind.ARRAY:
      s += ` type_id=${t.elemType} index_type_id=${t.indexType} nr_elems=${t.nelems}`;
      break;
    case BtfKind.STRUCT:
    case BtfKind.UNION:
      s += ` size=${t.sizeOrType} vlen=${t.vlen}`;
      for (const m of t.members!) {
        const bitOff = t.kflag ? m.offset & 0xffffff : m.offset;
        const bitSz = t.kflag ? m.offset >>> 24 : 0;
        s += `\n\t'${nameOf(m.name, m.nameOff)}' type_id=${m.type} bits_offset=${bitOff}`;
        if (bitSz) s += ` bitfield_size=${bitSz}`;
      }
      break;
    case BtfKind.ENUM:
      s += ` encoding=${t.kflag ? "SIGNED" : "UNSIGNED"} size=${t.sizeOrType} vlen=${t.vlen}`;
      for (const v of t.values!) {
        const n = v.value as number;
        s += `\n\t'${nameOf(v.name, v.nameOff)}' val=${t.kflag ? n | 0 : n >>> 0}`;
      }
      break;
    case BtfKind.ENUM64:
      s += ` encoding=${t.kflag ? "SIGNED" : "UNSIGNED"} size=${t.sizeOrType} vlen=${t.vlen}`;
      for (const v of t.values!) {
        const n = v.value as bigint;
        s += t.kflag
          ? `\n\t'${nameOf(v.name, v.nameOff)}' val=${BigInt.asIntN(64, n)}LL`
          : `\n\t'${nameOf(v.name, v.nameOff)}' val=${n}ULL`;
      }
      break;
    case BtfKind.FWD:
      s += ` fwd_kind=${t.kflag ? "union" : "struct"}`;
      break;
    case BtfKind.FUNC:
      s += ` type_id=${t.sizeOrType} linkage=${funcLinkage(t.vlen)}`;
      break;
    case BtfKind.FUNC_PROTO:
      s += ` ret_type_id=${t.sizeOrType} vlen=${t.vlen}`;
      for (const p of t.params!) s += `\n\t'${nameOf(p.name, p.nameOff)}' type_id=${p.type}`;
      break;
    case BtfKind.VAR:
      s += ` type_id=${t.sizeOrType}, linkage=${varLinkage(t.linkage!)}`;
      break;
    case BtfKind.DATASEC:
      s += ` size=${t.sizeOrType} vlen=${t.vlen}`;
      for (const v of t.secinfos!) {
        s += `\n\ttype_id=${v.type} offset=${v.offset} size=${v.size}`;
        if (v.type < btf.types.length) {
          const vt = btf.types[v.type]!;
          s += ` (${kindName(vt.kind)} '${nameOf(vt.name, vt.nameOff)}')`;
        }
      }
      break;
    case BtfKind.FLOAT:
      s += ` size=${t.sizeOrType}`;
      break;
    case BtfKind.DECL_TAG:
      s += ` type_id=${t.sizeOrType} component_idx=${t.componentIdx}`;
      break;
    default:
      break;
  }
  return s + "\n";
}
