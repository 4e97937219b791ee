/**
 * A deliberately simple BigInt model of eBPF ALU and JMP semantics (Linux's interpreter rules),
 * used to check the fast (lo, hi) interpreter on random programs. Slow and obvious on purpose.
 */
import type { Instruction } from "../../src/isa/index.js";

const M64 = (1n << 64n) - 1n;
const M32 = (1n << 32n) - 1n;
const s64 = (v: bigint) => BigInt.asIntN(64, v);
const s32 = (v: bigint) => BigInt.asIntN(32, v);
const u64 = (v: bigint) => BigInt.asUintN(64, v);
const u32 = (v: bigint) => BigInt.asUintN(32, v);

function swap(v: bigint, bytes: number): bigint {
  let r = 0n;
  for (let i = 0; i < bytes; i++) r = (r << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return r;
}

export function refAlu(insn: Instruction, regs: bigint[]): void {
  const is64 = (insn.op & 7) === 7;
  const isX = (insn.op & 8) !== 0;
  const code = insn.op & 0xf0;
  const d = insn.dst;
  const dst = regs[d]!;
  let src = isX ? regs[insn.src]! : u64(BigInt(insn.imm));
  if (!is64) src = u32(src);
  const a = is64 ? dst : u32(dst);
  let r: bigint;
  const signed = insn.off === 1;
  switch (code) {
    case 0x00: r = a + src; break;
    case 0x10: r = a - src; break;
    case 0x20: r = a * src; break;
    case 0x30:
      if (src === 0n) r = 0n;
      else if (signed) r = is64 ? s64(a) / s64(src) : s32(a) / s32(src);
      else r = a / src;
      break;
    case 0x40: r = a | src; break;
    case 0x50: r = a & src; break;
    case 0x60: r = a << (src & (is64 ? 63n : 31n)); break;
    case 0x70: r = a >> (src & (is64 ? 63n : 31n)); break;
    case 0x80: r = -a; break;
    case 0x90:
      if (src === 0n) r = a;
      else if (signed) r = is64 ? s64(a) % s64(src) : s32(a) % s32(src);
      else r = a % src;
      break;
    case 0xa0: r = a ^ src; break;
    case 0xb0:
      if (isX && insn.off === 8) r = is64 ? u64(BigInt.asIntN(8, regs[insn.src]!)) : u32(BigInt.asIntN(8, regs[insn.src]!));
      else if (isX && insn.off === 16) r = is64 ? u64(BigInt.asIntN(16, regs[insn.src]!)) : u32(BigInt.asIntN(16, regs[insn.src]!));
      else if (isX && insn.off === 32) r = u64(BigInt.asIntN(32, regs[insn.src]!));
      else r = src;
      break;
    case 0xc0: r = is64 ? s64(a) >> (src & 63n) : s32(a) >> (src & 31n); break;
    case 0xd0: {
      const bits = insn.imm;
      const toBe = is64 || isX;
      const v = dst & ((1n << BigInt(bits)) - 1n);
      r = toBe ? swap(v, bits / 8) : v;
      regs[d] = u64(r);
      return;
    }
    default: throw new Error("bad alu");
  }
  regs[d] = is64 ? u64(r) : u32(r);
}

/** True when the conditional jump is taken. */
export function refJmp(insn: Instruction, regs: bigint[]): boolean {
  const is32 = (insn.op & 7) === 6;
  const isX = (insn.op & 8) !== 0;
  let a = regs[insn.dst]!;
  let b = isX ? regs[insn.src]! : u64(BigInt(insn.imm));
  if (is32) { a = u32(a); b = u32(b); }
  const sa = is32 ? s32(a) : s64(a), sb = is32 ? s32(b) : s64(b);
  switch (insn.op & 0xf0) {
    case 0x10: return a === b;
    case 0x20: return a > b;
    case 0x30: return a >= b;
    case 0x40: return (a & b) !== 0n;
    case 0x50: return a !== b;
    case 0x60: return sa > sb;
    case 0x70: return sa >= sb;
    case 0xa0: return a < b;
    case 0xb0: return a <= b;
    case 0xc0: return sa < sb;
    case 0xd0: return sa <= sb;
  }
  throw new Error("bad jmp");
}

export { M64, M32 };
