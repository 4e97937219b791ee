/**
 * Program types, attach types and libbpf's SEC() conventions: which program type and expected
 * attach type a section name stands for.
 */

/** enum bpf_prog_type, by value; names as libbpf/bpftool print them. */
export const PROG_TYPE_NAMES = [
  "unspec",
  "socket_filter",
  "kprobe",
  "sched_cls",
  "sched_act",
  "tracepoint",
  "xdp",
  "perf_event",
  "cgroup_skb",
  "cgroup_sock",
  "lwt_in",
  "lwt_out",
  "lwt_xmit",
  "sock_ops",
  "sk_skb",
  "cgroup_device",
  "sk_msg",
  "raw_tracepoint",
  "cgroup_sock_addr",
  "lwt_seg6local",
  "lirc_mode2",
  "sk_reuseport",
  "flow_dissector",
  "cgroup_sysctl",
  "raw_tracepoint_writable",
  "cgroup_sockopt",
  "tracing",
  "struct_ops",
  "ext",
  "lsm",
  "sk_lookup",
  "syscall",
  "netfilter",
] as const;
export type ProgramType = (typeof PROG_TYPE_NAMES)[number];

/** enum bpf_attach_type, by value; names as libbpf/bpftool print them. */
export const ATTACH_TYPE_NAMES = [
  "cgroup_inet_ingress",
  "cgroup_inet_egress",
  "cgroup_inet_sock_create",
  "cgroup_sock_ops",
  "sk_skb_stream_parser",
  "sk_skb_stream_verdict",
  "cgroup_device",
  "sk_msg_verdict",
  "cgroup_inet4_bind",
  "cgroup_inet6_bind",
  "cgroup_inet4_connect",
  "cgroup_inet6_connect",
  "cgroup_inet4_post_bind",
  "cgroup_inet6_post_bind",
  "cgroup_udp4_sendmsg",
  "cgroup_udp6_sendmsg",
  "lirc_mode2",
  "flow_dissector",
  "cgroup_sysctl",
  "cgroup_udp4_recvmsg",
  "cgroup_udp6_recvmsg",
  "cgroup_getsockopt",
  "cgroup_setsockopt",
  "trace_raw_tp",
  "trace_fentry",
  "trace_fexit",
  "modify_return",
  "lsm_mac",
  "trace_iter",
  "cgroup_inet4_getpeername",
  "cgroup_inet6_getpeername",
  "cgroup_inet4_getsockname",
  "cgroup_inet6_getsockname",
  "xdp_devmap",
  "cgroup_inet_sock_release",
  "xdp_cpumap",
  "sk_lookup",
  "xdp",
  "sk_skb_verdict",
  "sk_reuseport_select",
  "sk_reuseport_select_or_migrate",
  "perf_event",
  "trace_kprobe_multi",
  "lsm_cgroup",
  "struct_ops",
  "netfilter",
  "tcx_ingress",
  "tcx_egress",
  "trace_uprobe_multi",
  "cgroup_unix_connect",
  "cgroup_unix_sendmsg",
  "cgroup_unix_recvmsg",
  "cgroup_unix_getpeername",
  "cgroup_unix_getsockname",
  "netkit_primary",
  "netkit_peer",
  "trace_kprobe_session",
  "trace_uprobe_session",
  "trace_fsession",
] as const;
export type AttachType = (typeof ATTACH_TYPE_NAMES)[number];

export function progTypeNumber(t: ProgramType): number {
  return PROG_TYPE_NAMES.indexOf(t);
}

export function attachTypeNumber(t: AttachType): number {
  return ATTACH_TYPE_NAMES.indexOf(t);
}

/** BPF_F_SLEEPABLE and BPF_F_XDP_HAS_FRAGS (program load flags). */
export const BPF_F_SLEEPABLE = 1 << 4;
export const BPF_F_XDP_HAS_FRAGS = 1 << 5;

const SLEEPABLE = 1;
const XDP_FRAGS = 2;

/**
 * libbpf's section_defs. A pattern ending in "+" matches the name itself or the name followed by
 * "/anything"; any other pattern matches as a prefix (libbpf's legacy, "sloppy" matching, which old
 * objects rely on: "socket1", "cgroup/sock1", "xdp_prog", "classifier_foo").
 */
