/**
 * BPF_PROG_TYPE_FLOW_DISSECTOR: `struct __sk_buff`, of which only data and data_end (4-byte
 * loads, packet pointers) and flow_keys (an 8-byte load, a pointer to `struct bpf_flow_keys` the
 * program fills in: PTR_TO_FLOW_KEYS) may be touched, and nothing written
 * (flow_dissector_is_valid_access in net/core/filter.c). Direct packet access is read-only.
 * No return range is enforced (BPF_OK / BPF_DROP by convention).
 *
 * BPF_PROG_TEST_RUN: the kernel has bpf_prog_test_run_flow_dissector; this runtime does not
 * implement it ("none").
 */
import { defineProgramType, kernelHelpers } from "./define.js";
import { SK_BUFF_SIZE, SKB } from "./sk-buff.js";
import { invalidCtxAccess, type ContextField, type CtxAccess, type CtxAccessResult } from "./types.js";

/** Field offsets of struct bpf_flow_keys (what __sk_buff->flow_keys points to). */
export const FLOW_KEYS = {
  nhoff: 0, // __u16
  thoff: 2, // __u16
  addr_proto: 4, // __u16
  is_frag: 6, // __u8
  is_first_frag: 7, // __u8
  is_encap: 8, // __u8
  ip_proto: 9, // __u8
  n_proto: 10, // __be16
  sport: 12, // __be16
  dport: 14, // __be16
  ipv4_src: 16, // union with ipv6_src[4]
  ipv4_dst: 20,
  ipv6_src: 16, // __u32[4]
  ipv6_dst: 32, // __u32[4]
  flags: 48,
  flow_label: 52,
} as const;

/** sizeof(struct bpf_flow_keys): check_flow_keys_access's bound. */
export const FLOW_KEYS_SIZE = 56;

/** flow_dissector_is_valid_access. */
export function checkFlowDissectorAccess(a: CtxAccess): CtxAccessResult {
  const { off, size } = a;
  const bad = invalidCtxAccess(off, size);
  if (a.write || off < 0 || off >= SK_BUFF_SIZE || off % size !== 0) return bad;
  if (off >= SKB.data && off < SKB.data + 4) return !a.signExtend && size === 4 ? { ok: true, regType: "PTR_TO_PACKET" } : bad;
  if (off >= SKB.data_end && off < SKB.data_end + 4) return !a.signExtend && size === 4 ? { ok: true, regType: "PTR_TO_PACKET_END" } : bad;
  if (off >= SKB.flow_keys && off < SKB.flow_keys + 8) return size === 8 ? { ok: true, regType: "PTR_TO_FLOW_KEYS" } : bad;
  return bad;
}

function layoutFields(): ContextField[] {
  const sizes: Record<string, number> = { cb: 20, remote_ip6: 16, local_ip6: 16, flow_keys: 8, tstamp: 8, sk: 8, tstamp_type: 1, hwtstamp: 8 };
  return Object.entries(SKB).map(([name, offset]) => {
    const field: ContextField = { name, offset, size: sizes[name] ?? 4, access: name === "data" || name === "data_end" || name === "flow_keys" ? "r" : "-" };
    if (name === "data") field.regType = "PTR_TO_PACKET";
    if (name === "data_end") field.regType = "PTR_TO_PACKET_END";
    if (name === "flow_keys") field.regType = "PTR_TO_FLOW_KEYS";
    return field;
  });
}

export const flowDissector = defineProgramType({
  name: "flow_dissector",
  kernelType: 22,
  kernelName: "BPF_PROG_TYPE_FLOW_DISSECTOR",
  sections: ["flow_dissector"],
  context: { struct: "struct __sk_buff", size: SK_BUFF_SIZE, fields: layoutFields() },
  ldAbs: false,
  testRun: "none",
  helpers: kernelHelpers("flow_dissector"),
  checkAccess: checkFlowDissectorAccess,
});
