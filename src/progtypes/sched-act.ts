/** BPF_PROG_TYPE_SCHED_ACT (tc action): the same context and rules as sched_cls. */
import { defineProgramType, kernelHelpers } from "./define.js";
import { TC_POLICY } from "./sched-cls.js";
import { checkSkbAccess, skbLayout } from "./sk-buff.js";

export const schedAct = defineProgramType({
  name: "sched_act",
  kernelType: 4,
  kernelName: "BPF_PROG_TYPE_SCHED_ACT",
  sections: ["action"],
  context: skbLayout(TC_POLICY),
  ldAbs: true,
  testRun: "skb",
  helpers: kernelHelpers("sched_act"),
  checkAccess: (a) => checkSkbAccess(TC_POLICY, a),
});
