/**
 * BPF_PROG_TYPE_CGROUP_SOCKOPT: `struct bpf_sockopt`, run on getsockopt/setsockopt of the
 * cgroup's sockets (cgroup/getsockopt, cgroup/setsockopt; the kernel requires one of the two as
 * the expected attach type). `sk` loads as a socket pointer, optval/optval_end as packet pointers
 * over the option buffer (readable and writable: may_access_direct_pkt_data allows both); level,
 * optname and optlen are s32 loads; retval is readable and writable at getsockopt only; level and
 * optname are writable at setsockopt only; optlen at both. Only 4-byte scalar and 8-byte pointer
 * accesses (cg_sockopt_is_valid_access in kernel/bpf/cgroup.c). r0 in [0, 1]; no
 * BPF_PROG_TEST_RUN ("none"). The helper set depends on the attach type (set/getsockopt).
 */
import { defineProgramType, kernelHelpers, kernelHelpersFor } from "./define.js";
import { invalidCtxAccess, SCALAR, type CtxAccess, type CtxAccessResult } from "./types.js";

/** Field offsets of struct bpf_sockopt. */
export const BPF_SOCKOPT = {
  sk: 0, // struct bpf_sock *
  optval: 8, // void *
  optval_end: 16, // void *
  level: 24,
  optname: 28,
  optlen: 32,
  retval: 36,
} as const;

export const BPF_SOCKOPT_SIZE = 40;

/** cg_sockopt_is_valid_access. */
export function checkSockoptAccess(a: CtxAccess): CtxAccessResult {
  const { off, size } = a;
  const get = a.attachType === "cgroup_getsockopt";
  const set = a.attachType === "cgroup_setsockopt";
  const bad = invalidCtxAccess(off, size);
  if (off < 0 || off >= BPF_SOCKOPT_SIZE || off % size !== 0) return bad;
  if (a.write) {
    if (size !== 4) return bad;
    switch (off) {
      case BPF_SOCKOPT.retval:
        return get ? SCALAR : bad;
      case BPF_SOCKOPT.level:
      case BPF_SOCKOPT.optname:
        return set ? SCALAR : bad;
      case BPF_SOCKOPT.optlen:
        return SCALAR;
      default:
        return bad;
    }
  }
  if (off < BPF_SOCKOPT.level) {
    if (size !== 8) return bad;
    return { ok: true, regType: off < BPF_SOCKOPT.optval ? "PTR_TO_SOCKET" : off < BPF_SOCKOPT.optval_end ? "PTR_TO_PACKET" : "PTR_TO_PACKET_END" };
  }
  if (size !== 4) return bad;
  if (off === BPF_SOCKOPT.retval) return get ? SCALAR : bad;
  return SCALAR;
}

export const cgroupSockopt = defineProgramType({
  name: "cgroup_sockopt",
  kernelType: 25,
  kernelName: "BPF_PROG_TYPE_CGROUP_SOCKOPT",
  sections: ["cgroup/getsockopt", "cgroup/setsockopt"],
  context: {
    struct: "struct bpf_sockopt",
    size: BPF_SOCKOPT_SIZE,
    fields: [
      { name: "sk", offset: 0, size: 8, access: "r", regType: "PTR_TO_SOCKET" },
      { name: "optval", offset: 8, size: 8, access: "r", regType: "PTR_TO_PACKET" },
      { name: "optval_end", offset: 16, size: 8, access: "r", regType: "PTR_TO_PACKET_END" },
      // At setsockopt; at getsockopt level and optname are read-only and retval is read-write.
      { name: "level", offset: 24, size: 4, access: "rw" },
      { name: "optname", offset: 28, size: 4, access: "rw" },
      { name: "optlen", offset: 32, size: 4, access: "rw" },
      { name: "retval", offset: 36, size: 4, access: "-" },
    ],
  },
  ldAbs: false,
  testRun: "none",
  helpers: kernelHelpers("cgroup_sockopt"),
  helpersFor: kernelHelpersFor("cgroup_sockopt"),
  returnRange: [0, 1],
  checkAccess: checkSockoptAccess,
});
