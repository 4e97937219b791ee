/**
 * A small WebAssembly binary encoder: just what the eBPF compiler needs (types, imported memory and
 * functions, defined functions, exports, code). Bytes are built directly, so no toolchain is needed
 * at run time and the core stays browser-safe.
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
/** Block type of a block/loop/if that leaves nothing on the stack. */
export const VOID = 0x40;

/** Opcodes used by the compiler (names as in the spec, `.` → `_`). */
export const enum Op {
  unreachable = 0x00,
  block = 0x02,
  loop = 0x03,
  if = 0x04,
  else = 0x05,
  end = 0x0b,
  br = 0x0c,
  br_if = 0x0d,
  br_table = 0x0e,
  return = 0x0f,
  call = 0x10,
  drop = 0x1a,
  select = 0x1b,
  local_get = 0x20,
  local_set = 0x21,
  local_tee = 0x22,
  i32_load = 0x28,
  i64_load = 0x29,
  i32_load8_u = 0x2d,
  i32_load16_u = 0x2f,
  i64_load8_s = 0x30,
  i64_load8_u = 0x31,
  i64_load16_s = 0x32,
  i64_load16_u = 0x33,
  i64_load32_s = 0x34,
  i64_load32_u = 0x35,
  i32_store = 0x36,
  i64_store = 0x37,
  i64_store8 = 0x3c,
  i64_store16 = 0x3d,
  i64_store32 = 0x3e,
  i32_const = 0x41,
  i64_const = 0x42,
  i32_eqz = 0x45,
  i32_eq = 0x46,
  i32_ne = 0x47,
  i32_lt_s = 0x48,
  i32_lt_u = 0x49,
  i32_gt_s = 0x4a,
  i32_gt_u = 0x4b,
  i32_le_s = 0x4c,
  i32_le_u = 0x4d,
  i32_ge_s = 0x4e,
  i32_ge_u = 0x4f,
  i64_eqz = 0x50,
  i64_eq = 0x51,
  i64_ne = 0x52,
  i64_lt_s = 0x53,
  i64_lt_u = 0x54,
  i64_gt_s = 0x55,
  i64_gt_u = 0x56,
  i64_le_s = 0x57,
  i64_le_u = 0x58,
  i64_ge_s = 0x59,
  i64_ge_u = 0x5a,
  i32_add = 0x6a,
  i32_sub = 0x6b,
  i32_mul = 0x6c,
  i32_div_s = 0x6d,
  i32_div_u = 0x6e,
  i32_rem_s = 0x6f,
  i32_rem_u = 0x70,
  i32_and = 0x71,
  i32_or = 0x72,
  i32_xor = 0x73,
  i32_shl = 0x74,
  i32_shr_s = 0x75,
  i32_shr_u = 0x76,
  i32_rotl = 0x77,
  i32_rotr = 0x78,
  i64_add = 0x7c,
  i64_sub = 0x7d,
  i64_mul = 0x7e,
  i64_div_s = 0x7f,
  i64_div_u = 0x80,
  i64_rem_s = 0x81,
  i64_rem_u = 0x82,
  i64_and = 0x83,
  i64_or = 0x84,
  i64_xor = 0x85,
  i64_shl = 0x86,
  i64_shr_s = 0x87,
  i64_shr_u = 0x88,
  i32_wrap_i64 = 0xa7,
  i64_extend_i32_s = 0xac,
  i64_extend_i32_u = 0xad,
  i32_extend8_s = 0xc0,
  i32_extend16_s = 0xc1,
  i64_extend8_s = 0xc2,
  i64_extend16_s = 0xc3,
  i64_extend32_s = 0xc4,
}

/** A growable byte buffer with LEB128 writers. */
export class Bytes {
  buf = new Uint8Array(256);
  len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  byte(b: number): this {
    this.room(1);
    this.buf[this.len++] = b;
    return this;
  }

  bytes(b: Uint8Array | readonly number[]): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  u32(v: number): this {
    v >>>= 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
    return this;
  }

