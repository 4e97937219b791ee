/**
 * An object's BTF as the kernel's BPF_BTF_LOAD wants it: the parsed types (with libbpf's fixups —
 * DATASEC sizes and offsets, hidden globals made static — already applied by the loader) written
 * back in little-endian raw form, the string section copied from the file. Like libbpf's
 * sanitizing step, extern VARs become allocated globals (the kernel refuses extern linkage), and
 * extern FUNCs and DATASECs holding anything but VARs (.ksyms) are replaced by harmless types.
 * Browser-safe.
 */
import { BtfKind, BTF_FUNC_EXTERN, BTF_FUNC_STATIC, BTF_VAR_GLOBAL_ALLOCATED, BTF_VAR_GLOBAL_EXTERN, type Btf } from "../btf/types.js";
import { EbpfError } from "../errors.js";

const HDR_LEN = 24;

function stringSection(btf: Btf): Uint8Array {
  const raw = btf.raw;
  const le = !btf.bigEndian;
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const hdrLen = v.getUint32(4, le);
  const strOff = v.getUint32(16, le);
  const strLen = v.getUint32(20, le);
  return raw.subarray(hdrLen + strOff, hdrLen + strOff + strLen);
}

export function encodeBtfForKernel(btf: Btf): Uint8Array {
  if (btf.base) throw new EbpfError("ENOTSUPP", "split BTF cannot be loaded as an object's BTF");
  if (btf.bigEndian) throw new EbpfError("ENOTSUPP", "big-endian BTF cannot be loaded into this kernel");
  const words: number[] = [];
  for (let id = btf.startId; id < btf.types.length; id++) {
    const t = btf.types[id]!;
    let kind = t.kind;
    let vlen = t.vlen;
    let kflag = t.kflag;
    let sizeOrType = t.sizeOrType;
    if (kind === BtfKind.FUNC && vlen === BTF_FUNC_EXTERN) vlen = BTF_FUNC_STATIC;
    const isVarSec = kind === BtfKind.DATASEC && (t.secinfos ?? []).every((s) => btf.types[s.type]?.kind === BtfKind.VAR);
    if (kind === BtfKind.DATASEC && !isVarSec) {
      // .ksyms with kfuncs: an empty struct of the same size keeps ids stable
      kind = BtfKind.STRUCT;
      vlen = 0;
      kflag = false;
      sizeOrType = 0;
    }
    const head = (k: number, n: number, f: boolean, s: number) => words.push(t.nameOff, ((f ? 1 : 0) << 31) | (k << 24) | (n & 0xffff), s >>> 0);
    head(kind, vlen, kflag, sizeOrType);
    switch (kind) {
      case BtfKind.INT:
        words.push((((t.intEncoding ?? 0) & 0x0f) << 24) | (((t.intOffset ?? 0) & 0xff) << 16) | ((t.intBits ?? 0) & 0xff));
        break;
      case BtfKind.ARRAY:
        words.push(t.elemType ?? 0, t.indexType ?? 0, t.nelems ?? 0);
        break;
      case BtfKind.STRUCT:
      case BtfKind.UNION:
        if (t.kind !== kind) break;
        for (const m of t.members ?? []) words.push(m.nameOff, m.type, m.offset);
        break;
      case BtfKind.ENUM:
        for (const e of t.values ?? []) words.push(e.nameOff, Number(BigInt.asUintN(32, BigInt(e.value))));
        break;
      case BtfKind.ENUM64:
        for (const e of t.values ?? []) {
          const u = BigInt.asUintN(64, BigInt(e.value));
          words.push(e.nameOff, Number(u & 0xffffffffn), Number(u >> 32n));
        }
        break;
      case BtfKind.FUNC_PROTO:
        for (const p of t.params ?? []) words.push(p.nameOff, p.type);
        break;
      case BtfKind.VAR:
        words.push(t.linkage === BTF_VAR_GLOBAL_EXTERN ? BTF_VAR_GLOBAL_ALLOCATED : (t.linkage ?? 0));
        break;
      case BtfKind.DATASEC:
        for (const s of t.secinfos ?? []) words.push(s.type, s.offset, s.size);
        break;
      case BtfKind.DECL_TAG:
        words.push((t.componentIdx ?? -1) >>> 0);
        break;
      default:
        break;
    }
  }
  const strings = stringSection(btf);
  const typeLen = words.length * 4;
  const out = new Uint8Array(HDR_LEN + typeLen + strings.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0xeb9f, true);
  v.setUint8(2, 1);
  v.setUint32(4, HDR_LEN, true);
  v.setUint32(8, 0, true);
  v.setUint32(12, typeLen, true);
  v.setUint32(16, typeLen, true);
  v.setUint32(20, strings.length, true);
  words.forEach((w, i) => v.setUint32(HDR_LEN + i * 4, w >>> 0, true));
  out.set(strings, HDR_LEN + typeLen);
  return out;
}
