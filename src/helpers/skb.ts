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
import { SKB } from "../progtypes/sk-buff.js";

const EINVAL = -22;
const EFAULT = -14;
const ENOMEM = -12;
const EALREADY = -114;
/** The kernel-internal ENOTSUPP (524) that several skb helpers return. */
const ENOTSUPP = -524;

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
/**
 * BPF_SKB_MAX_LEN = SKB_MAX_ALLOC (SKB_WITH_OVERHEAD(4 pages) on x86_64): the largest skb
 * change_tail / change_head / adjust_room may make, measured on Linux 6.18 (16064 bytes).
 */
const SKB_MAX_LEN = 16384 - 320;

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
  if (flags & BigInt(BPF_F_INVALIDATE_HASH)) clearHash(call, c);
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

/** skb->protocol as the __sk_buff field holds it (network-order u16 loaded little-endian). */
const PROTO_IP = 0x0008;
const PROTO_IPV6 = 0xdd86;
const IPV4_HLEN = 20;
const IPV6_HLEN = 40;

function skbProtocol(call: HelperCall, c: NetRunContext): number {
  return call.space.view.getUint32(c.ctx + SKB.protocol, true);
}

function setSkbProtocol(call: HelperCall, c: NetRunContext, proto: number): void {
  call.space.view.setUint32(c.ctx + SKB.protocol, proto, true);
}

/** bpf_skb_generic_push at `off` from data: `len` zero bytes inserted, headers before them move up. */
function netHdrPush(call: HelperCall, c: NetRunContext, off: number, len: number): void {
  const p = c.packet;
  p.reserve(len, 0);
  call.space.refresh();
  const u8 = call.space.u8;
  u8.copyWithin(p.data - len, p.data, p.data + off);
  p.data -= len;
  u8.fill(0, p.data + off, p.data + off + len);
  p.mac -= len;
  p.network -= len;
}

/** bpf_skb_generic_pop: removes `len` bytes at `off` from data (skb_postpull_rcsum first). */
function netHdrPop(call: HelperCall, c: NetRunContext, off: number, len: number): number {
  const p = c.packet;
  if (off + len > p.dataEnd - p.data) return ENOMEM;
  const u8 = call.space.u8;
  if (p.csum !== undefined) p.csum = csumSub(p.csum, csumPartial(u8, p.data + off, len, 0));
  u8.copyWithin(p.data + len, p.data, p.data + off);
  p.data += len;
  p.mac += len;
  p.network += len;
  return 0;
}

/** bpf_skb_change_head: pushes head_room zero bytes in front of data and resets the mac header there. */
export function skbChangeHead(call: HelperCall): number {
  const c = netContext(call, "skb_change_head");
  const p = c.packet;
  const headRoom = call.argU32(2);
  const flags = call.arg(3);
  const len = p.dataEnd - p.data;
  const newLen = (len + headRoom) >>> 0;
  if (flags !== 0n || newLen > SKB_MAX_LEN || newLen < len) return EINVAL;
  p.reserve(headRoom, 0);
  call.space.refresh();
  p.data -= headRoom;
  call.space.u8.fill(0, p.data, p.data + headRoom);
  p.mac = p.data;
  p.sync();
  return 0;
}

export const BPF_ADJ_ROOM_NET = 0;
export const BPF_ADJ_ROOM_MAC = 1;
export const BPF_F_ADJ_ROOM_FIXED_GSO = 1 << 0;
export const BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 = 1 << 1;
export const BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 = 1 << 2;
export const BPF_F_ADJ_ROOM_ENCAP_L4_GRE = 1 << 3;
export const BPF_F_ADJ_ROOM_ENCAP_L4_UDP = 1 << 4;
export const BPF_F_ADJ_ROOM_NO_CSUM_RESET = 1 << 5;
export const BPF_F_ADJ_ROOM_ENCAP_L2_ETH = 1 << 6;
export const BPF_F_ADJ_ROOM_DECAP_L3_IPV4 = 1 << 7;
export const BPF_F_ADJ_ROOM_DECAP_L3_IPV6 = 1 << 8;
const ADJ_ROOM_ENCAP_L2_SHIFT = 56n;
const ADJ_ROOM_ENCAP_L3_MASK = BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6;
const ADJ_ROOM_DECAP_L3_MASK = BPF_F_ADJ_ROOM_DECAP_L3_IPV4 | BPF_F_ADJ_ROOM_DECAP_L3_IPV6;
const ADJ_ROOM_MASK =
  BigInt(BPF_F_ADJ_ROOM_FIXED_GSO | ADJ_ROOM_ENCAP_L3_MASK | BPF_F_ADJ_ROOM_ENCAP_L4_GRE | BPF_F_ADJ_ROOM_ENCAP_L4_UDP |
    BPF_F_ADJ_ROOM_ENCAP_L2_ETH | ADJ_ROOM_DECAP_L3_MASK | BPF_F_ADJ_ROOM_NO_CSUM_RESET) | (0xffn << ADJ_ROOM_ENCAP_L2_SHIFT);

