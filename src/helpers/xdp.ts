/**
 * XDP helpers (net/core/filter.c): xdp_adjust_head, xdp_adjust_tail, xdp_adjust_meta with the
 * kernel's bounds and errnos, on the test-run frame (progtypes/packet.ts): data may not move
 * below data_hard_start + sizeof(struct xdp_frame) nor leave less than ETH_HLEN bytes; data_end
 * may not pass the frame end minus the skb_shared_info tailroom.
 */
import { XDP_FRAME_STRUCT_SIZE } from "../progtypes/xdp.js";
import type { HelperCall, HelperDef } from "./registry.js";
import { netContext } from "./skb.js";

const EINVAL = -22;
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

const CTX = "ARG_PTR_TO_CTX";

export const xdpHelpers: readonly HelperDef[] = [
  { id: 44, name: "xdp_adjust_head", fn: xdpAdjustHead, proto: { ret: "RET_INTEGER", args: [CTX, "ARG_ANYTHING"] }, progTypes: ["xdp"] },
  { id: 65, name: "xdp_adjust_tail", fn: xdpAdjustTail, proto: { ret: "RET_INTEGER", args: [CTX, "ARG_ANYTHING"] }, progTypes: ["xdp"] },
  { id: 54, name: "xdp_adjust_meta", fn: xdpAdjustMeta, proto: { ret: "RET_INTEGER", args: [CTX, "ARG_ANYTHING"] }, progTypes: ["xdp"] },
];
