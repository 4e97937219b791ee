/**
 * Program types: context layouts and access rules, allowed helpers, test-run rules.
 * Browser-safe (no Node imports).
 */
import { EbpfError } from "../errors.js";
import { cgroupSkb } from "./cgroup-skb.js";
import { cgroupSock } from "./cgroup-sock.js";
import { cgroupSockAddr } from "./cgroup-sock-addr.js";
import { cgroupDevice, cgroupSysctl } from "./cgroup-device.js";
import { cgroupSockopt } from "./cgroup-sockopt.js";
import { flowDissector } from "./flow-dissector.js";
import { lwtIn, lwtOut, lwtSeg6local, lwtXmit } from "./lwt.js";
import { skLookup, skReuseport } from "./sk-reuseport.js";
import { skMsg, skSkb } from "./sk-skb.js";
import { kprobe } from "./kprobe.js";
import { perfEvent } from "./perf-event.js";
import { rawTracepoint } from "./raw-tracepoint.js";
import { schedAct } from "./sched-act.js";
import { schedCls } from "./sched-cls.js";
import { sockOps } from "./sock-ops.js";
import { socketFilter } from "./socket-filter.js";
import { syscall } from "./syscall.js";
import { tracepoint } from "./tracepoint.js";
import { tracing } from "./tracing.js";
import type { ProgramTypeSpec } from "./types.js";
import { xdp } from "./xdp.js";

export * from "./types.js";
export { helpersFor, returnRangeFor } from "./define.js";
export { SKB, SK_BUFF_SIZE, BPF_SOCK, BPF_SOCK_SIZE } from "./sk-buff.js";
export { XDP_MD, XDP_MD_SIZE, XDP_PACKET_HEADROOM, XDP_FRAME_SIZE, SKB_SHARED_INFO_SIZE, XDP_FRAME_STRUCT_SIZE } from "./xdp.js";
export { PT_REGS_NAMES, PT_REGS_SIZE, PT_REGS_PARM, ptRegsOffset } from "./kprobe.js";
export { SOCK_OPS, SOCK_OPS_SIZE } from "./sock-ops.js";
export { SOCK_ADDR, SOCK_ADDR_SIZE } from "./cgroup-sock-addr.js";
export { bpfSockAccessOk } from "./cgroup-sock.js";
export { SK_MSG_MD, SK_MSG_MD_SIZE } from "./sk-skb.js";
export { FLOW_KEYS, FLOW_KEYS_SIZE } from "./flow-dissector.js";
export { CGROUP_DEV_CTX, CGROUP_DEV_CTX_SIZE, BPF_SYSCTL, BPF_SYSCTL_SIZE } from "./cgroup-device.js";
export { BPF_SOCKOPT, BPF_SOCKOPT_SIZE } from "./cgroup-sockopt.js";
export { SK_REUSEPORT_MD, SK_REUSEPORT_MD_SIZE, SK_LOOKUP, SK_LOOKUP_SIZE } from "./sk-reuseport.js";
export { PERF_EVENT_DATA, PERF_EVENT_DATA_SIZE } from "./perf-event.js";
export { MAX_RAW_TP_ARGS } from "./raw-tracepoint.js";
export { PERF_MAX_TRACE_SIZE } from "./tracepoint.js";
export { tracing, MAX_TRACING_ARGS, TRACING_ATTACH_TYPES } from "./tracing.js";
export { checkContextAccesses, type CtxCheckResult, type CtxCheckOptions } from "./ctx-access.js";
export { PacketBuffer, ethTypeTrans, buildSkb, buildXdp, ETH_HLEN, SKB_HEADROOM } from "./packet.js";
export { socketFilter, cgroupSkb, schedCls, schedAct, xdp, kprobe, tracepoint, rawTracepoint, perfEvent, syscall, sockOps, cgroupSock, cgroupSockAddr };
export { skSkb, skMsg, lwtIn, lwtOut, lwtXmit, lwtSeg6local, flowDissector, cgroupDevice, cgroupSysctl, cgroupSockopt, skReuseport, skLookup };

/** Every program type this runtime knows, by libbpf name. */
export const PROGRAM_TYPES: readonly ProgramTypeSpec[] = [
  socketFilter, kprobe, schedCls, schedAct, tracepoint, xdp, perfEvent, cgroupSkb, rawTracepoint, syscall,
  sockOps, cgroupSock, cgroupSockAddr,
  skSkb, skMsg, lwtIn, lwtOut, lwtXmit, lwtSeg6local, flowDissector, cgroupDevice, cgroupSysctl, cgroupSockopt, skReuseport, skLookup,
  tracing,
];

const BY_NAME = new Map<string, ProgramTypeSpec>();
for (const t of PROGRAM_TYPES) {
  BY_NAME.set(t.name, t);
  BY_NAME.set(t.kernelName.toLowerCase(), t);
}

/** The spec of a program type given by libbpf name, BPF_PROG_TYPE_* name or kernel number. */
export function programType(type: string | number): ProgramTypeSpec {
  const t = typeof type === "number" ? PROGRAM_TYPES.find((p) => p.kernelType === type) : BY_NAME.get(type.toLowerCase());
  if (!t) throw new EbpfError("EINVAL", `unknown or unsupported program type ${JSON.stringify(type)} (known: ${PROGRAM_TYPES.map((p) => p.name).join(", ")})`);
  return t;
}

/** The program type libbpf infers from an ELF section name ("xdp", "tc/ingress", "kprobe/do_exit" …). */
export function programTypeForSection(section: string): ProgramTypeSpec | undefined {
  let best: ProgramTypeSpec | undefined;
  let bestLen = -1;
  for (const t of PROGRAM_TYPES) {
    for (const s of t.sections) {
      if ((section === s || section.startsWith(`${s}/`)) && s.length > bestLen) {
        best = t;
        bestLen = s.length;
      }
    }
  }
  return best;
}
