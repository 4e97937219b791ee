// A minimal raw BTF writer for tests: builds inputs no compiler here produces (ENUM64, odd kflags,
// invalid name offsets) in either byte order.
export interface RawType {
  kind: number;
  name: number;
  vlen?: number;
  kflag?: boolean;
  size?: number;
  type?: number;
  int?: number;
  values?: [number, bigint][];
  members?: [number, number, number][];
  componentIdx?: number;
}

export function encodeBtf(types: RawType[], strings: string[], bigEndian: boolean): Uint8Array {
  const le = !bigEndian;
  const words: number[] = [];
  for (const t of types) {
    const vlen = t.vlen ?? 0;
    words.push(t.name, ((t.kflag ? 1 : 0) << 31) | (t.kind << 24) | vlen, t.size ?? t.type ?? 0);
    if (t.kind === 1) words.push(t.int ?? 0);
    if (t.kind === 6) for (const [n, v] of t.values!) words.push(n, Number(BigInt.asUintN(32, v)));
    if (t.kind === 19) for (const [n, v] of t.values!) { const u = BigInt.asUintN(64, v); words.push(n, Number(u & 0xffffffffn), Number(u >> 32n)); }
    if (t.kind === 4 || t.kind === 5) for (const m of t.members!) words.push(...m);
    if (t.kind === 17) words.push(t.componentIdx! >>> 0);
  }
  const str = new TextEncoder().encode(strings.join("\0") + "\0");
  const typeLen = words.length * 4;
  const out = new Uint8Array(24 + typeLen + str.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0xeb9f, le);
  v.setUint8(2, 1);
  v.setUint32(4, 24, le);
  v.setUint32(8, 0, le);
  v.setUint32(12, typeLen, le);
  v.setUint32(16, typeLen, le);
  v.setUint32(20, str.length, le);
  words.forEach((w, i) => v.setUint32(24 + i * 4, w >>> 0, le));
  out.set(str, 24 + typeLen);
  return out;
}