const SECTION_DEFS: ReadonlyArray<readonly [string, ProgramType, AttachType | undefined, number]> = [
  ["socket", "socket_filter", undefined, 0],
  ["sk_reuseport/migrate", "sk_reuseport", "sk_reuseport_select_or_migrate", 0],
  ["sk_reuseport", "sk_reuseport", "sk_reuseport_select", 0],
  ["kprobe+", "kprobe", undefined, 0],
  ["uprobe+", "kprobe", undefined, 0],
  ["uprobe.s+", "kprobe", undefined, SLEEPABLE],
  ["kretprobe+", "kprobe", undefined, 0],
  ["uretprobe+", "kprobe", undefined, 0],
  ["uretprobe.s+", "kprobe", undefined, SLEEPABLE],
  ["kprobe.multi+", "kprobe", "trace_kprobe_multi", 0],
  ["kretprobe.multi+", "kprobe", "trace_kprobe_multi", 0],
  ["kprobe.session+", "kprobe", "trace_kprobe_session", 0],
  ["uprobe.multi+", "kprobe", "trace_uprobe_multi", 0],
  ["uretprobe.multi+", "kprobe", "trace_uprobe_multi", 0],
  ["uprobe.session+", "kprobe", "trace_uprobe_session", 0],
  ["uprobe.multi.s+", "kprobe", "trace_uprobe_multi", SLEEPABLE],
  ["uretprobe.multi.s+", "kprobe", "trace_uprobe_multi", SLEEPABLE],
  ["uprobe.session.s+", "kprobe", "trace_uprobe_session", SLEEPABLE],
  ["ksyscall+", "kprobe", undefined, 0],
  ["kretsyscall+", "kprobe", undefined, 0],
  ["usdt+", "kprobe", undefined, 0],
  ["usdt.s+", "kprobe", undefined, SLEEPABLE],
  ["tc/ingress", "sched_cls", "tcx_ingress", 0],
  ["tc/egress", "sched_cls", "tcx_egress", 0],
  ["tcx/ingress", "sched_cls", "tcx_ingress", 0],
  ["tcx/egress", "sched_cls", "tcx_egress", 0],
  ["tc", "sched_cls", undefined, 0],
  ["classifier", "sched_cls", undefined, 0],
  ["action", "sched_act", undefined, 0],
  ["netkit/primary", "sched_cls", "netkit_primary", 0],
  ["netkit/peer", "sched_cls", "netkit_peer", 0],
  ["tracepoint+", "tracepoint", undefined, 0],
  ["tp+", "tracepoint", undefined, 0],
  ["tracepoint.s+", "tracepoint", undefined, SLEEPABLE],
  ["tp.s+", "tracepoint", undefined, SLEEPABLE],
  ["raw_tracepoint+", "raw_tracepoint", undefined, 0],
  ["raw_tp+", "raw_tracepoint", undefined, 0],
  ["raw_tracepoint.s+", "raw_tracepoint", undefined, SLEEPABLE],
  ["raw_tp.s+", "raw_tracepoint", undefined, SLEEPABLE],
  ["raw_tracepoint.w+", "raw_tracepoint_writable", undefined, 0],
  ["raw_tp.w+", "raw_tracepoint_writable", undefined, 0],
  ["tp_btf+", "tracing", "trace_raw_tp", 0],
  ["tp_btf.s+", "tracing", "trace_raw_tp", SLEEPABLE],
  ["fentry+", "tracing", "trace_fentry", 0],
  ["fmod_ret+", "tracing", "modify_return", 0],
  ["fexit+", "tracing", "trace_fexit", 0],
  ["fentry.s+", "tracing", "trace_fentry", SLEEPABLE],
  ["fmod_ret.s+", "tracing", "modify_return", SLEEPABLE],
  ["fexit.s+", "tracing", "trace_fexit", SLEEPABLE],
  ["fsession+", "tracing", "trace_fsession", 0],
  ["fsession.s+", "tracing", "trace_fsession", SLEEPABLE],
  ["freplace+", "ext", undefined, 0],
  ["lsm+", "lsm", "lsm_mac", 0],
  ["lsm.s+", "lsm", "lsm_mac", SLEEPABLE],
  ["lsm_cgroup+", "lsm", "lsm_cgroup", 0],
  ["iter+", "tracing", "trace_iter", 0],
  ["iter.s+", "tracing", "trace_iter", SLEEPABLE],
  ["syscall", "syscall", undefined, SLEEPABLE],
  ["xdp.frags/devmap", "xdp", "xdp_devmap", XDP_FRAGS],
  ["xdp/devmap", "xdp", "xdp_devmap", 0],
  ["xdp.frags/cpumap", "xdp", "xdp_cpumap", XDP_FRAGS],
  ["xdp/cpumap", "xdp", "xdp_cpumap", 0],
  ["xdp.frags", "xdp", "xdp", XDP_FRAGS],
  ["xdp", "xdp", "xdp", 0],
  ["perf_event", "perf_event", undefined, 0],
  ["lwt_in", "lwt_in", undefined, 0],
  ["lwt_out", "lwt_out", undefined, 0],
  ["lwt_xmit", "lwt_xmit", undefined, 0],
  ["lwt_seg6local", "lwt_seg6local", undefined, 0],
  ["sockops", "sock_ops", "cgroup_sock_ops", 0],
  ["sk_skb/stream_parser", "sk_skb", "sk_skb_stream_parser", 0],
  ["sk_skb/stream_verdict", "sk_skb", "sk_skb_stream_verdict", 0],
  ["sk_skb/verdict", "sk_skb", "sk_skb_verdict", 0],
  ["sk_skb", "sk_skb", undefined, 0],
  ["sk_msg", "sk_msg", "sk_msg_verdict", 0],
  ["lirc_mode2", "lirc_mode2", "lirc_mode2", 0],
  ["flow_dissector", "flow_dissector", "flow_dissector", 0],
  ["cgroup_skb/ingress", "cgroup_skb", "cgroup_inet_ingress", 0],
  ["cgroup_skb/egress", "cgroup_skb", "cgroup_inet_egress", 0],
  ["cgroup/skb", "cgroup_skb", undefined, 0],
  ["cgroup/sock_create", "cgroup_sock", "cgroup_inet_sock_create", 0],
  ["cgroup/sock_release", "cgroup_sock", "cgroup_inet_sock_release", 0],
  ["cgroup/sock", "cgroup_sock", "cgroup_inet_sock_create", 0],
  ["cgroup/post_bind4", "cgroup_sock", "cgroup_inet4_post_bind", 0],
  ["cgroup/post_bind6", "cgroup_sock", "cgroup_inet6_post_bind", 0],
  ["cgroup/bind4", "cgroup_sock_addr", "cgroup_inet4_bind", 0],
  ["cgroup/bind6", "cgroup_sock_addr", "cgroup_inet6_bind", 0],
  ["cgroup/connect4", "cgroup_sock_addr", "cgroup_inet4_connect", 0],
  ["cgroup/connect6", "cgroup_sock_addr", "cgroup_inet6_connect", 0],
  ["cgroup/connect_unix", "cgroup_sock_addr", "cgroup_unix_connect", 0],
  ["cgroup/sendmsg4", "cgroup_sock_addr", "cgroup_udp4_sendmsg", 0],
  ["cgroup/sendmsg6", "cgroup_sock_addr", "cgroup_udp6_sendmsg", 0],
  ["cgroup/sendmsg_unix", "cgroup_sock_addr", "cgroup_unix_sendmsg", 0],
  ["cgroup/recvmsg4", "cgroup_sock_addr", "cgroup_udp4_recvmsg", 0],
  ["cgroup/recvmsg6", "cgroup_sock_addr", "cgroup_udp6_recvmsg", 0],
  ["cgroup/recvmsg_unix", "cgroup_sock_addr", "cgroup_unix_recvmsg", 0],
  ["cgroup/getpeername4", "cgroup_sock_addr", "cgroup_inet4_getpeername", 0],
  ["cgroup/getpeername6", "cgroup_sock_addr", "cgroup_inet6_getpeername", 0],
  ["cgroup/getpeername_unix", "cgroup_sock_addr", "cgroup_unix_getpeername", 0],
  ["cgroup/getsockname4", "cgroup_sock_addr", "cgroup_inet4_getsockname", 0],
  ["cgroup/getsockname6", "cgroup_sock_addr", "cgroup_inet6_getsockname", 0],
  ["cgroup/getsockname_unix", "cgroup_sock_addr", "cgroup_unix_getsockname", 0],
  ["cgroup/sysctl", "cgroup_sysctl", "cgroup_sysctl", 0],
  ["cgroup/getsockopt", "cgroup_sockopt", "cgroup_getsockopt", 0],
  ["cgroup/setsockopt", "cgroup_sockopt", "cgroup_setsockopt", 0],
  ["cgroup/dev", "cgroup_device", "cgroup_device", 0],
  ["struct_ops+", "struct_ops", undefined, 0],
  ["struct_ops.s+", "struct_ops", undefined, SLEEPABLE],
  ["sk_lookup", "sk_lookup", "sk_lookup", 0],
  ["netfilter", "netfilter", "netfilter", 0],
];

