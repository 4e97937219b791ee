/**
 * C struct layout by the rules of the x86_64/aarch64 Linux ABIs: every field aligned to its size
 * (u64 fields in bpf structs are `__aligned_u64` anyway), the struct padded to its largest
 * alignment. Layouts are computed from field lists, never typed in as numbers, and checked against
 * the system headers in a test.
 */

export type FieldType = "u8" | "u16" | "u32" | "s32" | "u64" | `bytes[${number}]`;

export interface Field {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly type: FieldType;
}

/** A field list entry; `a|b` names members of a union that share one slot. `null` is unnamed padding. */
export type FieldSpec = readonly [name: string | null, type: FieldType];

function sizeOf(type: FieldType): number {
  switch (type) {
    case "u8":
      return 1;
    case "u16":
      return 2;
    case "u32":
    case "s32":
      return 4;
    case "u64":
      return 8;
    default:
      return Number(/\[(\d+)\]/.exec(type)![1]);
  }
}

function alignOf(type: FieldType): number {
  return type.startsWith("bytes") ? 1 : sizeOf(type);
}

export class Struct {
  readonly fields = new Map<string, Field>();
  readonly size: number;

  constructor(
    readonly name: string,
    specs: readonly FieldSpec[],
    /** Offset of the first field (for a struct nested at a fixed place). */
    base = 0,
  ) {
    let at = base;
    let maxAlign = 8; // bpf_attr and the info structs are all aligned(8)
    for (const [names, type] of specs) {
      const align = alignOf(type);
      maxAlign = Math.max(maxAlign, align);
      at = Math.ceil(at / align) * align;
      if (names !== null) {
        for (const name of names.split("|")) this.fields.set(name, { name, offset: at, size: sizeOf(type), type });
      }
      at += sizeOf(type);
    }
    this.size = Math.ceil(at / maxAlign) * maxAlign;
  }

  field(name: string): Field {
    const f = this.fields.get(name);
    if (!f) throw new Error(`internal: ${this.name} has no field ${name}`);
    return f;
  }

  offsetOf(name: string): number {
    return this.field(name).offset;
  }

  /** Offset just past `name`: the attr size to pass when `name` is the last field used. */
  endOf(name: string): number {
    const f = this.field(name);
    return f.offset + f.size;
  }
}

/** Reads and writes a Struct's fields in a byte buffer (little-endian host order). */
export class StructView {
  constructor(
    readonly struct: Struct,
    readonly view: DataView,
    readonly base = 0,
  ) {}

  set(name: string, value: number | bigint | boolean | undefined): this {
    if (value === undefined) return this;
    const f = this.struct.field(name);
    const at = this.base + f.offset;
    const v = typeof value === "boolean" ? (value ? 1 : 0) : value;
    switch (f.type) {
      case "u8":
        this.view.setUint8(at, Number(v));
        break;
      case "u16":
        this.view.setUint16(at, Number(v), true);
        break;
      case "u32":
        this.view.setUint32(at, Number(BigInt.asUintN(32, BigInt(v))), true);
        break;
      case "s32":
        this.view.setInt32(at, Number(BigInt.asIntN(32, BigInt(v))), true);
        break;
      case "u64":
        this.view.setBigUint64(at, BigInt.asUintN(64, BigInt(v)), true);
        break;
      default:
        throw new Error(`internal: ${this.struct.name}.${name} is a byte array; use setBytes`);
    }
    return this;
  }

  /** Copies bytes (or a string, NUL-padded and truncated to leave room for the NUL) into an array field. */
  setBytes(name: string, value: Uint8Array | string): this {
    const f = this.struct.field(name);
    const bytes = typeof value === "string" ? new TextEncoder().encode(value).subarray(0, f.size - 1) : value.subarray(0, f.size);
    new Uint8Array(this.view.buffer, this.view.byteOffset + this.base + f.offset, f.size).set(bytes);
    return this;
  }

  get(name: string): number {
    const f = this.struct.field(name);
    const at = this.base + f.offset;
    switch (f.type) {
      case "u8":
        return this.view.getUint8(at);
      case "u16":
        return this.view.getUint16(at, true);
      case "u32":
        return this.view.getUint32(at, true);
      case "s32":
        return this.view.getInt32(at, true);
      case "u64":
        return Number(this.view.getBigUint64(at, true));
      default:
        throw new Error(`internal: ${this.struct.name}.${name} is a byte array; use getBytes`);
    }
  }

  getBig(name: string): bigint {
    const f = this.struct.field(name);
    if (f.type !== "u64") return BigInt(this.get(name));
    return this.view.getBigUint64(this.base + f.offset, true);
  }

  getBytes(name: string): Uint8Array {
    const f = this.struct.field(name);
    return new Uint8Array(this.view.buffer, this.view.byteOffset + this.base + f.offset, f.size).slice();
  }

  /** A NUL-terminated string field. */
  getString(name: string): string {
    const b = this.getBytes(name);
    const end = b.indexOf(0);
    return new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
  }
}
