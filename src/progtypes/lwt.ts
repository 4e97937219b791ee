/**
 * BPF_PROG_TYPE_LWT_IN / LWT_OUT / LWT_XMIT / LWT_SEG6LOCAL: lightweight-tunnel programs
 * (`ip route … encap bpf in|out|xmit`, seg6local End.BPF). All four see `struct __sk_buff` at the
 * network header with the same rules (lwt_is_valid_access in net/core/filter.c): no socket
 * address fields, tc_classid, data_meta, tstamp, wire_len or hwtstamp; writes to mark, priority
 * and cb[] only. Direct packet writes are allowed for lwt_xmit only (may_access_direct_pkt_data).
 * The helper sets differ per type (lwt_push_encap for in/xmit, the seg6 helpers for seg6local,
 * the skb-changing helpers for xmit). No return range is enforced.
 *
 * BPF_PROG_TEST_RUN: the kernel test-runs all four through its skb test run (network header,
 * direct packet access); this runtime does not implement that path yet ("none").
 */
import { defineProgramType, kernelHelpers } from "./define.js";
import { checkSkbAccess, SK_FIELDS, skbLayout, type SkbAccessPolicy } from "./sk-buff.js";
import type { ProgramTypeSpec } from "./types.js";

/** lwt_is_valid_access. */
export const LWT_POLICY: SkbAccessPolicy = {
  denied: new Set(["tc_classid", ...SK_FIELDS, "data_meta", "tstamp", "wire_len", "hwtstamp"]),
  writable: new Set(["mark", "priority", "cb"]),
  packetPointers: true,
};

function lwt(name: string, kernelType: number): ProgramTypeSpec {
  return defineProgramType({
    name,
    kernelType,
    kernelName: `BPF_PROG_TYPE_${name.toUpperCase()}`,
    sections: [name],
    context: skbLayout(LWT_POLICY),
    ldAbs: false,
    testRun: "none",
    helpers: kernelHelpers(name),
    checkAccess: (a) => checkSkbAccess(LWT_POLICY, a),
  });
}

export const lwtIn = lwt("lwt_in", 10);
export const lwtOut = lwt("lwt_out", 11);
export const lwtXmit = lwt("lwt_xmit", 12);
export const lwtSeg6local = lwt("lwt_seg6local", 19);