/**
 * Names older objects (kernel samples, iproute2, Cilium's early loaders) use that libbpf's table
 * does not cover; matched as prefixes after the table fails.
 */
const LEGACY_DEFS: ReadonlyArray<readonly [string, ProgramType, AttachType | undefined]> = [
  ["kretprobe", "kprobe", undefined],
  ["kprobe", "kprobe", undefined],
  ["uretprobe", "kprobe", undefined],
  ["uprobe", "kprobe", undefined],
  ["tracepoint", "tracepoint", undefined],
  ["raw_tracepoint", "raw_tracepoint", undefined],
  ["cgroup_skb", "cgroup_skb", undefined],
  ["sk_skb", "sk_skb", undefined],
  ["sockops", "sock_ops", "cgroup_sock_ops"],
  ["lwt", "lwt_in", undefined],
];

export interface SectionKind {
  type: ProgramType;
  attachType?: AttachType;
  /** What follows the pattern's "/" (kprobe function, tracepoint name, fentry target …). */
  attachTo?: string;
  /** BPF_F_SLEEPABLE / BPF_F_XDP_HAS_FRAGS. */
  flags: number;
  /** False for SEC("?...") (libbpf: not loaded unless enabled). */
  autoload: boolean;
  /** The section name without the "?" prefix. */
  sectionName: string;
  /** True when no definition matched (program type "unspec"). */
  unknown: boolean;
}