/**
 * bpf_skb_adjust_room: grows (zero bytes) or shrinks room at the mac header end (BPF_ADJ_ROOM_MAC)
 * or after the base network header (BPF_ADJ_ROOM_NET) of an IPv4/IPv6 skb. The test-run skb is
 * never GSO, so the GSO rules reduce to their non-GSO branches.
 */
export function skbAdjustRoom(call: HelperCall): number {
  const c = netContext(call, "skb_adjust_room");
  const p = c.packet;
  const lenDiff = call.argI32(2);
  const mode = call.argU32(3);
  const flags64 = call.arg(4);
  const abs = Math.abs(lenDiff) >>> 0;
  const shrink = lenDiff < 0;
  if (flags64 & ~ADJ_ROOM_MASK) return EINVAL;
  if (abs > 0xfff) return EFAULT;
  const proto = skbProtocol(call, c);
  if (proto !== PROTO_IP && proto !== PROTO_IPV6) return ENOTSUPP;
  const baseLen = proto === PROTO_IP ? IPV4_HLEN : IPV6_HLEN;
  let lenMin = baseLen;
  const macLen = p.network - p.mac;
  let off = macLen;
  if (mode === BPF_ADJ_ROOM_NET) off += baseLen;
  else if (mode !== BPF_ADJ_ROOM_MAC) return ENOTSUPP;
  const flags = Number(flags64 & 0xffffffffn);
  if (flags & ADJ_ROOM_DECAP_L3_MASK) {
    if (!shrink) return EINVAL;
    const d = flags & ADJ_ROOM_DECAP_L3_MASK;
    if (d === BPF_F_ADJ_ROOM_DECAP_L3_IPV4) lenMin = IPV4_HLEN;
    else if (d === BPF_F_ADJ_ROOM_DECAP_L3_IPV6) lenMin = IPV6_HLEN;
    else return EINVAL;
  }
  const len = p.dataEnd - p.data;
  const lenCur = len - (p.network - p.data);
  if ((shrink && (abs >= lenCur || lenCur - abs < lenMin)) || (!shrink && len + abs > SKB_MAX_LEN)) return ENOTSUPP;
  let ret: number;
  if (shrink) {
    if (flags64 & ~BigInt(BPF_F_ADJ_ROOM_FIXED_GSO | ADJ_ROOM_DECAP_L3_MASK | BPF_F_ADJ_ROOM_NO_CSUM_RESET)) return EINVAL;
    ret = netHdrPop(call, c, off, abs);
    if (ret === 0) {
      if (proto === PROTO_IP && flags & BPF_F_ADJ_ROOM_DECAP_L3_IPV6) setSkbProtocol(call, c, PROTO_IPV6);
      else if (proto === PROTO_IPV6 && flags & BPF_F_ADJ_ROOM_DECAP_L3_IPV4) setSkbProtocol(call, c, PROTO_IP);
    }
  } else {
    ret = adjustRoomGrow(call, c, off, abs, flags, Number(flags64 >> ADJ_ROOM_ENCAP_L2_SHIFT));
  }
  p.sync();
  return ret;
}

