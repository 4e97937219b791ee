/** BPF_PROG_TYPE_SCHED_CLS (tc classifier): `struct __sk_buff` at the mac header, data/data_end/data_meta. */
import { defineProgramType, kernelHelpers } from "./define.js";
import { checkSkbAccess, skbLayout, type SkbAccessPolicy } from "./sk-buff.js";

/** tc_cls_act_is_valid_access. */
export const TC_POLICY: SkbAccessPolicy = {
  denied: new Set(["family", "remote_ip4", "local_ip4", "remote_ip6", "local_ip6", "remote_port", "local_port"]),
  writable: new Set(["mark", "tc_index", "priority", "tc_classid", "cb", "tstamp", "queue_mapping"]),
  packetPointers: true,
  tstampTypeReadable: true,
};

export const schedCls = defineProgramType({
  name: "sched_cls",
  kernelType: 3,
  kernelName: "BPF_PROG_TYPE_SCHED_CLS",
  sections: ["tc", "classifier", "tcx/ingress", "tcx/egress", "tc/ingress", "tc/egress", "netkit/primary", "netkit/peer"],
  context: skbLayout(TC_POLICY),
  ldAbs: true,
  testRun: "skb",
  helpers: kernelHelpers("sched_cls"),
  checkAccess: (a) => checkSkbAccess(TC_POLICY, a),
});
