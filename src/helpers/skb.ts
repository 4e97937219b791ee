/**
 * Socket-buffer helpers (net/core/filter.c): skb_load_bytes, skb_store_bytes, l3/l4_csum_replace,
 * csum_diff, skb_pull_data, skb_change_tail, redirect (tc and xdp flavours), set_hash_invalid.
 * They work on the PacketState of the run context (progtypes/packet.ts) and keep the context
 * fields that mirror the packet (len, data, data_end) in step, as bpf_compute_data_pointers does.
 */
import { VmError } from "../errors.js";
import type { NetRunContext } from "../progtypes/types.js";
import { PERM_READ, PERM_WRITE } from "../vm/memory.js";
import { runContext } from "./context.js";
import { csum16Add, csumAdd, csumFold, csumFrom32to16, csumPartial, csumSub, csumWords } from "./csum.js";
import type { HelperCall, HelperDef } from "./registry.js";

const EINVAL = -22;
const EFAULT = -14;
const ENOMEM = -12;

export const BPF_F_RECOMPUTE_CSUM = 1 << 0;
export const BPF_F_INVALIDATE_HASH = 1 << 1;
export const BPF_F_HDR_FIELD_MASK = 0xf;
export const BPF_F_PSEUDO_HDR = 1 << 4;
export const BPF_F_MARK_MANGLED_0 = 1 << 5;
export const BPF_F_MARK_ENFORCE = 1 << 6;
export const BPF_F_IPV6 = 1 << 7;
export const BPF_F_INGRESS = 1 << 0;
const CSUM_MANGLED_0 = 0xffff;
const INT_MAX = 0x7fffffff;
/** __bpf_skb_max_len for the loopback device: mtu 65536 + hard_header_len 14. */
const SKB_MAX_LEN = 65536 + 14;

const TC_ACT_SHOT = 2;
const TC_ACT_REDIRECT = 7;
const XDP_ABORTED = 0;
const XDP_REDIRECT = 4;

const SKB_TYPES = ["socket_filter", "sched_cls", "sched_act", "cgroup_skb"] as const;
const TC_TYPES = ["sched_cls", "sched_act"] as const;

/** The run's packet, or a fault when the program is not a packet program. */
export function netContext(call: HelperCall, helper: string): NetRunContext {
  const c = runContext<NetRunContext>(call);
  if (!c.packet) throw new VmError("EINVAL", `bpf_${helper} needs a packet (run the program through a test run of a network program type)`, call.pc);
  return c;
}

function u16At(call: HelperCall, addr: number): number {
  return call.space.view.getUint16(addr, true);
}

/** csum_block_add / csum_block_sub: a partial sum of bytes at an odd offset is byte-rotated. */
function csumShift(sum: number, offset: number): number {
  return offset & 1 ? ((sum >>> 8) | (sum << 24)) >>> 0 : sum >>> 0;
}

export function skbLoadBytes(call: HelperCall): number {
  const c = netContext(call, "skb_load_bytes");
  const offset = call.argU32(2);
  const to = call.argNum(3);
  const len = call.argU32(4);
  call.checkMem(to, len, PERM_WRITE, "skb_load_bytes buffer");
  const p = c.packet;
  const u8 = call.space.u8;
  if (offset > INT_MAX || offset + len > p.dataEnd - p.data) {
    u8.fill(0, to, to + len);
    return EFAULT;
  }
  u8.copyWithin(to, p.data + offset, p.data + offset + len);
  return 0;
}

export function skbStoreBytes(call: HelperCall): number {
  const c = netContext(call, "skb_store_bytes");
  const offset = call.argU32(2);
  const from = call.argNum(3);
  const len = call.argU32(4);
  const flags = call.arg(5);
  call.checkMem(from, len, PERM_READ, "skb_store_bytes source");
  if (flags & ~BigInt(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH)) return EINVAL;
  const p = c.packet;
  if (offset > INT_MAX || offset + len > p.dataEnd - p.data) return EFAULT;
  const u8 = call.space.u8;
  const ptr = p.data + offset;
  const recompute = (flags & BigInt(BPF_F_RECOMPUTE_CSUM)) !== 0n && p.csum !== undefined;
  if (recompute) p.csum = csumSub(p.csum!, csumShift(csumPartial(u8, ptr, len, 0), offset));
  u8.copyWithin(ptr, from, from + len);
  if (recompute) p.csum = csumAdd(p.csum!, csumShift(csumPartial(u8, ptr, len, 0), offset));
  if (flags & BigInt(BPF_F_INVALIDATE_HASH)) c.hashInvalid = true;
  p.sync();
  return 0;
}

