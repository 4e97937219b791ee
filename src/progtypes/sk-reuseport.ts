/**
 * BPF_PROG_TYPE_SK_REUSEPORT (`struct sk_reuseport_md`, sk_reuseport and sk_reuseport/migrate)
 * and BPF_PROG_TYPE_SK_LOOKUP (`struct bpf_sk_lookup`, sk_lookup): socket selection programs,
 * read-only contexts.
 *
 * sk_reuseport: data/data_end (8-byte loads, packet pointers, read-only packet), sk (a socket)
 * and migrating_sk (a sock_common that may be NULL), len/ip_protocol/bind_inany (narrow loads),
 * eth_protocol (2- or 4-byte loads), hash (4-byte loads) (sk_reuseport_is_valid_access in
 * net/core/filter.c). No return range; no BPF_PROG_TEST_RUN ("none").
 *
 * sk_lookup: sk (an 8-byte load at offset 0, a socket that may be NULL; the `cookie` member of the
 * same union is not reachable as a scalar), the address fields (narrow loads), remote_port (a
 * __be16: 2-byte loads, or a 4-byte load for backward compatibility, and its 2 bytes of zero
 * padding readable with 1- or 2-byte loads) (sk_lookup_is_valid_access). r0 in [0, 1]
 * (SK_DROP, SK_PASS). The kernel has bpf_prog_test_run_sk_lookup; this runtime does not implement
 * it ("none").
 */
import { defineProgramType, kernelHelpers } from "./define.js";
import { invalidCtxAccess, narrowAccessOk, SCALAR, type CtxAccess, type CtxAccessResult } from "./types.js";

/** Field offsets of struct sk_reuseport_md. */
export const SK_REUSEPORT_MD = {
  data: 0, // void *
  data_end: 8, // void *
  len: 16,
  eth_protocol: 20,
  ip_protocol: 24,
  bind_inany: 28,
  hash: 32,
  sk: 40, // struct bpf_sock *
  migrating_sk: 48, // struct bpf_sock *
} as const;

export const SK_REUSEPORT_MD_SIZE = 56;

/** sk_reuseport_is_valid_access. */
export function checkSkReuseportAccess(a: CtxAccess): CtxAccessResult {
  const { off, size } = a;
  const bad = invalidCtxAccess(off, size);
  if (a.write || off < 0 || off >= SK_REUSEPORT_MD_SIZE || off % size !== 0) return bad;
  const R = SK_REUSEPORT_MD;
  if (off < R.len || off >= R.sk) {
    if (size !== 8) return bad;
    const regType = off < R.data_end ? "PTR_TO_PACKET" : off < R.len ? "PTR_TO_PACKET_END" : off < R.migrating_sk ? "PTR_TO_SOCKET" : "PTR_TO_SOCK_COMMON_OR_NULL";
    return { ok: true, regType };
  }
  if (off >= R.hash) return off < R.hash + 4 && size === 4 ? SCALAR : bad; // hash, then 4 bytes of padding
  if (off >= R.eth_protocol && off < R.ip_protocol && size < 2) return bad;
  return narrowAccessOk(size, 4) ? SCALAR : bad;
}

export const skReuseport = defineProgramType({
  name: "sk_reuseport",
  kernelType: 21,
  kernelName: "BPF_PROG_TYPE_SK_REUSEPORT",
  sections: ["sk_reuseport", "sk_reuseport/migrate"],
  context: {
    struct: "struct sk_reuseport_md",
    size: SK_REUSEPORT_MD_SIZE,
    fields: [
      { name: "data", offset: 0, size: 8, access: "r", regType: "PTR_TO_PACKET" },
      { name: "data_end", offset: 8, size: 8, access: "r", regType: "PTR_TO_PACKET_END" },
      { name: "len", offset: 16, size: 4, access: "r" },
      { name: "eth_protocol", offset: 20, size: 4, access: "r" },
      { name: "ip_protocol", offset: 24, size: 4, access: "r" },
      { name: "bind_inany", offset: 28, size: 4, access: "r" },
      { name: "hash", offset: 32, size: 4, access: "r" },
      { name: "sk", offset: 40, size: 8, access: "r", regType: "PTR_TO_SOCKET" },
      { name: "migrating_sk", offset: 48, size: 8, access: "r", regType: "PTR_TO_SOCK_COMMON_OR_NULL" },
    ],
  },
  ldAbs: false,
  testRun: "none",
  helpers: kernelHelpers("sk_reuseport"),
  checkAccess: checkSkReuseportAccess,
});

/** Field offsets of struct bpf_sk_lookup. */
export const SK_LOOKUP = {
  sk: 0, // union { struct bpf_sock *sk; __u64 cookie; }
  family: 8,
  protocol: 12,
  remote_ip4: 16,
  remote_ip6: 20, // __u32[4]
  remote_port: 36, // __be16, then 2 bytes of padding
  local_ip4: 40,
  local_ip6: 44, // __u32[4]
  local_port: 60,
  ingress_ifindex: 64,
} as const;

export const SK_LOOKUP_SIZE = 72;

/** sk_lookup_is_valid_access. */
export function checkSkLookupAccess(a: CtxAccess): CtxAccessResult {
  const { off, size } = a;
  const bad = invalidCtxAccess(off, size);
  if (a.write || off < 0 || off >= SK_LOOKUP_SIZE || off % size !== 0) return bad;
  const L = SK_LOOKUP;
  if (off === L.sk) return size === 8 ? { ok: true, regType: "PTR_TO_SOCKET_OR_NULL" } : bad;
  if (off < L.family || off >= L.ingress_ifindex + 4) return bad;
  if (off >= L.remote_port && off < L.remote_port + 2) return size === 4 || narrowAccessOk(size, 2) ? SCALAR : bad;
  if (off >= L.remote_port + 2 && off < L.local_ip4) return narrowAccessOk(size, 2) ? SCALAR : bad;
  return narrowAccessOk(size, 4) ? SCALAR : bad;
}

export const skLookup = defineProgramType({
  name: "sk_lookup",
  kernelType: 30,
  kernelName: "BPF_PROG_TYPE_SK_LOOKUP",
  sections: ["sk_lookup"],
  context: {
    struct: "struct bpf_sk_lookup",
    size: SK_LOOKUP_SIZE,
    fields: [
      { name: "sk", offset: 0, size: 8, access: "r", regType: "PTR_TO_SOCKET_OR_NULL" },
      { name: "family", offset: 8, size: 4, access: "r" },
      { name: "protocol", offset: 12, size: 4, access: "r" },
      { name: "remote_ip4", offset: 16, size: 4, access: "r" },
      { name: "remote_ip6", offset: 20, size: 16, access: "r" },
      { name: "remote_port", offset: 36, size: 2, access: "r" },
      { name: "local_ip4", offset: 40, size: 4, access: "r" },
      { name: "local_ip6", offset: 44, size: 16, access: "r" },
      { name: "local_port", offset: 60, size: 4, access: "r" },
      { name: "ingress_ifindex", offset: 64, size: 4, access: "r" },
    ],
  },
  ldAbs: false,
  testRun: "none",
  helpers: kernelHelpers("sk_lookup"),
  returnRange: [0, 1],
  checkAccess: checkSkLookupAccess,
});
