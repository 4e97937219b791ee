/**
 * BPF_PROG_TYPE_CGROUP_SKB: `struct __sk_buff` at the network header, direct packet reads, the
 * socket fields of the (test-run) socket, r0 in [0, 1]. The kernel does not allow LD_ABS/LD_IND
 * here (may_access_skb() is false).
 */
import { defineProgramType, kernelHelpers } from "./define.js";
import { checkSkbAccess, skbLayout, type SkbAccessPolicy } from "./sk-buff.js";

/** cg_skb_is_valid_access for a loader with CAP_BPF. */
export const CGROUP_SKB_POLICY: SkbAccessPolicy = {
  denied: new Set(["tc_classid", "data_meta", "wire_len"]),
  writable: new Set(["mark", "priority", "cb", "tstamp"]),
  packetPointers: true,
};

export const cgroupSkb = defineProgramType({
  name: "cgroup_skb",
  kernelType: 8,
  kernelName: "BPF_PROG_TYPE_CGROUP_SKB",
  sections: ["cgroup_skb/ingress", "cgroup_skb/egress", "cgroup/skb"],
  context: skbLayout(CGROUP_SKB_POLICY),
  ldAbs: false,
  testRun: "skb",
  helpers: kernelHelpers("cgroup_skb"),
  returnRange: [0, 1],
  checkAccess: (a) => checkSkbAccess(CGROUP_SKB_POLICY, a),
});
