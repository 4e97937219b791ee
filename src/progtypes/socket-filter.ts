/** BPF_PROG_TYPE_SOCKET_FILTER: `struct __sk_buff`, skb->data at the network header, LD_ABS/LD_IND. */
import { defineProgramType, kernelHelpers } from "./define.js";
import { checkSkbAccess, skbLayout, type SkbAccessPolicy } from "./sk-buff.js";

/** sk_filter_is_valid_access: no packet pointers, no socket fields, writes only to cb[]. */
export const SOCKET_FILTER_POLICY: SkbAccessPolicy = {
  denied: new Set(["tc_classid", "data", "data_meta", "data_end", "family", "remote_ip4", "local_ip4", "remote_ip6", "local_ip6", "remote_port", "local_port", "tstamp", "wire_len", "hwtstamp"]),
  writable: new Set(["cb"]),
  packetPointers: false,
};

export const socketFilter = defineProgramType({
  name: "socket_filter",
  kernelType: 1,
  kernelName: "BPF_PROG_TYPE_SOCKET_FILTER",
  sections: ["socket"],
  context: skbLayout(SOCKET_FILTER_POLICY),
  ldAbs: true,
  testRun: "skb",
  helpers: kernelHelpers("socket_filter"),
  checkAccess: (a) => checkSkbAccess(SOCKET_FILTER_POLICY, a),
});
