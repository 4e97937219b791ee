/**
 * BPF_PROG_TYPE_CGROUP_SOCK: `struct bpf_sock`, run when a socket of the cgroup is created,
 * released or bound. What the program may touch depends on the expected attach type
 * (sock_filter_is_valid_access = bpf_sock_is_valid_access + __sock_filter_check_attach_type in
 * net/core/filter.c): bound_dev_if, mark and priority are readable and writable at
 * sock_create/sock_release only; src_ip4 is readable at post_bind4, src_ip6 at post_bind6,
 * src_port at both; everything else is read-only. A load with no expected attach type is
 * cgroup_inet_sock_create (bpf_prog_load_fixup_attach_type). r0 in [0, 1]; no BPF_PROG_TEST_RUN.
 */
import { defineProgramType, kernelHelpers, kernelHelpersFor } from "./define.js";
import { BPF_SOCK, BPF_SOCK_SIZE } from "./sk-buff.js";
import { invalidCtxAccess, narrowAccessOk, type ContextField, type CtxAccess, type CtxAccessResult } from "./types.js";

const inRange = (off: number, start: number, len: number): boolean => off >= start && off < start + len;

/**
 * bpf_sock_is_valid_access: which loads of `struct bpf_sock` are well-formed, whatever the program
 * type (reads or writes alike; the callers decide what may be written).
 */
export function bpfSockAccessOk(off: number, size: number): boolean {
  if (off < 0 || off >= BPF_SOCK_SIZE || off % size !== 0) return false;
  switch (off) {
    case BPF_SOCK.state:
    case BPF_SOCK.family:
    case BPF_SOCK.type:
    case BPF_SOCK.protocol:
    case BPF_SOCK.src_port:
    case BPF_SOCK.rx_queue_mapping:
      return narrowAccessOk(size, 4);
  }
  if (inRange(off, BPF_SOCK.src_ip4, 4) || inRange(off, BPF_SOCK.src_ip6, 16) || inRange(off, BPF_SOCK.dst_ip4, 4) || inRange(off, BPF_SOCK.dst_ip6, 16)) {
    return narrowAccessOk(size, 4);
  }
  // dst_port is a __be16 followed by 2 bytes of padding: a 4-byte load reads both.
  if (inRange(off, BPF_SOCK.dst_port, 2)) return narrowAccessOk(size, size === 4 ? 4 : 2);
  if (inRange(off, BPF_SOCK.dst_port + 2, 2)) return false;
  return size === 4;
}

/** __sock_filter_check_attach_type. */
function attachTypeAllows(off: number, write: boolean, attachType: string): boolean {
  switch (off) {
    case BPF_SOCK.bound_dev_if:
    case BPF_SOCK.mark:
    case BPF_SOCK.priority:
      return attachType === "cgroup_inet_sock_create" || attachType === "cgroup_inet_sock_release";
  }
  if (inRange(off, BPF_SOCK.src_ip4, 4)) return attachType === "cgroup_inet4_post_bind" && !write;
  if (inRange(off, BPF_SOCK.src_ip6, 16)) return attachType === "cgroup_inet6_post_bind" && !write;
  if (inRange(off, BPF_SOCK.src_port, 4)) return (attachType === "cgroup_inet4_post_bind" || attachType === "cgroup_inet6_post_bind") && !write;
  return !write;
}

export const CGROUP_SOCK_DEFAULT_ATTACH = "cgroup_inet_sock_create";

/** sock_filter_is_valid_access. */
export function checkCgroupSockAccess(a: CtxAccess): CtxAccessResult {
  const attachType = a.attachType ?? CGROUP_SOCK_DEFAULT_ATTACH;
  if (!bpfSockAccessOk(a.off, a.size) || !attachTypeAllows(a.off, a.write, attachType)) return invalidCtxAccess(a.off, a.size);
  return { ok: true, regType: "SCALAR_VALUE" };
}

const SIZES: Partial<Record<keyof typeof BPF_SOCK, number>> = { src_ip6: 16, dst_port: 2, dst_ip6: 16 };

function layoutFields(): ContextField[] {
  return (Object.entries(BPF_SOCK) as [keyof typeof BPF_SOCK, number][]).map(([name, offset]) => ({
    name,
    offset,
    size: SIZES[name] ?? 4,
    // At sock_create (the default attach type); see checkCgroupSockAccess for the others.
    access: name === "bound_dev_if" || name === "mark" || name === "priority" ? "rw" : name === "src_ip4" || name === "src_ip6" || name === "src_port" ? "-" : "r",
  }));
}

export const cgroupSock = defineProgramType({
  name: "cgroup_sock",
  kernelType: 9,
  kernelName: "BPF_PROG_TYPE_CGROUP_SOCK",
  sections: ["cgroup/sock", "cgroup/sock_create", "cgroup/sock_release", "cgroup/post_bind4", "cgroup/post_bind6"],
  context: { struct: "struct bpf_sock", size: BPF_SOCK_SIZE, fields: layoutFields() },
  ldAbs: false,
  testRun: "none",
  helpers: kernelHelpers("cgroup_sock"),
  helpersFor: kernelHelpersFor("cgroup_sock"),
  returnRange: [0, 1],
  defaultAttachType: CGROUP_SOCK_DEFAULT_ATTACH,
  checkAccess: checkCgroupSockAccess,
});
