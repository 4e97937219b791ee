/**
 * XDP helpers (net/core/filter.c): xdp_adjust_head, xdp_adjust_tail, xdp_adjust_meta with the
 * kernel's bounds and errnos, on the test-run frame (progtypes/packet.ts): data may not move
 * below data_hard_start + sizeof(struct xdp_frame) nor leave less than ETH_HLEN bytes; data_end
 * may not pass the frame end minus the skb_shared_info tailroom.
 */
import { XDP_FRAME_STRUCT_SIZE } from "../progtypes/xdp.js";
import { PERM_READ, PERM_WRITE } from "../vm/memory.js";
import type { HelperCall, HelperDef } from "./registry.js";
import { netContext } from "./skb.js";

const EINVAL = -22;
const EFAULT = -14;
/** type_max(skb_shared_info.meta_len): metadata may be up to 255 bytes (4-byte multiples). */
export const XDP_METALEN_MAX = 255;
const EACCES = -13;
const ETH_HLEN = 14;

function metalenInvalid(len: number): boolean {
  return (len & 3) !== 0 || len > XDP_METALEN_MAX;
}

export function xdpAdjustHead(call: HelperCall): number {
  const p = netContext(call, "xdp_adjust_head").packet;
  const offset = call.argI32(2);
  const metalen = p.data - p.dataMeta;
  const dataStart = p.head + XDP_FRAME_STRUCT_SIZE + metalen;
  const data = p.data + offset;
  if (data < dataStart || data > p.dataEnd - ETH_HLEN) return EINVAL;
  if (metalen) call.space.u8.copyWithin(p.dataMeta + offset, p.dataMeta, p.dataMeta + metalen);
  p.dataMeta += offset;
  p.data = data;
  p.sync();
  return 0;
}

export function xdpAdjustTail(call: HelperCall): number {
  const c = netContext(call, "xdp_adjust_tail");
  const p = c.packet;
  const offset = call.argI32(2);
  const dataEnd = p.dataEnd + offset;
  if (dataEnd > p.limit) return EINVAL;
  if (dataEnd < p.data + ETH_HLEN) return EINVAL;
  if (offset > 0) call.space.u8.fill(0, p.dataEnd, dataEnd);
  p.dataEnd = dataEnd;
  p.sync();
  return 0;
}

export function xdpAdjustMeta(call: HelperCall): number {
  const p = netContext(call, "xdp_adjust_meta").packet;
  const offset = call.argI32(2);
  const meta = p.dataMeta + offset;
  const metalen = p.data - meta;
  if (meta < p.head + XDP_FRAME_STRUCT_SIZE || meta > p.data) return EINVAL;
  if (metalenInvalid(metalen)) return EACCES;
  p.dataMeta = meta;
  p.sync();
  return 0;
}

/** xdp_get_buff_len: the linear part plus the fragments (data_in beyond the linear part). */
export function xdpGetBuffLen(call: HelperCall): number {
  const c = netContext(call, "xdp_get_buff_len");
  return c.packet.dataEnd - c.packet.data + (c.frags?.length ?? c.fragsSize ?? 0);
}

/**
 * bpf_xdp_load_bytes / bpf_xdp_store_bytes (bpf_xdp_pointer + bpf_xdp_copy_buf): offset and len
 * above 0xffff are -EFAULT, a range past the buffer (linear + fragments) -EINVAL; a range may span
 * the linear part and the fragments.
 */
function xdpCopy(call: HelperCall, store: boolean): number {
  const name = store ? "xdp_store_bytes" : "xdp_load_bytes";
  const c = netContext(call, name);
  const offset = call.argU32(2);
  const buf = call.argNum(3);
  const len = call.argU32(4);
  call.checkMem(buf, len, store ? PERM_READ : PERM_WRITE, `${name} buffer`);
  if (offset > 0xffff || len > 0xffff) return EFAULT;
  const p = c.packet;
  const linear = p.dataEnd - p.data;
  const frags = c.frags;
  if (offset + len > linear + (frags?.length ?? c.fragsSize ?? 0)) return EINVAL;
  const u8 = call.space.u8;
  const inLinear = Math.max(0, Math.min(len, linear - offset));
  if (inLinear > 0) {
    if (store) u8.copyWithin(p.data + offset, buf, buf + inLinear);
    else u8.copyWithin(buf, p.data + offset, p.data + offset + inLinear);
  }
  const rest = len - inLinear;
  if (rest > 0 && frags) {
    const fo = offset + inLinear - linear;
    if (store) frags.set(u8.subarray(buf + inLinear, buf + len), fo);
    else u8.set(frags.subarray(fo, fo + rest), buf + inLinear);
  }
  return 0;
}

export function xdpLoadBytes(call: HelperCall): number {
  return xdpCopy(call, false);
}

export function xdpStoreBytes(call: HelperCall): number {
  return xdpCopy(call, true);
}

const CTX = "ARG_PTR_TO_CTX";

export const xdpHelpers: readonly HelperDef[] = [
  { id: 44, name: "xdp_adjust_head", fn: xdpAdjustHead, proto: { ret: "RET_INTEGER", args: [CTX, "ARG_ANYTHING"] }, progTypes: ["xdp"] },
  { id: 65, name: "xdp_adjust_tail", fn: xdpAdjustTail, proto: { ret: "RET_INTEGER", args: [CTX, "ARG_ANYTHING"] }, progTypes: ["xdp"] },
  { id: 54, name: "xdp_adjust_meta", fn: xdpAdjustMeta, proto: { ret: "RET_INTEGER", args: [CTX, "ARG_ANYTHING"] }, progTypes: ["xdp"] },
  { id: 188, name: "xdp_get_buff_len", fn: xdpGetBuffLen, proto: { ret: "RET_INTEGER", args: [CTX] }, progTypes: ["xdp"] },
  { id: 189, name: "xdp_load_bytes", fn: xdpLoadBytes, proto: { ret: "RET_INTEGER", args: [CTX, "ARG_ANYTHING", "ARG_PTR_TO_UNINIT_MEM", "ARG_CONST_SIZE"] }, progTypes: ["xdp"] },
  // Linux 6.18 stable (bpf: Fix bpf_xdp_store_bytes proto for read-only arg): the source is read-only memory.
  { id: 190, name: "xdp_store_bytes", fn: xdpStoreBytes, proto: { ret: "RET_INTEGER", args: [CTX, "ARG_ANYTHING", "ARG_PTR_TO_MEM | MEM_RDONLY", "ARG_CONST_SIZE"] }, progTypes: ["xdp"] },
];