  /** Signed LEB128 of a 32-bit integer (also valid as an i64.const immediate). */
  s32(v: number): this {
    v |= 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.byte(b);
        return this;
      }
      this.byte(b | 0x80);
    }
  }

  /** Signed LEB128 of a 64-bit integer. */
  s64(v: bigint): this {
    v = BigInt.asIntN(64, v);
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
        this.byte(b);
        return this;
      }
      this.byte(b | 0x80);
    }
  }

  name(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u32(b.length).bytes(b);
  }

  /** Appends `body` prefixed with its length (sections, function bodies). */
  sized(body: Bytes): this {
    return this.u32(body.len).bytes(body.buf.subarray(0, body.len));
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Instruction emitter for one function body, with shorthands for the common forms. */
export class Code extends Bytes {
  op(o: Op): this {
    return this.byte(o);
  }
  get(i: number): this {
    return this.byte(Op.local_get).u32(i);
  }
  set(i: number): this {
    return this.byte(Op.local_set).u32(i);
  }
  tee(i: number): this {
    return this.byte(Op.local_tee).u32(i);
  }
  i32(v: number): this {
    return this.byte(Op.i32_const).s32(v);
  }
  /** i64.const of a safe integer (eBPF immediates arrive sign-extended to 64 bits). */
  i64(v: number): this {
    if ((v | 0) === v) return this.byte(Op.i64_const).s32(v);
    return this.byte(Op.i64_const).s64(BigInt(v));
  }
  i64big(v: bigint): this {
    return this.byte(Op.i64_const).s64(v);
  }
  /** A load or store with its memarg: alignment as log2, unsigned offset. */
  mem(o: Op, alignLog2: number, offset: number): this {
    return this.byte(o).u32(alignLog2).u32(offset);
  }
  call(fn: number): this {
    return this.byte(Op.call).u32(fn);
  }
  br(depth: number): this {
    return this.byte(Op.br).u32(depth);
  }
  brIf(depth: number): this {
    return this.byte(Op.br_if).u32(depth);
  }
  block(type = VOID): this {
    return this.byte(Op.block).byte(type);
  }
  loop(type = VOID): this {
    return this.byte(Op.loop).byte(type);
  }
  if(type = VOID): this {
    return this.byte(Op.if).byte(type);
  }
  end(): this {
    return this.byte(Op.end);
  }
  /** memory.fill (bulk memory): [dest, value, length] → []. */
  memoryFill(): this {
    return this.byte(0xfc).u32(11).byte(0);
  }
}

export interface FuncType {
  params: readonly number[];
  results: readonly number[];
}

export interface FuncDef {
  type: number;
  /** Local declarations beyond the parameters, as [count, valtype] runs. */
  locals: readonly (readonly [number, number])[];
  /** The body's instructions, without the final `end`. */
  code: Code;
  export?: string;
}

export interface ModuleDef {
  types: readonly FuncType[];
  /** Imported functions (module "env"), in function-index order before the defined ones. */
  imports: readonly { name: string; type: number }[];
  /** Imports the memory as env.memory with this minimum page count. */
  memoryMinPages: number;
  funcs: readonly FuncDef[];
}

const SEC_TYPE = 1;
const SEC_IMPORT = 2;
const SEC_FUNCTION = 3;
const SEC_EXPORT = 7;
const SEC_CODE = 10;

/** Encodes a complete module. */
export function encodeModule(m: ModuleDef): Uint8Array {
  const out = new Bytes();
  out.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, body: Bytes) => out.byte(id).sized(body);

  const types = new Bytes().u32(m.types.length);
  for (const t of m.types) {
    types.byte(0x60).u32(t.params.length).bytes(t.params).u32(t.results.length).bytes(t.results);
  }
  section(SEC_TYPE, types);

  const imports = new Bytes().u32(m.imports.length + 1);
  imports.name("env").name("memory").byte(0x02).byte(0x00).u32(m.memoryMinPages);
  for (const imp of m.imports) imports.name("env").name(imp.name).byte(0x00).u32(imp.type);
  section(SEC_IMPORT, imports);

  const funcs = new Bytes().u32(m.funcs.length);
  for (const f of m.funcs) funcs.u32(f.type);
  section(SEC_FUNCTION, funcs);

  const exported = m.funcs.map((f, i) => [f.export, i + m.imports.length] as const).filter((e) => e[0] !== undefined);
  const exports = new Bytes().u32(exported.length);
  for (const [name, idx] of exported) exports.name(name!).byte(0x00).u32(idx);
  section(SEC_EXPORT, exports);

  const code = new Bytes().u32(m.funcs.length);
  for (const f of m.funcs) {
    const body = new Bytes().u32(f.locals.length);
    for (const [n, t] of f.locals) body.u32(n).byte(t);
    body.bytes(f.code.buf.subarray(0, f.code.len)).byte(Op.end);
    code.sized(body);
  }
  section(SEC_CODE, code);
  return out.finish();
}
