/**
 * BPF_PROG_TYPE_CGROUP_DEVICE (`struct bpf_cgroup_dev_ctx`, cgroup/dev) and
 * BPF_PROG_TYPE_CGROUP_SYSCTL (`struct bpf_sysctl`, cgroup/sysctl): small read-only contexts.
 *
 * cgroup_device: access_type (narrow loads allowed), major and minor (4-byte loads only); no
 * writes (cgroup_dev_is_valid_access in kernel/bpf/cgroup.c).
 * cgroup_sysctl: write (narrow loads), file_pos (narrow loads, or a 4-byte store)
 * (sysctl_is_valid_access).
 * Both: r0 in [0, 1]; no BPF_PROG_TEST_RUN in the kernel ("none").
 */
import { defineProgramType, kernelHelpers } from "./define.js";
import { invalidCtxAccess, narrowAccessOk, SCALAR, type CtxAccess, type CtxAccessResult } from "./types.js";

export const CGROUP_DEV_CTX = { access_type: 0, major: 4, minor: 8 } as const;
export const CGROUP_DEV_CTX_SIZE = 12;

/** cgroup_dev_is_valid_access. */
export function checkCgroupDevAccess(a: CtxAccess): CtxAccessResult {
  const { off, size } = a;
  const bad = invalidCtxAccess(off, size);
  if (a.write || off < 0 || off + size > CGROUP_DEV_CTX_SIZE || off % size !== 0) return bad;
  if (off < CGROUP_DEV_CTX.major) return narrowAccessOk(size, 4) ? SCALAR : bad;
  return size === 4 ? SCALAR : bad;
}

export const cgroupDevice = defineProgramType({
  name: "cgroup_device",
  kernelType: 15,
  kernelName: "BPF_PROG_TYPE_CGROUP_DEVICE",
  sections: ["cgroup/dev"],
  context: {
    struct: "struct bpf_cgroup_dev_ctx",
    size: CGROUP_DEV_CTX_SIZE,
    fields: [
      { name: "access_type", offset: 0, size: 4, access: "r" },
      { name: "major", offset: 4, size: 4, access: "r" },
      { name: "minor", offset: 8, size: 4, access: "r" },
    ],
  },
  ldAbs: false,
  testRun: "none",
  helpers: kernelHelpers("cgroup_device"),
  returnRange: [0, 1],
  checkAccess: checkCgroupDevAccess,
});

export const BPF_SYSCTL = { write: 0, file_pos: 4 } as const;
export const BPF_SYSCTL_SIZE = 8;

/** sysctl_is_valid_access. */
export function checkSysctlAccess(a: CtxAccess): CtxAccessResult {
  const { off, size } = a;
  const bad = invalidCtxAccess(off, size);
  if (off < 0 || off + size > BPF_SYSCTL_SIZE || off % size !== 0) return bad;
  if (off < BPF_SYSCTL.file_pos) return !a.write && narrowAccessOk(size, 4) ? SCALAR : bad;
  if (a.write) return size === 4 ? SCALAR : bad;
  return narrowAccessOk(size, 4) ? SCALAR : bad;
}

export const cgroupSysctl = defineProgramType({
  name: "cgroup_sysctl",
  kernelType: 23,
  kernelName: "BPF_PROG_TYPE_CGROUP_SYSCTL",
  sections: ["cgroup/sysctl"],
  context: {
    struct: "struct bpf_sysctl",
    size: BPF_SYSCTL_SIZE,
    fields: [
      { name: "write", offset: 0, size: 4, access: "r" },
      { name: "file_pos", offset: 4, size: 4, access: "rw" },
    ],
  },
  ldAbs: false,
  testRun: "none",
  helpers: kernelHelpers("cgroup_sysctl"),
  returnRange: [0, 1],
  checkAccess: checkSysctlAccess,
});
