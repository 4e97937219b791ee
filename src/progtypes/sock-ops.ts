/**
 * BPF_PROG_TYPE_SOCK_OPS: `struct bpf_sock_ops` (include/uapi/linux/bpf.h), the TCP events a
 * cgroup's sockets report (BPF_SOCK_OPS_*_CB). Every field is a read-only u32 except `reply` (the
 * first word of the args/reply union) and `sk_txhash`, which may be written with a 4-byte store;
 * bytes_received, bytes_acked and skb_hwtstamp are u64; `sk` loads as a socket pointer that may be
 * NULL, skb_data and skb_data_end as packet pointers (header option callbacks). Only
 * skb_tcp_flags allows narrow loads. r0 in [0, 1]; the kernel has no BPF_PROG_TEST_RUN for it.
 * (sock_ops_is_valid_access in net/core/filter.c, Linux 6.18, checked offset by offset against the
 * running kernel in test/progtypes/ctx-access.test.ts.)
 */
import { defineProgramType, kernelHelpers } from "./define.js";
import { invalidCtxAccess, narrowAccessOk, SCALAR, type ContextField, type CtxAccess, type CtxAccessResult } from "./types.js";

/** Field offsets of struct bpf_sock_ops. */
export const SOCK_OPS = {
  op: 0,
  args: 4, // union { __u32 args[4]; __u32 reply; __u32 replylong[4]; }
  reply: 4,
  family: 20,
  remote_ip4: 24,
  local_ip4: 28,
  remote_ip6: 32, // __u32[4]
  local_ip6: 48, // __u32[4]
  remote_port: 64,
  local_port: 68,
  is_fullsock: 72,
  snd_cwnd: 76,
  srtt_us: 80,
  bpf_sock_ops_cb_flags: 84,
  state: 88,
  rtt_min: 92,
  snd_ssthresh: 96,
  rcv_nxt: 100,
  snd_nxt: 104,
  snd_una: 108,
  mss_cache: 112,
  ecn_flags: 116,
  rate_delivered: 120,
  rate_interval_us: 124,
  packets_out: 128,
  retrans_out: 132,
  total_retrans: 136,
  segs_in: 140,
  data_segs_in: 144,
  segs_out: 148,
  data_segs_out: 152,
  lost_out: 156,
  sacked_out: 160,
  sk_txhash: 164,
  bytes_received: 168, // __u64
  bytes_acked: 176, // __u64
  sk: 184, // struct bpf_sock *
  skb_data: 192, // void *
  skb_data_end: 200, // void *
  skb_len: 208,
  skb_tcp_flags: 212,
  skb_hwtstamp: 216, // __u64
} as const;

export const SOCK_OPS_SIZE = 224;

/** sock_ops_is_valid_access. */
export function checkSockOpsAccess(a: CtxAccess): CtxAccessResult {
  const { off, size } = a;
  const bad = invalidCtxAccess(off, size);
  if (off < 0 || off >= SOCK_OPS_SIZE || off % size !== 0) return bad;
  if (a.write) return (off === SOCK_OPS.reply || off === SOCK_OPS.sk_txhash) && size === 4 ? SCALAR : bad;
  if (off >= SOCK_OPS.bytes_received && off < SOCK_OPS.sk) return size === 8 ? SCALAR : bad;
  // The pointer fields match their whole 8 bytes (bpf_ctx_range_ptr): no loads of a half.
  if (off >= SOCK_OPS.sk && off < SOCK_OPS.skb_len) {
    if (size !== 8) return bad;
    const regType = off < SOCK_OPS.skb_data ? "PTR_TO_SOCKET_OR_NULL" : off < SOCK_OPS.skb_data_end ? "PTR_TO_PACKET" : "PTR_TO_PACKET_END";
    return { ok: true, regType };
  }
  if (off >= SOCK_OPS.skb_hwtstamp) return size === 8 ? SCALAR : bad;
  // Only the first byte of skb_tcp_flags takes a narrow load (the case is its offset, not its range).
  if (off === SOCK_OPS.skb_tcp_flags) return narrowAccessOk(size, 4) ? SCALAR : bad;
  return size === 4 ? SCALAR : bad;
}

const WIDE: Partial<Record<keyof typeof SOCK_OPS, number>> = {
  remote_ip6: 16, local_ip6: 16, bytes_received: 8, bytes_acked: 8, sk: 8, skb_data: 8, skb_data_end: 8, skb_hwtstamp: 8,
};

function layoutFields(): ContextField[] {
  const fields: ContextField[] = [];
  for (const [name, offset] of Object.entries(SOCK_OPS) as [keyof typeof SOCK_OPS, number][]) {
    if (name === "args") continue;
    if (name === "reply") {
      // The union's first word (args[0] / reply / replylong[0]) is the only writable one.
      fields.push({ name: "reply", offset, size: 4, access: "rw" }, { name: "args[1..3]", offset: offset + 4, size: 12, access: "r" });
      continue;
    }
    const field: ContextField = { name, offset, size: WIDE[name] ?? 4, access: name === "sk_txhash" ? "rw" : "r" };
    if (name === "sk") field.regType = "PTR_TO_SOCKET_OR_NULL";
    if (name === "skb_data") field.regType = "PTR_TO_PACKET";
    if (name === "skb_data_end") field.regType = "PTR_TO_PACKET_END";
    fields.push(field);
  }
  return fields;
}

export const sockOps = defineProgramType({
  name: "sock_ops",
  kernelType: 13,
  kernelName: "BPF_PROG_TYPE_SOCK_OPS",
  sections: ["sockops"],
  context: { struct: "struct bpf_sock_ops", size: SOCK_OPS_SIZE, fields: layoutFields() },
  ldAbs: false,
  testRun: "none",
  helpers: kernelHelpers("sock_ops"),
  returnRange: [0, 1],
  checkAccess: checkSockOpsAccess,
});