/** Common checks of l3/l4_csum_replace: returns the address of the checksum or an errno. */
function csumField(call: HelperCall, c: NetRunContext): number {
  const offset = call.argU32(2);
  const p = c.packet;
  if (offset > 0xffff || offset & 1) return EFAULT;
  if (offset + 2 > p.dataEnd - p.data) return EFAULT;
  return p.data + offset;
}

export function l3CsumReplace(call: HelperCall): number {
  const c = netContext(call, "l3_csum_replace");
  const flags = call.arg(5);
  if (flags & ~BigInt(BPF_F_HDR_FIELD_MASK)) return EINVAL;
  const ptr = csumField(call, c);
  if (ptr < 0) return ptr;
  const from = call.arg(3);
  const to = call.arg(4);
  const sum = u16At(call, ptr);
  let out: number;
  switch (Number(flags & 0xfn)) {
    case 0:
      if (from !== 0n) return EINVAL;
      out = csumFold(csumAdd(Number(to & 0xffffffffn), ~sum >>> 0));
      break;
    case 2: {
      const old = Number(from & 0xffffn);
      const neu = Number(to & 0xffffn);
      out = ~csum16Add(csum16Add(~sum & 0xffff, ~old & 0xffff), neu) & 0xffff;
      break;
    }
    case 4: {
      const tmp = csumSub(~sum >>> 0, Number(from & 0xffffffffn));
      out = csumFold(csumAdd(tmp, Number(to & 0xffffffffn)));
      break;
    }
    default:
      return EINVAL;
  }
  call.space.view.setUint16(ptr, out, true);
  return 0;
}

export function l4CsumReplace(call: HelperCall): number {
  const c = netContext(call, "l4_csum_replace");
  const flags = Number(call.arg(5) & 0xffffffffn);
  if (call.arg(5) > 0xffffffffn || flags & ~(BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR | BPF_F_HDR_FIELD_MASK | BPF_F_IPV6)) return EINVAL;
  const ptr = csumField(call, c);
  if (ptr < 0) return ptr;
  const isPseudo = (flags & BPF_F_PSEUDO_HDR) !== 0;
  const isMmzero = (flags & BPF_F_MARK_MANGLED_0) !== 0;
  const doMforce = (flags & BPF_F_MARK_ENFORCE) !== 0;
  const isIpv6 = (flags & BPF_F_IPV6) !== 0;
  const p = c.packet;
  const sum = u16At(call, ptr);
  if (isMmzero && !doMforce && sum === 0) return 0;
  const from = call.arg(3);
  const to = call.arg(4);
  let out: number;
  // The test-run skb is CHECKSUM_NONE, or CHECKSUM_COMPLETE with BPF_F_TEST_SKB_CHECKSUM_COMPLETE.
  switch (flags & BPF_F_HDR_FIELD_MASK) {
    case 0: {
      if (from !== 0n) return EINVAL;
      const diff = Number(to & 0xffffffffn);
      out = csumFold(csumAdd(diff, ~sum >>> 0));
      if (p.csum !== undefined && isPseudo && !isIpv6) p.csum = ~csumAdd(diff, ~p.csum >>> 0) >>> 0;
      break;
    }
    case 2:
    case 4: {
      const mask = (flags & BPF_F_HDR_FIELD_MASK) === 2 ? 0xffffn : 0xffffffffn;
      const f = Number(from & mask);
      const t = Number(to & mask);
      out = csumFold(csumWords([~f >>> 0, t], ~sum >>> 0));
      if (p.csum !== undefined && isPseudo) p.csum = ~csumWords([~f >>> 0, t], ~p.csum >>> 0) >>> 0;
      break;
    }
    default:
      return EINVAL;
  }
  if (isMmzero && out === 0) out = CSUM_MANGLED_0;
  call.space.view.setUint16(ptr, out, true);
  return 0;
}

export function csumDiff(call: HelperCall): number {
  const from = call.argNum(1);
  const fromSize = call.argU32(2);
  const to = call.argNum(3);
  const toSize = call.argU32(4);
  const seed = call.argU32(5);
  if (fromSize) call.checkMem(from, fromSize, PERM_READ, "csum_diff from");
  if (toSize) call.checkMem(to, toSize, PERM_READ, "csum_diff to");
  const u8 = call.space.u8;
  let ret = seed;
  if (fromSize && toSize) ret = csumSub(csumPartial(u8, to, toSize, ret), csumPartial(u8, from, fromSize, 0));
  else if (toSize) ret = csumPartial(u8, to, toSize, ret);
  else if (fromSize) ret = ~csumPartial(u8, from, fromSize, ~ret >>> 0) >>> 0;
  return csumFrom32to16(ret);
}