function adjustRoomGrow(call: HelperCall, c: NetRunContext, off: number, lenDiff: number, flags: number, innerMacLen: number): number {
  const encap = (flags & ADJ_ROOM_ENCAP_L3_MASK) !== 0;
  if (encap) {
    if ((flags & ADJ_ROOM_ENCAP_L3_MASK) === ADJ_ROOM_ENCAP_L3_MASK) return EINVAL;
    if (flags & BPF_F_ADJ_ROOM_ENCAP_L4_GRE && flags & BPF_F_ADJ_ROOM_ENCAP_L4_UDP) return EINVAL;
    if (flags & BPF_F_ADJ_ROOM_ENCAP_L2_ETH && innerMacLen < 14) return EINVAL;
    if (c.encapsulation) return EALREADY;
    if (innerMacLen > lenDiff) return EINVAL;
  }
  netHdrPush(call, c, off, lenDiff);
  if (encap) {
    c.encapsulation = true;
    const proto = skbProtocol(call, c);
    if (proto === PROTO_IP && flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV6) setSkbProtocol(call, c, PROTO_IPV6);
    else if (proto === PROTO_IPV6 && flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV4) setSkbProtocol(call, c, PROTO_IP);
  }
  return 0;
}

/** bpf_skb_change_proto: IPv4 <-> IPv6 by growing/shrinking 20 bytes after the mac header. */
export function skbChangeProto(call: HelperCall): number {
  const c = netContext(call, "skb_change_proto");
  const p = c.packet;
  const to = call.argU32(2) & 0xffff;
  if (call.arg(3) !== 0n) return EINVAL;
  const from = skbProtocol(call, c);
  const off = p.network - p.mac;
  const diff = IPV6_HLEN - IPV4_HLEN;
  let ret: number;
  if (from === PROTO_IP && to === PROTO_IPV6) {
    netHdrPush(call, c, off, diff);
    setSkbProtocol(call, c, PROTO_IPV6);
    clearHash(call, c);
    ret = 0;
  } else if (from === PROTO_IPV6 && to === PROTO_IP) {
    ret = netHdrPop(call, c, off, diff);
    if (ret === 0) {
      setSkbProtocol(call, c, PROTO_IP);
      clearHash(call, c);
    }
  } else {
    ret = ENOTSUPP;
  }
  p.sync();
  return ret;
}

export const BPF_HDR_START_MAC = 0;
export const BPF_HDR_START_NET = 1;

/** bpf_skb_load_bytes_relative: bytes from the mac or network header up to the tail. */
export function skbLoadBytesRelative(call: HelperCall): number {
  const c = netContext(call, "skb_load_bytes_relative");
  const offset = call.argU32(2);
  const to = call.argNum(3);
  const len = call.argU32(4);
  const start = call.argU32(5);
  call.checkMem(to, len, PERM_WRITE, "skb_load_bytes_relative buffer");
  const p = c.packet;
  const u8 = call.space.u8;
  const base = start === BPF_HDR_START_MAC ? p.mac : start === BPF_HDR_START_NET ? p.network : -1;
  if (offset > 0xffff || base < 0 || base + offset + len > p.dataEnd) {
    u8.fill(0, to, to + len);
    return EFAULT;
  }
  u8.copyWithin(to, base + offset, base + offset + len);
  return 0;
}

/**
 * bpf_get_hash_recalc: skb_get_hash. A hash set by bpf_set_hash (or computed before) comes back
 * as it is. Otherwise the kernel runs the flow dissector with a per-boot random seed, so the value
 * cannot be reproduced; this runtime computes a deterministic non-zero FNV-1a hash of the bytes
 * from the network header on (stored in __sk_buff->hash as the kernel stores its own).
 */
export function getHashRecalc(call: HelperCall): number {
  const c = netContext(call, "get_hash_recalc");
  const v = call.space.view;
  if (c.swHash) return v.getUint32(c.ctx + SKB.hash, true);
  const p = c.packet;
  const u8 = call.space.u8;
  let h = 0x811c9dc5;
  for (let i = p.network; i < p.dataEnd; i++) h = Math.imul(h ^ u8[i]!, 0x01000193);
  h = h >>> 0 || 1;
  v.setUint32(c.ctx + SKB.hash, h, true);
  c.swHash = true;
  c.hashInvalid = false;
  return h;
}

