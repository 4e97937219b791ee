/**
 * `struct __sk_buff` (include/uapi/linux/bpf.h): its layout, the kernel's access rules shared by
 * the skb program types (bpf_skb_is_valid_access and the per-type filters in net/core/filter.c),
 * and the in-memory context this runtime builds for it (see types.ts for the representation).
 */
import type { ContextField, ContextLayout, CtxAccess, CtxAccessResult, CtxRegType } from "./types.js";
import { invalidCtxAccess, narrowAccessOk } from "./types.js";

/** Field offsets of struct __sk_buff. */
export const SKB = {
  len: 0,
  pkt_type: 4,
  mark: 8,
  queue_mapping: 12,
  protocol: 16,
  vlan_present: 20,
  vlan_tci: 24,
  vlan_proto: 28,
  priority: 32,
  ingress_ifindex: 36,
  ifindex: 40,
  tc_index: 44,
  cb: 48, // __u32 cb[5]
  hash: 68,
  tc_classid: 72,
  data: 76,
  data_end: 80,
  napi_id: 84,
  family: 88,
  remote_ip4: 92,
  local_ip4: 96,
  remote_ip6: 100, // __u32[4]
  local_ip6: 116, // __u32[4]
  remote_port: 132,
  local_port: 136,
  data_meta: 140,
  flow_keys: 144, // pointer, 8 bytes
  tstamp: 152, // __u64
  wire_len: 160,
  gso_segs: 164,
  sk: 168, // pointer, 8 bytes
  gso_size: 176,
  tstamp_type: 180, // __u8, then 24 bits of padding
  hwtstamp: 184, // __u64
} as const;

export const SK_BUFF_SIZE = 192;

type SkbField = keyof typeof SKB;

const SIZES: Partial<Record<SkbField, number>> = {
  cb: 20, remote_ip6: 16, local_ip6: 16, flow_keys: 8, tstamp: 8, sk: 8, tstamp_type: 1, hwtstamp: 8,
};

/**
 * Field covering each byte offset (the first in SKB order), built once: every context access
 * asks, and scanning the entries each time cost an iterator per access.
 */
const FIELD_AT: (SkbField | undefined)[] = (() => {
  const t = new Array<SkbField | undefined>(SK_BUFF_SIZE).fill(undefined);
  for (const [name, o] of Object.entries(SKB) as [SkbField, number][]) {
    const size = SIZES[name] ?? 4;
    for (let b = Math.max(0, o); b < Math.min(SK_BUFF_SIZE, o + size); b++) t[b] ??= name;
  }
  return t;
})();

/** Callers check 0 <= off < SK_BUFF_SIZE first. */
function fieldAt(off: number): SkbField | undefined {
  return FIELD_AT[off];
}

/** Per-type adjustments of the common __sk_buff rules. */
export interface SkbAccessPolicy {
  /** Fields the type may not touch at all. */
  denied: ReadonlySet<SkbField>;
  /** Fields the type may write (writes elsewhere are rejected). */
  writable: ReadonlySet<SkbField>;
  /** Register types of loads from data/data_end/data_meta (absent: the field is denied). */
  packetPointers: boolean;
  /** tc only: __sk_buff->tstamp_type may be read with a 1-byte load. */
  tstampTypeReadable?: boolean;
}

/** bpf_skb_is_valid_access with a type's filter in front of it. */
export function checkSkbAccess(policy: SkbAccessPolicy, a: CtxAccess): CtxAccessResult {
  const { off, size, write } = a;
  const bad = invalidCtxAccess(off, size);
  if (off < 0 || off >= SK_BUFF_SIZE) return bad;
  const field = fieldAt(off);
  if (field === undefined) return bad; // the 3 padding bytes after tstamp_type
  if (policy.denied.has(field)) return bad;
  if (write && !policy.writable.has(field)) return bad;
  let regType: CtxRegType = "SCALAR_VALUE";
  if (field === "tstamp_type") {
    if (policy.tstampTypeReadable && !write && size === 1) return { ok: true, regType };
    return bad;
  }
  if (off % size !== 0) return bad;
  switch (field) {
    case "cb":
      if (off + size > SKB.cb + 20) return bad;
      break;
    case "data":
    case "data_meta":
    case "data_end":
      if (a.signExtend || size !== 4) return bad;
      regType = field === "data" ? "PTR_TO_PACKET" : field === "data_end" ? "PTR_TO_PACKET_END" : "PTR_TO_PACKET_META";
      break;
    case "remote_ip6":
    case "local_ip6":
    case "remote_ip4":
    case "local_ip4":
      if (size !== 4) return bad;
      break;
    case "flow_keys":
      return bad;
    case "hwtstamp":
      if (write || size !== 8) return bad;
      break;
    case "tstamp":
      if (size !== 8) return bad;
      break;
    case "sk":
      if (write || size !== 8) return bad;
      regType = "PTR_TO_SOCK_COMMON_OR_NULL";
      break;
    default:
      if (write) {
        if (size !== 4) return bad;
      } else if (!narrowAccessOk(size, 4)) {
        return bad;
      }
  }
  return { ok: true, regType };
}

/** The layout with per-field access for a given policy (documentation and tooling). */
export function skbLayout(policy: SkbAccessPolicy): ContextLayout {
  const fields: ContextField[] = [];
  for (const [name, offset] of Object.entries(SKB) as [SkbField, number][]) {
    const size = SIZES[name] ?? 4;
    const denied = policy.denied.has(name) || name === "flow_keys" || (name === "tstamp_type" && !policy.tstampTypeReadable);
    const field: ContextField = {
      name,
      offset,
      size,
      access: denied ? "-" : policy.writable.has(name) ? "rw" : "r",
    };
    if (name === "data") field.regType = "PTR_TO_PACKET";
    if (name === "data_end") field.regType = "PTR_TO_PACKET_END";
    if (name === "data_meta") field.regType = "PTR_TO_PACKET_META";
    if (name === "sk") field.regType = "PTR_TO_SOCK_COMMON_OR_NULL";
    fields.push(field);
  }
  return { struct: "struct __sk_buff", size: SK_BUFF_SIZE, fields };
}

export const SK_FIELDS: readonly SkbField[] = ["family", "remote_ip4", "local_ip4", "remote_ip6", "local_ip6", "remote_port", "local_port"];

/** struct bpf_sock (what __sk_buff->sk points to) offsets used to fill the test-run socket. */
export const BPF_SOCK = {
  bound_dev_if: 0, family: 4, type: 8, protocol: 12, mark: 16, priority: 20, src_ip4: 24, src_ip6: 28,
  src_port: 44, dst_port: 48, dst_ip4: 52, dst_ip6: 56, state: 72, rx_queue_mapping: 76,
} as const;
export const BPF_SOCK_SIZE = 80;