export function skbPullData(call: HelperCall): number {
  const c = netContext(call, "skb_pull_data");
  const p = c.packet;
  const len = call.argU32(2) || p.dataEnd - p.data;
  const r = len > p.dataEnd - p.data ? ENOMEM : 0;
  p.sync();
  return r;
}

export function skbChangeTail(call: HelperCall): number {
  const c = netContext(call, "skb_change_tail");
  const p = c.packet;
  const newLen = call.argU32(2);
  const flags = call.arg(3);
  const minLen = Math.max(0, p.network - p.data);
  if (flags !== 0n || newLen > SKB_MAX_LEN || newLen < minLen) return EINVAL;
  const len = p.dataEnd - p.data;
  const u8 = call.space.u8;
  if (newLen > len) {
    p.reserve(0, newLen - len);
    call.space.refresh();
    call.space.u8.fill(0, p.dataEnd, p.data + newLen);
  } else if (newLen < len && p.csum !== undefined) {
    p.csum = csumSub(p.csum, csumShift(csumPartial(u8, p.data + newLen, len - newLen, 0), newLen));
  }
  p.dataEnd = p.data + newLen;
  p.sync();
  return 0;
}

/** bpf_redirect: tc returns TC_ACT_REDIRECT (TC_ACT_SHOT on bad flags), xdp XDP_REDIRECT (XDP_ABORTED). */
export function redirect(call: HelperCall): number {
  const c = runContext<NetRunContext>(call);
  const ifindex = call.argU32(1);
  const flags = call.arg(2);
  if (c.progType === "xdp") {
    if (flags !== 0n) return XDP_ABORTED;
    c.redirect = { ifindex, flags: 0 };
    return XDP_REDIRECT;
  }
  if (flags & ~BigInt(BPF_F_INGRESS)) return TC_ACT_SHOT;
  c.redirect = { ifindex, flags: Number(flags) };
  return TC_ACT_REDIRECT;
}

export function setHashInvalid(call: HelperCall): void {
  const c = netContext(call, "set_hash_invalid");
  c.hashInvalid = true;
}

const CTX = "ARG_PTR_TO_CTX";
const ANY = "ARG_ANYTHING";

export const skbHelpers: readonly HelperDef[] = [
  { id: 26, name: "skb_load_bytes", fn: skbLoadBytes, proto: { ret: "RET_INTEGER", args: [CTX, ANY, "ARG_PTR_TO_UNINIT_MEM", "ARG_CONST_SIZE"] }, progTypes: SKB_TYPES },
  { id: 9, name: "skb_store_bytes", fn: skbStoreBytes, proto: { ret: "RET_INTEGER", args: [CTX, ANY, "ARG_PTR_TO_MEM | MEM_RDONLY", "ARG_CONST_SIZE", ANY] }, progTypes: TC_TYPES },
  { id: 10, name: "l3_csum_replace", fn: l3CsumReplace, proto: { ret: "RET_INTEGER", args: [CTX, ANY, ANY, ANY, ANY] }, progTypes: TC_TYPES },
  { id: 11, name: "l4_csum_replace", fn: l4CsumReplace, proto: { ret: "RET_INTEGER", args: [CTX, ANY, ANY, ANY, ANY] }, progTypes: TC_TYPES },
  { id: 28, name: "csum_diff", fn: csumDiff, proto: { ret: "RET_INTEGER", args: ["ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY", "ARG_CONST_SIZE_OR_ZERO", "ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY", "ARG_CONST_SIZE_OR_ZERO", ANY] }, progTypes: ["sched_cls", "sched_act", "xdp"] },
  { id: 39, name: "skb_pull_data", fn: skbPullData, proto: { ret: "RET_INTEGER", args: [CTX, ANY] }, progTypes: TC_TYPES },
  { id: 38, name: "skb_change_tail", fn: skbChangeTail, proto: { ret: "RET_INTEGER", args: [CTX, ANY, ANY] }, progTypes: TC_TYPES },
  { id: 23, name: "redirect", fn: redirect, proto: { ret: "RET_INTEGER", args: [ANY, ANY] }, progTypes: ["sched_cls", "sched_act", "xdp"] },
  { id: 41, name: "set_hash_invalid", fn: setHashInvalid, proto: { ret: "RET_VOID", args: [CTX] }, progTypes: TC_TYPES },
];
