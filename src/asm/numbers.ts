import type { LineContext } from "./context.js";

/** An integer literal as written: decimal or 0x-hex, with an optional sign. */
export interface IntLiteral {
  value: bigint;
  hex: boolean;
}

const INT_RE = /^([+-]?)\s*(0[xX][0-9a-fA-F]+|[0-9]+)$/;

/** Parses a decimal or hex integer with an optional sign; null when `text` is not one. */
export function parseInteger(text: string): IntLiteral | null {
  const m = INT_RE.exec(text.trim());
  if (!m) return null;
  const digits = m[2]!.toLowerCase();
  const magnitude = BigInt(digits);
  return { value: m[1] === "-" ? -magnitude : magnitude, hex: digits.startsWith("0x") };
}

const I32_MIN = -(1n << 31n);
const I32_MAX = (1n << 31n) - 1n;
const U32_MAX = (1n << 32n) - 1n;
const I64_MIN = -(1n << 63n);
const U64_MAX = (1n << 64n) - 1n;

/**
 * A 32-bit immediate. LLVM and the kernel print unsigned forms (0xffffffff) as well as signed ones,
 * so both ranges are accepted and wrapped to the signed field. With `strictDecimal` (the
 * bpf_conformance rule) a decimal literal must fit a signed 32-bit integer; hex may use all 32 bits.
 */
export function toImm32(lit: IntLiteral, ctx: LineContext, index: number, strictDecimal = false): number {
  const v = lit.value;
  const max = strictDecimal && !lit.hex ? I32_MAX : U32_MAX;
  if (v < I32_MIN || v > max) ctx.fail(`immediate ${formatLiteral(lit)} does not fit in 32 bits`, index);
  return Number(BigInt.asIntN(32, v));
}

/** A signed 16-bit offset; hex literals may use the unsigned range (0xffff is -1), as bpf_conformance allows. */
export function toOff16(lit: IntLiteral, ctx: LineContext, index: number): number {
  const v = lit.value;
  const max = lit.hex ? 0xffffn : 0x7fffn;
  if (v < -0x8000n || v > max) ctx.fail(`offset ${formatLiteral(lit)} does not fit in 16 bits`, index);
  return Number(BigInt.asIntN(16, v));
}

/** A 64-bit constant for lddw, signed or unsigned. */
export function toImm64(lit: IntLiteral, ctx: LineContext, index: number): bigint {
  const v = lit.value;
  if (v < I64_MIN || v > U64_MAX) ctx.fail(`constant ${formatLiteral(lit)} does not fit in 64 bits`, index);
  return BigInt.asUintN(64, v);
}

/** True when the literal fits a 32-bit immediate (signed or unsigned spelling). */
export function fitsImm32(lit: IntLiteral): boolean {
  return lit.value >= I32_MIN && lit.value <= U32_MAX;
}

function formatLiteral(lit: IntLiteral): string {
  if (!lit.hex) return lit.value.toString();
  return (lit.value < 0n ? "-0x" + (-lit.value).toString(16) : "0x" + lit.value.toString(16));
}