/** bpf_set_hash: __skb_set_sw_hash(skb, hash, true). */
export function setHash(call: HelperCall): number {
  const c = netContext(call, "set_hash");
  call.space.view.setUint32(c.ctx + SKB.hash, call.argU32(2), true);
  c.swHash = true;
  c.hashInvalid = false;
  return 0;
}

/** bpf_csum_update: adds to skb->csum when the skb is CHECKSUM_COMPLETE, else -ENOTSUPP. */
export function csumUpdate(call: HelperCall): number | bigint {
  const c = netContext(call, "csum_update");
  const p = c.packet;
  if (p.csum === undefined) return ENOTSUPP;
  p.csum = csumAdd(p.csum, call.argU32(2));
  return BigInt(p.csum);
}

const VLAN_HLEN = 4;
/** ETH_P_8021Q / ETH_P_8021AD as the __be16 a program passes (bpf_htons), read little-endian. */
const VLAN_8021Q = 0x0081;
const VLAN_8021AD = 0xa888;

function vlanTag(call: HelperCall, c: NetRunContext): { present: boolean; proto: number; tci: number } {
  const v = call.space.view;
  return { present: v.getUint32(c.ctx + SKB.vlan_present, true) !== 0, proto: v.getUint32(c.ctx + SKB.vlan_proto, true), tci: v.getUint32(c.ctx + SKB.vlan_tci, true) };
}

/** __vlan_hwaccel_put_tag / __vlan_hwaccel_clear_tag, mirrored in the __sk_buff vlan fields. */
function setVlanTag(call: HelperCall, c: NetRunContext, proto: number, tci: number): void {
  const v = call.space.view;
  v.setUint32(c.ctx + SKB.vlan_present, proto || tci ? 1 : 0, true);
  v.setUint32(c.ctx + SKB.vlan_proto, proto, true);
  v.setUint32(c.ctx + SKB.vlan_tci, tci, true);
}

const isVlanProto = (p: number): boolean => p === VLAN_8021Q || p === VLAN_8021AD;

/**
 * bpf_skb_vlan_push: the new tag goes to the skb's (hardware-accelerated) tag; a tag already there
 * is first written into the packet after the mac addresses (__vlan_insert_tag), and skb->protocol
 * becomes its TPID. The tag itself is only visible through __sk_buff->vlan_present/tci/proto.
 */
export function skbVlanPush(call: HelperCall): number {
  const c = netContext(call, "skb_vlan_push");
  const p = c.packet;
  let proto = call.argU32(2) & 0xffff;
  const tci = call.argU32(3) & 0xffff;
  if (!isVlanProto(proto)) proto = VLAN_8021Q;
  const old = vlanTag(call, c);
  if (old.present) {
    if (p.data !== p.mac) return EINVAL;
    p.reserve(VLAN_HLEN, 0);
    call.space.refresh();
    const u8 = call.space.u8;
    u8.copyWithin(p.data - VLAN_HLEN, p.data, p.data + 12);
    p.data -= VLAN_HLEN;
    p.mac -= VLAN_HLEN;
    // As Linux 6.18 does (skb->network_header -= VLAN_HLEN): the network header keeps its offset.
    p.network -= VLAN_HLEN;
    u8[p.data + 12] = old.proto & 0xff;
    u8[p.data + 13] = old.proto >> 8;
    u8[p.data + 14] = (old.tci >> 8) & 0xff;
    u8[p.data + 15] = old.tci & 0xff;
    if (p.csum !== undefined) p.csum = csumAdd(p.csum, csumPartial(u8, p.data + 12, VLAN_HLEN, 0));
    setSkbProtocol(call, c, old.proto);
  }
  setVlanTag(call, c, proto, tci);
  p.sync();
  return 0;
}