/** Program type, attach type and attach target of a program section, as libbpf derives them. */
export function classifySection(name: string): SectionKind {
  let autoload = true;
  if (name.startsWith("?")) {
    autoload = false;
    name = name.slice(1);
  }
  for (const [pattern, type, attachType, flags] of SECTION_DEFS) {
    const m = matchSection(name, pattern);
    if (m === undefined) continue;
    const out: SectionKind = { type, flags: flagsOf(flags), autoload, sectionName: name, unknown: false };
    if (attachType) out.attachType = attachType;
    // struct_ops/<name>: the name is informational only (libbpf ignores it)
    if (m && type !== "struct_ops") out.attachTo = m;
    return out;
  }
  for (const [prefix, type, attachType] of LEGACY_DEFS) {
    if (!name.startsWith(prefix)) continue;
    const out: SectionKind = { type, flags: 0, autoload, sectionName: name, unknown: false };
    if (attachType) out.attachType = attachType;
    const slash = name.indexOf("/");
    if (slash >= 0 && slash + 1 < name.length) out.attachTo = name.slice(slash + 1);
    return out;
  }
  return { type: "unspec", flags: 0, autoload, sectionName: name, unknown: true };
}

function flagsOf(f: number): number {
  return (f & SLEEPABLE ? BPF_F_SLEEPABLE : 0) | (f & XDP_FRAGS ? BPF_F_XDP_HAS_FRAGS : 0);
}

/** The text after "/" when the name matches (possibly ""), undefined when it does not. */
function matchSection(name: string, pattern: string): string | undefined {
  if (pattern.endsWith("+")) {
    const want = pattern.slice(0, -1);
    if (name === want) return "";
    if (name.startsWith(want + "/")) return name.slice(want.length + 1);
    return undefined;
  }
  return name.startsWith(pattern) ? "" : undefined;
}
