/**
 * probe_read, probe_read_kernel/user and their _str variants: copies from VM memory. An address
 * that is not mapped readable is a fault: the helper returns -EFAULT and zeroes the destination,
 * as copy_from_kernel_nofault does in the kernel.
 */
import { PERM_READ, PERM_WRITE } from "../vm/memory.js";
import type { HelperCall, HelperDef } from "./registry.js";

const EFAULT = -14;

function readable(call: HelperCall, addr: bigint, len: number): number | undefined {
  if (addr > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  const a = Number(addr);
  return call.space.allows(a, len, PERM_READ) ? a : undefined;
}

/** bpf_probe_read_kernel_common: copy size bytes or fail with -EFAULT and a zeroed dst. */
export function probeRead(call: HelperCall): number {
  const dst = call.argNum(1);
  const size = call.argU32(2);
  call.checkMem(dst, size, PERM_WRITE, "probe_read destination");
  const u8 = call.space.u8;
  if (size === 0) return 0;
  const src = readable(call, call.arg(3), size);
  if (src === undefined) {
    u8.fill(0, dst, dst + size);
    return EFAULT;
  }
  u8.copyWithin(dst, src, src + size);
  return 0;
}

/**
 * strncpy_from_kernel_nofault: copies up to size-1 bytes and the NUL; returns the length copied
 * including the NUL (size when truncated); -EFAULT and a zeroed dst when a byte cannot be read.
 */
export function probeReadStr(call: HelperCall): number {
  const dst = call.argNum(1);
  const size = call.argU32(2);
  call.checkMem(dst, size, PERM_WRITE, "probe_read_str destination");
  if (size === 0) return 0;
  const u8 = call.space.u8;
  const srcBig = call.arg(3);
  for (let i = 0; i < size; i++) {
    const a = readable(call, srcBig + BigInt(i), 1);
    if (a === undefined) {
      u8.fill(0, dst, dst + size);
      return EFAULT;
    }
    const b = u8[a]!;
    if (i === size - 1) {
      u8[dst + i] = 0;
      return size;
    }
    u8[dst + i] = b;
    if (b === 0) return i + 1;
  }
  return size;
}

const PROTO = { ret: "RET_INTEGER", args: ["ARG_PTR_TO_UNINIT_MEM", "ARG_CONST_SIZE_OR_ZERO", "ARG_ANYTHING"] };

export function probeHelpers(): HelperDef[] {
  return [
    { id: 4, name: "probe_read", fn: probeRead, proto: PROTO },
    { id: 45, name: "probe_read_str", fn: probeReadStr, proto: PROTO },
    { id: 112, name: "probe_read_user", fn: probeRead, proto: PROTO },
    { id: 113, name: "probe_read_kernel", fn: probeRead, proto: PROTO },
    { id: 114, name: "probe_read_user_str", fn: probeReadStr, proto: PROTO },
    { id: 115, name: "probe_read_kernel_str", fn: probeReadStr, proto: PROTO },
  ];
}
