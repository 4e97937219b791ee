/**
 * BPF_PROG_TYPE_SK_SKB and BPF_PROG_TYPE_SK_MSG: the programs of a sockmap/sockhash.
 *
 * sk_skb (stream parser, stream verdict, verdict) sees `struct __sk_buff` at the start of the
 * received data: data/data_end packet pointers, the socket fields (family … local_port) and `sk`,
 * but not mark, tc_classid, data_meta, tstamp, wire_len or hwtstamp; it may write tc_index and
 * priority only (sk_skb_is_valid_access in net/core/filter.c). The rules do not depend on the
 * attach type. No return range is enforced.
 *
 * sk_msg sees `struct sk_msg_md`: data/data_end and `sk` (a non-NULL socket) as 8-byte pointer
 * loads, the other fields as read-only u32s with no narrow loads (sk_msg_is_valid_access).
 *
 * BPF_PROG_TEST_RUN: the kernel test-runs sk_skb through its skb test run; sk_msg has none. This
 * runtime implements neither ("none").
 */
import { defineProgramType, kernelHelpers } from "./define.js";
import { checkSkbAccess, skbLayout, type SkbAccessPolicy } from "./sk-buff.js";
import { invalidCtxAccess, SCALAR, type CtxAccess, type CtxAccessResult } from "./types.js";

/** sk_skb_is_valid_access. */
export const SK_SKB_POLICY: SkbAccessPolicy = {
  denied: new Set(["tc_classid", "data_meta", "mark", "tstamp", "wire_len", "hwtstamp"]),
  writable: new Set(["tc_index", "priority"]),
  packetPointers: true,
};

export const skSkb = defineProgramType({
  name: "sk_skb",
  kernelType: 14,
  kernelName: "BPF_PROG_TYPE_SK_SKB",
  sections: ["sk_skb", "sk_skb/stream_parser", "sk_skb/stream_verdict", "sk_skb/verdict"],
  context: skbLayout(SK_SKB_POLICY),
  ldAbs: false,
  testRun: "none",
  helpers: kernelHelpers("sk_skb"),
  checkAccess: (a) => checkSkbAccess(SK_SKB_POLICY, a),
});

/** Field offsets of struct sk_msg_md. */
export const SK_MSG_MD = {
  data: 0, // void *
  data_end: 8, // void *
  family: 16,
  remote_ip4: 20,
  local_ip4: 24,
  remote_ip6: 28, // __u32[4]
  local_ip6: 44, // __u32[4]
  remote_port: 60,
  local_port: 64,
  size: 68,
  sk: 72, // struct bpf_sock *
} as const;

export const SK_MSG_MD_SIZE = 80;

/** sk_msg_is_valid_access. */
export function checkSkMsgAccess(a: CtxAccess): CtxAccessResult {
  const { off, size } = a;
  const bad = invalidCtxAccess(off, size);
  if (a.write || off < 0 || off >= SK_MSG_MD_SIZE || off % size !== 0) return bad;
  if (off < SK_MSG_MD.family) return size === 8 ? { ok: true, regType: off < SK_MSG_MD.data_end ? "PTR_TO_PACKET" : "PTR_TO_PACKET_END" } : bad;
  if (off >= SK_MSG_MD.sk) return size === 8 ? { ok: true, regType: "PTR_TO_SOCKET" } : bad;
  return size === 4 ? SCALAR : bad;
}

export const skMsg = defineProgramType({
  name: "sk_msg",
  kernelType: 16,
  kernelName: "BPF_PROG_TYPE_SK_MSG",
  sections: ["sk_msg"],
  context: {
    struct: "struct sk_msg_md",
    size: SK_MSG_MD_SIZE,
    fields: [
      { name: "data", offset: 0, size: 8, access: "r", regType: "PTR_TO_PACKET" },
      { name: "data_end", offset: 8, size: 8, access: "r", regType: "PTR_TO_PACKET_END" },
      { name: "family", offset: 16, size: 4, access: "r" },
      { name: "remote_ip4", offset: 20, size: 4, access: "r" },
      { name: "local_ip4", offset: 24, size: 4, access: "r" },
      { name: "remote_ip6", offset: 28, size: 16, access: "r" },
      { name: "local_ip6", offset: 44, size: 16, access: "r" },
      { name: "remote_port", offset: 60, size: 4, access: "r" },
      { name: "local_port", offset: 64, size: 4, access: "r" },
      { name: "size", offset: 68, size: 4, access: "r" },
      { name: "sk", offset: 72, size: 8, access: "r", regType: "PTR_TO_SOCKET" },
    ],
  },
  ldAbs: false,
  testRun: "none",
  helpers: kernelHelpers("sk_msg"),
  checkAccess: checkSkMsgAccess,
});