/** __skb_vlan_pop: removes the tag after the mac addresses of the packet; returns the TCI or an errno. */
function vlanPopFromPacket(call: HelperCall, c: NetRunContext): number {
  const p = c.packet;
  if (p.data !== p.mac) return EINVAL;
  if (p.dataEnd - p.data < 14 + VLAN_HLEN) return ENOMEM;
  const u8 = call.space.u8;
  if (p.csum !== undefined) p.csum = csumSub(p.csum, csumPartial(u8, p.data + 12, VLAN_HLEN, 0));
  const tci = (u8[p.data + 14]! << 8) | u8[p.data + 15]!;
  const encap = u8[p.data + 16]! | (u8[p.data + 17]! << 8);
  u8.copyWithin(p.data + VLAN_HLEN, p.data, p.data + 12);
  // vlan_set_encap_proto: an 802.3 length field means ETH_P_802_3 (raw IPX) or ETH_P_802_2.
  let proto = encap;
  if (((encap & 0xff) << 8 | (encap >> 8)) < 0x600) proto = u8[p.data] === 0xff && u8[p.data + 1] === 0xff ? 0x0100 : 0x0400;
  setSkbProtocol(call, c, proto);
  p.data += VLAN_HLEN;
  p.mac += VLAN_HLEN;
  if (p.network - p.data < 14) p.network = p.data + 14;
  return tci;
}

/** bpf_skb_vlan_pop: drops the skb's tag (or the packet's outer tag) and moves the next packet tag up. */
export function skbVlanPop(call: HelperCall): number {
  const c = netContext(call, "skb_vlan_pop");
  const p = c.packet;
  const ret = vlanPop(call, c);
  p.sync();
  return ret;
}

function vlanPop(call: HelperCall, c: NetRunContext): number {
  if (vlanTag(call, c).present) {
    setVlanTag(call, c, 0, 0);
  } else {
    if (!isVlanProto(skbProtocol(call, c))) return 0;
    const r = vlanPopFromPacket(call, c);
    if (r < 0) return r;
  }
  const proto = skbProtocol(call, c);
  if (!isVlanProto(proto)) return 0;
  const tci = vlanPopFromPacket(call, c);
  if (tci < 0) return tci;
  setVlanTag(call, c, proto, tci);
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

/** skb_clear_hash: hash 0, neither software nor L4 hash (the __sk_buff field follows). */
function clearHash(call: HelperCall, c: NetRunContext): void {
  c.hashInvalid = true;
  c.swHash = false;
  call.space.view.setUint32(c.ctx + SKB.hash, 0, true);
}

export function setHashInvalid(call: HelperCall): void {
  const c = netContext(call, "set_hash_invalid");
  clearHash(call, c);
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
  { id: 43, name: "skb_change_head", fn: skbChangeHead, proto: { ret: "RET_INTEGER", args: [CTX, ANY, ANY] }, progTypes: TC_TYPES },
  { id: 50, name: "skb_adjust_room", fn: skbAdjustRoom, proto: { ret: "RET_INTEGER", args: [CTX, ANY, ANY, ANY] }, progTypes: TC_TYPES },
  { id: 31, name: "skb_change_proto", fn: skbChangeProto, proto: { ret: "RET_INTEGER", args: [CTX, ANY, ANY] }, progTypes: TC_TYPES },
  { id: 68, name: "skb_load_bytes_relative", fn: skbLoadBytesRelative, proto: { ret: "RET_INTEGER", args: [CTX, ANY, "ARG_PTR_TO_UNINIT_MEM", "ARG_CONST_SIZE", ANY] }, progTypes: SKB_TYPES },
  { id: 34, name: "get_hash_recalc", fn: getHashRecalc, proto: { ret: "RET_INTEGER", args: [CTX] }, progTypes: TC_TYPES },
  { id: 48, name: "set_hash", fn: setHash, proto: { ret: "RET_INTEGER", args: [CTX, ANY] }, progTypes: TC_TYPES },
  { id: 18, name: "skb_vlan_push", fn: skbVlanPush, proto: { ret: "RET_INTEGER", args: [CTX, ANY, ANY] }, progTypes: TC_TYPES },
  { id: 19, name: "skb_vlan_pop", fn: skbVlanPop, proto: { ret: "RET_INTEGER", args: [CTX] }, progTypes: TC_TYPES },
  { id: 40, name: "csum_update", fn: csumUpdate, proto: { ret: "RET_INTEGER", args: [CTX, ANY] }, progTypes: TC_TYPES },
];
