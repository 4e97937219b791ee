import { VmError } from "../errors.js";
import { PERM_WRITE, type AddressSpace } from "./memory.js";

/** Why [addr, addr+len) is not accessible: unmapped, past a region's end, or not permitted. */
function describe(space: AddressSpace, addr: number, len: number): string {
  const r = space.find(addr, 1);
  if (!r) return "not mapped";
  if (addr + len > r.start + r.size) return `runs past the end of ${r.name} (${r.size} bytes at 0x${r.start.toString(16)})`;
  return `${r.name} does not allow it`;
}

/**
 * The fault of a program's own load or store at (lo, hi) — the same error, in the same words, from
 * every engine.
 */
export function accessFault(space: AddressSpace, pc: number, lo: number, hi: number, size: number, write: boolean): VmError {
  const addr = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  const what = hi !== 0 || lo >>> 0 < 65536 ? (addr < 65536n ? "null or small-integer pointer" : "not mapped") : describe(space, lo >>> 0, size);
  return new VmError("EFAULT", `invalid ${write ? "write" : "read"} of ${size} bytes at 0x${addr.toString(16)}: ${what}`, pc, addr);
}

/** HelperCall.checkMem for every engine: returns addr, or faults the program at the helper's pc. */
export function checkHelperMem(space: AddressSpace, pc: number, addr: number, len: number, perm: number, what: string): number {
  if (len === 0 || space.allows(addr, len, perm)) return addr;
  const kind = perm & PERM_WRITE ? "write" : "read";
  throw new VmError("EFAULT", `helper ${kind} of ${len} bytes of ${what} at 0x${addr.toString(16)}: ${describe(space, addr, len)}`, pc, BigInt(addr));
}
