/** bpf_strncmp, bpf_strtol, bpf_strtoul (kernel/bpf/helpers.c semantics). */
import { VmError } from "../errors.js";
import { PERM_READ, PERM_WRITE } from "../vm/memory.js";
import type { HelperCall, HelperDef } from "./registry.js";

const EINVAL = -22;
const ERANGE = -34;

/** strncmp(s1, s2, s1_sz): -1, 0 or 1 as lib/string.c returns. */
export function strncmp(call: HelperCall): number {
  const s1 = call.argNum(1);
  const n = call.argU32(2);
  const s2 = call.argNum(3);
  call.checkMem(s1, n, PERM_READ, "strncmp s1");
  const u8 = call.space.u8;
  for (let i = 0; i < n; i++) {
    if (!call.space.allows(s2 + i, 1, PERM_READ)) throw new VmError("EFAULT", "strncmp: s2 is not a NUL-terminated string in readable memory", call.pc, BigInt(s2 + i));
    const c1 = u8[s1 + i]!;
    const c2 = u8[s2 + i]!;
    if (c1 !== c2) return c1 < c2 ? -1 : 1;
    if (c1 === 0) break;
  }
  return 0;
}

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/** __bpf_strtoull: returns consumed chars (or -errno), the value and its sign. */
function strtoull(bytes: Uint8Array, flags: bigint): { err: number; value: bigint; negative: boolean } {
  let base = Number(flags & 0x1fn);
  const fail = (err: number) => ({ err, value: 0n, negative: false });
  if (bytes.length === 0) return fail(EINVAL);
  if (base !== 0 && base !== 8 && base !== 10 && base !== 16) return fail(EINVAL);
  if (flags & ~0x1fn) return fail(EINVAL);
  let i = 0;
  while (i < bytes.length && isSpace(bytes[i]!)) i++;
  const negative = i < bytes.length && bytes[i] === 0x2d;
  if (negative) i++;
  let consumed = i;
  if (bytes.length - consumed === 0) return fail(EINVAL);
  const str = [...bytes.subarray(consumed, consumed + Math.min(bytes.length - consumed, 63)), 0];
  let p = 0;
  const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);
  const isX = (c: number): boolean => (c >= 48 && c <= 57) || (lower(c) >= 97 && lower(c) <= 102);
  if (base === 0) {
    if (str[0] === 0x30) base = lower(str[1]!) === 0x78 && isX(str[2]!) ? 16 : 8;
    else base = 10;
  }
  if (base === 16 && str[0] === 0x30 && lower(str[1]!) === 0x78) p = 2;
  let value = 0n;
  let overflow = false;
  const start = p;
  for (;;) {
    const c = str[p]!;
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (lower(c) >= 97 && lower(c) <= 102) d = lower(c) - 97 + 10;
    else break;
    if (d >= base) break;
    value = value * BigInt(base) + BigInt(d);
    if (value > 0xffffffffffffffffn) overflow = true;
    p++;
  }
  if (overflow) return fail(ERANGE);
  if (p === start) return fail(EINVAL);
  consumed += p;
  return { err: consumed, value: BigInt.asUintN(64, value), negative };
}

function strto(call: HelperCall, signed: boolean): number {
  const buf = call.argNum(1);
  const len = call.argU32(2);
  const flags = call.arg(3);
  const res = call.argNum(4);
  call.checkMem(buf, len, PERM_READ, "strtol buffer");
  call.checkMem(res, 8, PERM_WRITE, "strtol result");
  const r = strtoull(call.space.u8.slice(buf, buf + len), flags);
  if (r.err < 0) return r.err;
  let v: bigint;
  if (signed) {
    if (r.negative) {
      if (BigInt.asIntN(64, -r.value) > 0n) return ERANGE;
      v = BigInt.asUintN(64, -r.value);
    } else {
      if (BigInt.asIntN(64, r.value) < 0n) return ERANGE;
      v = r.value;
    }
  } else {
    if (r.negative) return EINVAL;
    v = r.value;
  }
  call.space.view.setBigUint64(res, v, true);
  return r.err;
}

export function stringHelpers(): HelperDef[] {
  const strtoProto = { ret: "RET_INTEGER", args: ["ARG_PTR_TO_MEM | MEM_RDONLY", "ARG_CONST_SIZE", "ARG_ANYTHING", "ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED"] };
  return [
    { id: 182, name: "strncmp", fn: strncmp, proto: { ret: "RET_INTEGER", args: ["ARG_PTR_TO_MEM | MEM_RDONLY", "ARG_CONST_SIZE", "ARG_PTR_TO_CONST_STR"] } },
    { id: 105, name: "strtol", fn: (c) => strto(c, true), proto: strtoProto },
    { id: 106, name: "strtoul", fn: (c) => strto(c, false), proto: strtoProto },
  ];
}
