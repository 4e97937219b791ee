/**
 * BPF_PROG_TYPE_CGROUP_SOCK_ADDR: `struct bpf_sock_addr`, run on bind, connect, sendmsg,
 * recvmsg, getpeername and getsockname of the cgroup's sockets. The address fields a program may
 * read and rewrite depend on the expected attach type (IPv4 fields for the *4 hooks, IPv6 for *6,
 * msg_src_* for sendmsg only); `sk` loads as a (non-NULL) socket pointer; the other fields are
 * read-only u32s (sock_addr_is_valid_access in net/core/filter.c). The kernel requires an
 * expected attach type for this type. r0 in [0, 1], [0, 3] for bind (bit 1: skip the port
 * capability check), [1, 1] for recvmsg/getpeername/getsockname (check_return_code). The helper
 * set also depends on the attach type (bpf_bind only at connect; get/set_retval not at the
 * read-only hooks). No BPF_PROG_TEST_RUN.
 */
import { defineProgramType, kernelHelpers, kernelHelpersFor } from "./define.js";
import { invalidCtxAccess, narrowAccessOk, SCALAR, type CtxAccess, type CtxAccessResult } from "./types.js";

/** Field offsets of struct bpf_sock_addr. */
export const SOCK_ADDR = {
  user_family: 0,
  user_ip4: 4,
  user_ip6: 8, // __u32[4]
  user_port: 24,
  family: 28,
  type: 32,
  protocol: 36,
  msg_src_ip4: 40,
  msg_src_ip6: 44, // __u32[4]
  sk: 64, // struct bpf_sock *
} as const;

export const SOCK_ADDR_SIZE = 72;

const IP4_HOOKS = new Set(["cgroup_inet4_bind", "cgroup_inet4_connect", "cgroup_inet4_getpeername", "cgroup_inet4_getsockname", "cgroup_udp4_sendmsg", "cgroup_udp4_recvmsg"]);
const IP6_HOOKS = new Set(["cgroup_inet6_bind", "cgroup_inet6_connect", "cgroup_inet6_getpeername", "cgroup_inet6_getsockname", "cgroup_udp6_sendmsg", "cgroup_udp6_recvmsg"]);

const inRange = (off: number, start: number, len: number): boolean => off >= start && off < start + len;

/** bpf_ctx_wide_access_ok: an aligned 8-byte access inside a __u32[4] address. */
function wideOk(off: number, size: number, start: number): boolean {
  return size === 8 && off >= start && off + 8 <= start + 16 && off % 8 === 0;
}

/** sock_addr_is_valid_access. */
export function checkSockAddrAccess(a: CtxAccess): CtxAccessResult {
  const { off, size, write } = a;
  const at = a.attachType ?? "";
  const bad = invalidCtxAccess(off, size);
  if (off < 0 || off >= SOCK_ADDR_SIZE || off % size !== 0) return bad;
  const ip4 = inRange(off, SOCK_ADDR.user_ip4, 4);
  const ip6 = inRange(off, SOCK_ADDR.user_ip6, 16);
  const src4 = inRange(off, SOCK_ADDR.msg_src_ip4, 4);
  const src6 = inRange(off, SOCK_ADDR.msg_src_ip6, 16);
  if (ip4 && !IP4_HOOKS.has(at)) return bad;
  if (ip6 && !IP6_HOOKS.has(at)) return bad;
  if (src4 && at !== "cgroup_udp4_sendmsg") return bad;
  if (src6 && at !== "cgroup_udp6_sendmsg") return bad;
  if (ip4 || ip6 || src4 || src6 || inRange(off, SOCK_ADDR.user_port, 4)) {
    if (wideOk(off, size, SOCK_ADDR.user_ip6) || wideOk(off, size, SOCK_ADDR.msg_src_ip6)) return SCALAR;
    if (write) return size === 4 ? SCALAR : bad;
    return narrowAccessOk(size, 4) ? SCALAR : bad;
  }
  // The 4 bytes of padding between msg_src_ip6 and sk.
  if (inRange(off, SOCK_ADDR.msg_src_ip6 + 16, 4)) return bad;
  if (inRange(off, SOCK_ADDR.sk, 8)) return !write && size === 8 ? { ok: true, regType: "PTR_TO_SOCKET" } : bad;
  return !write && size === 4 ? SCALAR : bad;
}

/** check_return_code for BPF_PROG_TYPE_CGROUP_SOCK_ADDR. */
function sockAddrReturnRange(attachType: string | undefined): readonly [number, number] {
  if (attachType === "cgroup_inet4_bind" || attachType === "cgroup_inet6_bind") return [0, 3];
  if (attachType && /^cgroup_(udp4|udp6|unix)_recvmsg$|_getpeername$|_getsockname$/.test(attachType)) return [1, 1];
  return [0, 1];
}

export const cgroupSockAddr = defineProgramType({
  name: "cgroup_sock_addr",
  kernelType: 18,
  kernelName: "BPF_PROG_TYPE_CGROUP_SOCK_ADDR",
  sections: [
    "cgroup/bind4", "cgroup/bind6", "cgroup/connect4", "cgroup/connect6", "cgroup/connect_unix",
    "cgroup/sendmsg4", "cgroup/sendmsg6", "cgroup/sendmsg_unix", "cgroup/recvmsg4", "cgroup/recvmsg6", "cgroup/recvmsg_unix",
    "cgroup/getpeername4", "cgroup/getpeername6", "cgroup/getpeername_unix",
    "cgroup/getsockname4", "cgroup/getsockname6", "cgroup/getsockname_unix",
  ],
  context: {
    struct: "struct bpf_sock_addr",
    size: SOCK_ADDR_SIZE,
    fields: [
      { name: "user_family", offset: 0, size: 4, access: "r" },
      { name: "user_ip4", offset: 4, size: 4, access: "rw" },
      { name: "user_ip6", offset: 8, size: 16, access: "rw" },
      { name: "user_port", offset: 24, size: 4, access: "rw" },
      { name: "family", offset: 28, size: 4, access: "r" },
      { name: "type", offset: 32, size: 4, access: "r" },
      { name: "protocol", offset: 36, size: 4, access: "r" },
      { name: "msg_src_ip4", offset: 40, size: 4, access: "rw" },
      { name: "msg_src_ip6", offset: 44, size: 16, access: "rw" },
      { name: "sk", offset: 64, size: 8, access: "r", regType: "PTR_TO_SOCKET" },
    ],
  },
  ldAbs: false,
  testRun: "none",
  helpers: kernelHelpers("cgroup_sock_addr"),
  helpersFor: kernelHelpersFor("cgroup_sock_addr"),
  returnRange: [0, 1],
  returnRangeFor: sockAddrReturnRange,
  checkAccess: checkSockAddrAccess,
});
