/**
 * Hand-written programs for the differential tests: each is assembled, verified by us and loaded
 * into the kernel; verdicts and error messages must agree. `map[id:N]` refers to MAPS[N].
 */
import type { VerifierMap } from "../../src/verifier/index.js";

export const MAPS: VerifierMap[] = [
  { name: "m_hash", type: 1, keySize: 4, valueSize: 8, maxEntries: 16 },
  { name: "m_array", type: 2, keySize: 4, valueSize: 48, maxEntries: 4 },
  { name: "m_ringbuf", type: 27, keySize: 0, valueSize: 0, maxEntries: 4096 },
  { name: "m_prog", type: 3, keySize: 4, valueSize: 4, maxEntries: 4 },
  { name: "m_perf", type: 4, keySize: 4, valueSize: 4, maxEntries: 2 },
];

export interface Case {
  name: string;
  type?: string;
  /** Expected attach type (libbpf spelling without BPF_, "cgroup_inet4_connect"). */
  attachType?: string;
  /**
   * Tracing programs: the attach target (tp_btf: the tracepoint; fentry/fexit: the function),
   * resolved in the host's vmlinux BTF; such cases need it and a live kernel (offsets into kernel
   * structs below are this host's layout, Linux 6.18).
   */
  attachTo?: string;
  /** Load with BTF func_info (callbacks need it): oracle.ts builds a minimal BTF for it. */
  funcInfo?: boolean;
  asm: string;
}

const SOCK_OPS_PKT = `
r0 = 1
r2 = *(u64 *)(r1 + 192)
r3 = *(u64 *)(r1 + 200)
r4 = r2
r4 += 1
if r4 > r3 goto +2
`;

/** data/data_end of struct __sk_buff, then a 1-byte bounds check (r2 = data, r3 = data_end). */
const SKB_PKT = `
r0 = 0
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = r2
r4 += 1
if r4 > r3 goto +2
`;

/** The same for the 8-byte data/data_end pointers at offsets 0 and 8 (sk_msg_md, sk_reuseport_md). */
const MD_PKT = `
r0 = 0
r2 = *(u64 *)(r1 + 0)
r3 = *(u64 *)(r1 + 8)
r4 = r2
r4 += 1
if r4 > r3 goto +2
`;

/** bpf_sockopt optval/optval_end at offsets 8 and 16. */
const SOCKOPT_PKT = `
r0 = 1
r2 = *(u64 *)(r1 + 8)
r3 = *(u64 *)(r1 + 16)
r4 = r2
r4 += 1
if r4 > r3 goto +2
`;

const STACK_BUF = `
r2 = 0
*(u64 *)(r10 - 8) = r2
`;

function tracingCases(list: [string, string][], tracepoint: string): Case[] {
  return list.map(([name, asm]) => ({ name, type: "tracing", attachType: "trace_raw_tp", attachTo: tracepoint, asm }));
}

const LOOKUP_HASH = `
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map[id:0]
call 1
`;

const LOOKUP_ARRAY = `
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map[id:1]
call 1
`;

const XDP_PKT = `
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
`;

export const CASES: Case[] = [
  // ---- tracing (tp_btf/sched_switch: bool preempt, task_struct *prev, *next, unsigned int prev_state) ----
  // task_struct here: __state @24, se @128 (load.weight @0, load.inv_weight @8 u32), stack (void *) @32,
  // mm @1136, pid @1264, real_parent @1280, comm[16] @1752. Fentry/fexit cases cannot be recorded on
  // hosts that refuse trampoline programs (EPERM before the verifier runs), so tp_btf carries them.
  ...tracingCases([
    ["tp_btf args", "r2 = *(u8 *)(r1 + 0)\nr3 = *(u64 *)(r1 + 8)\nr4 = *(u32 *)(r1 + 24)\nr5 = *(u64 *)(r1 + 16)\nr0 = 0\nexit"],
    ["tp_btf struct walk", "r6 = *(u64 *)(r1 + 8)\nr2 = *(u32 *)(r6 + 24)\nr3 = *(u64 *)(r6 + 128)\nr4 = *(u64 *)(r6 + 1280)\nr5 = *(u32 *)(r4 + 1264)\nr7 = *(u64 *)(r6 + 1136)\nr8 = *(u8 *)(r6 + 1755)\nr0 = 0\nexit"],
    ["tp_btf ptr arithmetic", "r6 = *(u64 *)(r1 + 16)\nr6 += 1264\nr2 = *(u32 *)(r6 + 0)\nr0 = 0\nexit"],
    ["tp_btf arg out of range", "r2 = *(u64 *)(r1 + 32)\nr0 = 0\nexit"],
    ["tp_btf ctx beyond args", "r2 = *(u64 *)(r1 + 96)\nr0 = 0\nexit"],
    ["tp_btf pointer arg size 4", "r2 = *(u32 *)(r1 + 8)\nr0 = 0\nexit"],
    ["tp_btf ctx misaligned", "r2 = *(u32 *)(r1 + 4)\nr0 = 0\nexit"],
    ["tp_btf ctx write", "*(u64 *)(r1 + 0) = r1\nr0 = 0\nexit"],
    ["tp_btf beyond struct", "r6 = *(u64 *)(r1 + 8)\nr2 = *(u64 *)(r6 + 32000)\nr0 = 0\nexit"],
    ["tp_btf beyond member", "r6 = *(u64 *)(r1 + 8)\nr2 = *(u64 *)(r6 + 1764)\nr0 = 0\nexit"],
    ["tp_btf nested member end", "r6 = *(u64 *)(r1 + 8)\nr2 = *(u64 *)(r6 + 136)\nr0 = 0\nexit"],
    ["tp_btf ptr member size", "r6 = *(u64 *)(r1 + 8)\nr2 = *(u32 *)(r6 + 1136)\nr0 = 0\nexit"],
    ["tp_btf store to btf ptr", "r6 = *(u64 *)(r1 + 8)\n*(u64 *)(r6 + 0) = r1\nr0 = 0\nexit"],
    ["tp_btf st to btf ptr", "r6 = *(u64 *)(r1 + 8)\n*(u32 *)(r6 + 24) = 1\nr0 = 0\nexit"],
    ["tp_btf negative off", "r6 = *(u64 *)(r1 + 8)\nr6 += -8\nr2 = *(u64 *)(r6 + 0)\nr0 = 0\nexit"],
    ["tp_btf variable off", "r6 = *(u64 *)(r1 + 8)\nr2 = *(u64 *)(r1 + 24)\nr2 &= 8\nr6 += r2\nr3 = *(u64 *)(r6 + 0)\nr0 = 0\nexit"],
    ["tp_btf untrusted mem", "r6 = *(u64 *)(r1 + 8)\nr7 = *(u64 *)(r6 + 32)\nr2 = *(u64 *)(r7 + 100)\nr0 = 0\nexit"],
    ["tp_btf current task", "call 158\nr1 = r0\ncall 175\nr2 = *(u64 *)(r0 + 8)\nr0 = 0\nexit"],
    ["tp_btf btf arg wrong struct", "call 158\nr1 = r0\ncall 137\nr0 = 0\nexit"],
    ["tp_btf btf arg offset", "r1 = *(u64 *)(r1 + 8)\nr1 += 8\ncall 175\nr0 = 0\nexit"],
    ["tp_btf get_func_ip", "call 173\nr0 = 0\nexit"],
    ["tp_btf get_func_arg", "r2 = 0\nr3 = r10\nr3 += -8\ncall 183\nr0 = 0\nexit"],
    ["tp_btf might sleep", "call 148\nr0 = 0\nexit"],
    ["tp_btf wrong helper", "r1 = 0\ncall 6\nr0 = 0\nexit"],
  ], "sched_switch"),
  ...tracingCases([
    ["tp_btf skc_to_tcp_sock", "r6 = *(u64 *)(r1 + 0)\nr1 = r6\ncall 137\nif r0 == 0 goto +2\nr2 = *(u32 *)(r0 + 1000)\nr3 = *(u16 *)(r6 + 16)\nr0 = 0\nexit"],
    ["tp_btf or_null deref", "r1 = *(u64 *)(r1 + 0)\ncall 137\nr2 = *(u32 *)(r0 + 0)\nr0 = 0\nexit"],
    ["tp_btf int arg as pointer", "r6 = *(u64 *)(r1 + 8)\nr2 = *(u32 *)(r6 + 0)\nr0 = 0\nexit"],
  ], "inet_sock_set_state"),
  // ---- basics -------------------------------------------------------------------------------
  { name: "return 0", asm: "r0 = 0\nexit" },
  { name: "r0 not set", asm: "exit" },
  { name: "uninit r2", asm: "r0 = r2\nexit" },
  { name: "write r10", asm: "r10 = 0\nr0 = 0\nexit" },
  { name: "fall off end", asm: "r0 = 0" },
  { name: "unreachable", asm: "r0 = 0\nexit\nr0 = 1\nexit" },
  { name: "jump out of range", asm: "r0 = 0\nif r0 == 0 goto +5\nexit" },
  { name: "div by zero imm", asm: "r0 = 1\nr0 /= 0\nexit" },
  { name: "div by reg ok", asm: "r0 = 1\nr1 = 0\nr0 /= r1\nexit" },
  { name: "invalid shift", asm: "r0 = 1\nr0 <<= 64\nexit" },
  { name: "w shift 32", asm: "w0 = 1\nw0 <<= 32\nexit" },
  { name: "lddw", asm: "r0 = 0x123456789 ll\nexit" },
  { name: "alu32 ops", asm: "w0 = -1\nw0 += 5\nw0 *= 3\nw0 &= 0xff\nw0 |= 0x100\nw0 ^= 3\nw0 >>= 2\nw0 s>>= 1\nw0 = -w0\nexit" },
  { name: "alu64 ops", asm: "r0 = -1\nr0 += 5\nr0 *= 3\nr0 &= 0xff\nr0 |= 0x100\nr0 ^= 3\nr0 >>= 2\nr0 s>>= 1\nr0 = -r0\nr0 %= 7\nexit" },
  { name: "movsx", asm: "r1 = 0xff\nr0 = (s8)r1\nw2 = (s16)w1\nexit" },
  { name: "bswap", asm: "r0 = 0x1234\nr0 = be16 r0\nr0 = le32 r0\nr0 = bswap64 r0\nexit" },
  // ---- stack --------------------------------------------------------------------------------
  { name: "stack write read", asm: "r1 = 5\n*(u64 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)\nexit" },
  { name: "stack uninit read priv", asm: "r0 = *(u64 *)(r10 - 8)\nr0 = 0\nexit" },
  { name: "stack out of bounds", asm: "r1 = 0\n*(u64 *)(r10 - 520) = r1\nr0 = 0\nexit" },
  { name: "stack positive off", asm: "r1 = 0\n*(u64 *)(r10 + 0) = r1\nr0 = 0\nexit" },
  { name: "stack misaligned", asm: "r1 = 0\n*(u32 *)(r10 - 6) = r1\nr0 = 0\nexit" },
  { name: "spill ctx fill", asm: "*(u64 *)(r10 - 8) = r1\nr2 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r2 + 0)\nexit" },
  { name: "spill ctx partial fill", asm: "*(u64 *)(r10 - 8) = r1\nr2 = *(u32 *)(r10 - 8)\nr0 = 0\nexit" },
  { name: "spill ptr 4 bytes", asm: "*(u32 *)(r10 - 8) = r1\nr0 = 0\nexit" },
  { name: "st imm then read", asm: "*(u32 *)(r10 - 4) = 7\nr0 = *(u32 *)(r10 - 4)\nexit" },
  { name: "stack ptr arith", asm: "r1 = r10\nr1 += -16\nr2 = 3\n*(u64 *)(r1 + 0) = r2\nr0 = *(u64 *)(r10 - 16)\nexit" },
  { name: "stack sub from fp", asm: "r1 = r10\nr2 = 8\nr1 -= r2\nr0 = 0\nexit" },
  { name: "stack var off write", asm: "r2 = *(u32 *)(r1 + 0)\nr2 &= 7\nr1 = r10\nr1 += -16\nr1 += r2\nr3 = 0\n*(u8 *)(r1 + 0) = r3\nr0 = 0\nexit" },
  { name: "stack var off read", asm: "r2 = *(u32 *)(r1 + 0)\nr2 &= 7\nr1 = r10\nr1 += -16\nr1 += r2\nr0 = *(u8 *)(r1 + 0)\nexit" },
  { name: "stack var off unbounded", asm: "r2 = *(u32 *)(r1 + 0)\nr1 = r10\nr1 += r2\nr0 = 0\nexit" },
  // ---- ctx ----------------------------------------------------------------------------------
  { name: "ctx len", asm: "r0 = *(u32 *)(r1 + 0)\nexit" },
  { name: "ctx bad off", asm: "r0 = *(u32 *)(r1 + 1000)\nexit" },
  { name: "ctx write mark", type: "sched_cls", asm: "r2 = 1\n*(u32 *)(r1 + 8) = r2\nr0 = 0\nexit" },
  { name: "ctx write len", type: "sched_cls", asm: "r2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit" },
  { name: "ctx modified", asm: "r1 += 4\nr0 = *(u32 *)(r1 + 0)\nexit" },
  { name: "ctx st", asm: "*(u32 *)(r1 + 8) = 1\nr0 = 0\nexit" },
  { name: "xdp ctx size", type: "xdp", asm: "r0 = *(u64 *)(r1 + 0)\nexit" },
  { name: "kprobe ctx", type: "kprobe", asm: "r0 = *(u64 *)(r1 + 112)\nexit" },
  { name: "kprobe ctx oob", type: "kprobe", asm: "r0 = *(u64 *)(r1 + 168)\nexit" },
  // ---- packet -------------------------------------------------------------------------------
  { name: "xdp pkt ok", type: "xdp", asm: `${XDP_PKT}r4 = r2\nr4 += 14\nif r4 > r3 goto +2\nr0 = *(u8 *)(r2 + 13)\nexit\nr0 = 2\nexit` },
  { name: "xdp pkt oob", type: "xdp", asm: `${XDP_PKT}r4 = r2\nr4 += 14\nif r4 > r3 goto +2\nr0 = *(u8 *)(r2 + 14)\nexit\nr0 = 2\nexit` },
  { name: "xdp pkt no check", type: "xdp", asm: `${XDP_PKT}r0 = *(u8 *)(r2 + 0)\nexit` },
  { name: "xdp pkt lt", type: "xdp", asm: `${XDP_PKT}r4 = r2\nr4 += 8\nif r4 < r3 goto +2\nr0 = 1\nexit\nr0 = *(u64 *)(r2 + 0)\nexit` },
  { name: "xdp pkt ge", type: "xdp", asm: `${XDP_PKT}r4 = r2\nr4 += 8\nif r3 >= r4 goto +2\nr0 = 1\nexit\nr0 = *(u64 *)(r2 + 0)\nexit` },
  { name: "xdp pkt write", type: "xdp", asm: `${XDP_PKT}r4 = r2\nr4 += 8\nif r4 > r3 goto +3\nr5 = 1\n*(u32 *)(r2 + 4) = r5\nr0 = 0\nexit\nr0 = 0\nexit` },
  { name: "skb pkt write socket filter", type: "socket_filter", asm: "r0 = 0\nexit" },
  { name: "tc pkt var off", type: "sched_cls", asm: "r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr4 = *(u32 *)(r1 + 0)\nr4 &= 15\nr2 += r4\nr5 = r2\nr5 += 4\nif r5 > r3 goto +2\nr0 = *(u32 *)(r2 + 0)\nexit\nr0 = 0\nexit" },
  { name: "pkt negative", type: "xdp", asm: `${XDP_PKT}r4 = r2\nr4 += 8\nif r4 > r3 goto +2\nr0 = *(u8 *)(r2 - 1)\nexit\nr0 = 0\nexit` },
  // ---- maps ---------------------------------------------------------------------------------
  { name: "lookup no null check", asm: `${LOOKUP_HASH}r0 = *(u64 *)(r0 + 0)\nexit` },
  { name: "lookup null check", asm: `${LOOKUP_HASH}if r0 == 0 goto +1\nr0 = *(u64 *)(r0 + 0)\nr0 = 0\nexit` },
  { name: "lookup oob", asm: `${LOOKUP_HASH}if r0 == 0 goto +1\nr0 = *(u64 *)(r0 + 4)\nr0 = 0\nexit` },
  { name: "lookup copy null check", asm: `${LOOKUP_HASH}r6 = r0\nif r0 != 0 goto +2\nr0 = 0\nexit\nr0 = *(u32 *)(r6 + 4)\nexit` },
  { name: "lookup key uninit", asm: "r2 = r10\nr2 += -4\nr1 = map[id:0]\ncall 1\nr0 = 0\nexit" },
  { name: "lookup key scalar", asm: "r2 = 0\nr1 = map[id:0]\ncall 1\nr0 = 0\nexit" },
  { name: "lookup key ctx", asm: "r2 = r1\nr1 = map[id:0]\ncall 1\nr0 = 0\nexit" },
  { name: "lookup map scalar", asm: "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\ncall 1\nr0 = 0\nexit" },
  { name: "array const key", asm: "r1 = 0\n*(u32 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nr1 = map[id:1]\ncall 1\nr0 = *(u64 *)(r0 + 40)\nexit" },
  { name: "array const key oob", asm: "r1 = 9\n*(u32 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nr1 = map[id:1]\ncall 1\nr0 = *(u64 *)(r0 + 40)\nexit" },
  { name: "array var index", asm: "r6 = *(u32 *)(r1 + 0)\nr1 = 0\n*(u32 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +5\nr6 &= 7\nr6 <<= 3\nr0 += r6\nr0 = *(u64 *)(r0 + 0)\nexit\nr0 = 0\nexit" },
  { name: "array var index oob", asm: "r6 = *(u32 *)(r1 + 0)\nr1 = 0\n*(u32 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +5\nr6 &= 15\nr6 <<= 3\nr0 += r6\nr0 = *(u64 *)(r0 + 0)\nexit\nr0 = 0\nexit" },
  { name: "array unbounded index", asm: "r6 = *(u32 *)(r1 + 0)\nr1 = 0\n*(u32 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +3\nr0 += r6\nr0 = *(u64 *)(r0 + 0)\nexit\nr0 = 0\nexit" },
  { name: "array signed index", asm: "r6 = *(u32 *)(r1 + 0)\nr1 = 0\n*(u32 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +6\nr6 = (s32)r6\nif r6 s> 5 goto +4\nr0 += r6\nr0 = *(u8 *)(r0 + 0)\nexit\nr0 = 0\nexit" },
  { name: "map update", asm: "r1 = 0\n*(u32 *)(r10 - 4) = r1\n*(u64 *)(r10 - 16) = r1\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\nr1 = map[id:0]\nr4 = 0\ncall 2\nexit" },
  { name: "map update value uninit unpriv-ok", asm: "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\nr1 = map[id:0]\nr4 = 0\ncall 2\nexit" },
  { name: "map value ptr arith null", asm: `${LOOKUP_HASH}r0 += 4\nr0 = 0\nexit` },
  { name: "map write value", asm: `${LOOKUP_HASH}if r0 == 0 goto +2\nr1 = 5\n*(u64 *)(r0 + 0) = r1\nr0 = 0\nexit` },
  { name: "map ptr deref", asm: "r1 = map[id:0]\nr0 = *(u64 *)(r1 + 0)\nexit" },
  { name: "map in ctx leak", asm: `${LOOKUP_HASH}if r0 == 0 goto +1\n*(u64 *)(r0 + 0) = r0\nr0 = 0\nexit` },
  // ---- helpers -----------------------------------------------------------------------------
  { name: "ktime", asm: "call 5\nexit" },
  { name: "helper not allowed", asm: "call 44\nr0 = 0\nexit" },
  { name: "unknown helper", asm: "call 10000\nr0 = 0\nexit" },
  { name: "clobbered r1", asm: "call 5\nr0 = r1\nexit" },
  { name: "probe_read stack", type: "kprobe", asm: "r1 = r10\nr1 += -16\nr2 = 16\nr3 = 0\ncall 4\nr0 = *(u64 *)(r10 - 8)\nexit" },
  { name: "probe_read size var", type: "kprobe", asm: "r2 = *(u64 *)(r1 + 0)\nr1 = r10\nr1 += -16\nr3 = 0\ncall 4\nr0 = 0\nexit" },
  { name: "probe_read size bounded", type: "kprobe", asm: "r2 = *(u64 *)(r1 + 0)\nr2 &= 15\nr1 = r10\nr1 += -16\nr3 = 0\ncall 4\nr0 = 0\nexit" },
  { name: "probe_read size too big", type: "kprobe", asm: "r2 = *(u64 *)(r1 + 0)\nr2 &= 31\nr1 = r10\nr1 += -16\nr3 = 0\ncall 4\nr0 = 0\nexit" },
  { name: "trace_printk uninit", type: "kprobe", asm: "r1 = r10\nr1 += -8\nr2 = 8\ncall 6\nr0 = 0\nexit" },
  { name: "get_current_comm", type: "kprobe", asm: "r1 = r10\nr1 += -16\nr2 = 16\ncall 16\nr0 = *(u64 *)(r10 - 16)\nexit" },
  { name: "perf_event_output", type: "kprobe", asm: "r6 = r1\nr1 = 0\n*(u64 *)(r10 - 8) = r1\nr4 = r10\nr4 += -8\nr1 = r6\nr2 = map[id:4]\nr3 = 0xffffffff ll\nr5 = 8\ncall 25\nr0 = 0\nexit" },
  { name: "perf_event_output wrong map", type: "kprobe", asm: "r6 = r1\nr1 = 0\n*(u64 *)(r10 - 8) = r1\nr4 = r10\nr4 += -8\nr1 = r6\nr2 = map[id:0]\nr3 = 0\nr5 = 8\ncall 25\nr0 = 0\nexit" },
  { name: "tail call", asm: "r2 = map[id:3]\nr3 = 0\ncall 12\nr0 = 0\nexit" },
  { name: "smp id bounds", asm: "call 8\nr0 &= 0xff\nexit" },
  // ---- ringbuf ------------------------------------------------------------------------------
  { name: "ringbuf ok", asm: "r1 = map[id:2]\nr2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto +5\nr1 = 1\n*(u64 *)(r0 + 0) = r1\nr1 = r0\nr2 = 0\ncall 132\nr0 = 0\nexit" },
  { name: "ringbuf leak", asm: "r1 = map[id:2]\nr2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto +2\nr1 = 1\n*(u64 *)(r0 + 0) = r1\nr0 = 0\nexit" },
  { name: "ringbuf oob", asm: "r1 = map[id:2]\nr2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto +5\nr1 = 1\n*(u64 *)(r0 + 4) = r1\nr1 = r0\nr2 = 0\ncall 132\nr0 = 0\nexit" },
  { name: "ringbuf no null check", asm: "r1 = map[id:2]\nr2 = 8\nr3 = 0\ncall 131\nr1 = r0\nr2 = 0\ncall 132\nr0 = 0\nexit" },
  { name: "ringbuf double submit", asm: "r1 = map[id:2]\nr2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto +6\nr6 = r0\nr1 = r0\nr2 = 0\ncall 132\nr1 = r6\nr2 = 0\ncall 132\nr0 = 0\nexit" },
  { name: "ringbuf size var", asm: "r2 = *(u32 *)(r1 + 0)\nr1 = map[id:2]\nr3 = 0\ncall 131\nif r0 == 0 goto +3\nr1 = r0\nr2 = 0\ncall 133\nr0 = 0\nexit" },
  { name: "ringbuf submit scalar", asm: "r1 = 0\nr2 = 0\ncall 132\nr0 = 0\nexit" },
  // ---- loops --------------------------------------------------------------------------------
  { name: "bounded loop", asm: "r0 = 0\nr1 = 0\nr0 += r1\nr1 += 1\nif r1 < 10 goto -3\nexit" },
  // Load-acquire / store-release (check_atomic_load/check_atomic_store)
  { name: "load_acquire stack", asm: "r1 = 7\n*(u64 *)(r10 -8) = r1\nr0 = load_acquire((u64 *)(r10 -8))\nexit" },
  { name: "store_release stack", asm: "r1 = 7\nstore_release((u64 *)(r10 -8), r1)\nr0 = *(u64 *)(r10 -8)\nexit" },
  { name: "load_acquire narrow", asm: "r1 = 7\n*(u64 *)(r10 -8) = r1\nw0 = load_acquire((u8 *)(r10 -8))\nexit" },
  { name: "load_acquire uninit", asm: "r0 = load_acquire((u64 *)(r10 -8))\nexit" },
  { name: "load_acquire misaligned", asm: "r1 = 7\n*(u64 *)(r10 -16) = r1\n*(u64 *)(r10 -8) = r1\nr0 = load_acquire((u32 *)(r10 -10))\nexit" },
  { name: "load_acquire ctx", asm: "r0 = load_acquire((u32 *)(r1 +0))\nexit" },
  { name: "store_release ctx", asm: "r2 = 1\nstore_release((u32 *)(r1 +8), r2)\nr0 = 0\nexit", type: "sched_cls" },
  { name: "load_acquire map value", asm: "r1 = 0\n*(u32 *)(r10 -4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +2\nr0 = load_acquire((u64 *)(r0 +40))\nexit\nr0 = 0\nexit" },
  { name: "load_acquire map value oob", asm: "r1 = 0\n*(u32 *)(r10 -4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +2\nr0 = load_acquire((u64 *)(r0 +48))\nexit\nr0 = 0\nexit" },
  { name: "store_release pointer leak", asm: "r1 = 0\n*(u32 *)(r10 -4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +2\nstore_release((u64 *)(r0 +0), r10)\nr0 = 0\nexit" },
  { name: "store_release xdp pkt", type: "xdp", asm: "r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = r2\nr4 += 8\nif r4 > r3 goto +2\nr5 = 1\nstore_release((u32 *)(r2 +0), r5)\nr0 = 0\nexit" },
  { name: "store_release xdp pkt aligned", type: "xdp", asm: "r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = r2\nr4 += 8\nif r4 > r3 goto +2\nr5 = 1\nstore_release((u16 *)(r2 +2), r5)\nr0 = 0\nexit" },
  { name: "atomic add xdp pkt", type: "xdp", asm: "r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = r2\nr4 += 8\nif r4 > r3 goto +2\nr5 = 1\nlock *(u32 *)(r2 +2) += r5\nr0 = 0\nexit" },
  // Linked scalars with negative, subtracted and 32-bit offsets (6.18-stable, 7a433e519364 + fixes)
  { name: "linked neg64", asm: "call 7\nr6 = r0\nr6 += -4\nif r0 > 10 goto +13\nr6 += 4\nr1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +4\nr9 = r0\nr9 += r6\nr0 = *(u8 *)(r9 + 0)\nexit\nr0 = 0\nexit" },
  { name: "linked sub64", asm: "call 7\nr6 = r0\nr6 -= 4\nif r0 > 10 goto +13\nr6 += 4\nr1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +4\nr9 = r0\nr9 += r6\nr0 = *(u8 *)(r9 + 0)\nexit\nr0 = 0\nexit" },
  { name: "linked alu32", asm: "call 7\nw0 &= 0xff\nw6 = w0\nw6 += 4\nif w0 > 10 goto +13\nw6 += -4\nr1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +4\nr9 = r0\nr9 += r6\nr0 = *(u8 *)(r9 + 0)\nexit\nr0 = 0\nexit" },
  { name: "linked alu32 upper half", asm: "call 7\nr6 = r0\nw6 += 4\nif r0 > 10 goto +13\nr6 += -4\nr1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +4\nr9 = r0\nr9 += r6\nr0 = *(u8 *)(r9 + 0)\nexit\nr0 = 0\nexit" },
  { name: "linked alu32 wrap", asm: "call 7\nw0 |= 0xffffff00\nr1 = r0\nw1 += 0x100\nif r1 > 0x80 goto +4\nr2 = r0\nr2 >>= 32\nif r2 == 0 goto +1\nr0 /= 0\nr0 = 0\nexit" },
  { name: "linked alu32 zext", asm: "call 7\nw6 = w0\nr7 = r6\nw7 += 1\nr8 = 0xffffffff ll\nif r6 < r8 goto +3\nr7 >>= 32\nif r7 == 0 goto +1\nr0 /= 0\nr0 = 0\nexit" },
  { name: "linked mixed widths", asm: "call 7\nr6 = r0\nr1 = 0x100000000 ll\nif r6 >= r1 goto +10\nr7 = r6\nw7 += 1\nr8 = r6\nr8 += 2\nr9 = 0xffffffff ll\nif r7 < r9 goto +3\nr8 >>= 32\nif r8 != 0 goto +1\nr0 /= 0\nr0 = 0\nexit" },
  { name: "linked sub s32 min", asm: "call 7\nr6 = r0\nr6 -= -2147483648\nif r0 > 10 goto +13\nr6 += 4\nr1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +4\nr9 = r0\nr9 += r6\nr0 = *(u8 *)(r9 + 0)\nexit\nr0 = 0\nexit" },
  // Two loops, numbered as the kernel's compute_scc numbers them (the later loop finishes first)
  { name: "two loops", asm: "w6 = 10\nw6 += -1\nif w6 != 0 goto -2\nw6 = 5\nw6 += -1\nif w6 != 0 goto -2\nw0 = 0\nexit" },
  // A bpf_loop call is an implicit loop: its instruction gets an SCC number of its own
  { name: "bpf_loop callback", asm: "r1 = 4\nr2 = subprog[+6]\nr3 = 0\nr4 = 0\ncall 181\nr0 = 0\nexit\nr0 = 0\nexit" },
  { name: "infinite loop", asm: "r0 = 0\nr0 = 0\nif r0 == 0 goto -2\nexit" },
  { name: "unbounded loop ctx", asm: "r2 = *(u32 *)(r1 + 0)\nr0 = 0\nr0 += 1\nif r0 < r2 goto -2\nexit" },
  { name: "large loop", asm: "r1 = 0\nr1 += 1\nif r1 < 1000000 goto -2\nr0 = 0\nexit" },
  // ---- calls --------------------------------------------------------------------------------
  { name: "subprog", asm: "r1 = 1\ncall pc+2\nr0 = 0\nexit\nr0 = r1\nexit" },
  { name: "subprog stack ptr", asm: "r1 = r10\nr1 += -8\nr2 = 0\n*(u64 *)(r1 + 0) = r2\ncall pc+2\nr0 = 0\nexit\nr0 = *(u64 *)(r1 + 0)\nexit" },
  { name: "subprog return stack", asm: "call pc+2\nr0 = 0\nexit\nr0 = r10\nr0 += -8\nexit" },
  { name: "subprog uninit r6", asm: "r6 = 1\ncall pc+2\nr0 = r6\nexit\nr0 = r6\nexit" },
  { name: "subprog clobbers r1", asm: "r1 = 1\ncall pc+2\nr0 = r1\nexit\nr0 = 0\nexit" },
  // ---- pointer rules -------------------------------------------------------------------------
  { name: "ptr mul", asm: "r1 *= 2\nr0 = 0\nexit" },
  { name: "ptr and", asm: "r1 &= 2\nr0 = 0\nexit" },
  { name: "ptr 32bit", asm: "w1 += 2\nr0 = 0\nexit" },
  { name: "ptr+ptr", asm: "r1 += r10\nr0 = 0\nexit" },
  { name: "ptr-ptr", asm: "r1 -= r10\nr0 = r1\nexit" },
  { name: "return ptr", asm: "r0 = r10\nexit" },
  { name: "scalar minus ptr", asm: "r0 = 1\nr0 -= r10\nexit" },
  { name: "neg ptr", asm: "r1 = -r1\nr0 = 0\nexit" },
  // ---- cgroup_skb return range --------------------------------------------------------------
  { name: "cgroup_skb ret 1", type: "cgroup_skb", asm: "r0 = 1\nexit" },
  { name: "cgroup_skb ret 2", type: "cgroup_skb", asm: "r0 = 2\nexit" },
  { name: "cgroup_skb ret unknown", type: "cgroup_skb", asm: "r0 = *(u32 *)(r1 + 0)\nexit" },
  // ---- ld_abs --------------------------------------------------------------------------------
  { name: "ld_abs", asm: "r6 = r1\nr0 = *(u8 *)skb[12]\nexit" },
  { name: "ld_abs no r6", asm: "r0 = *(u8 *)skb[12]\nexit" },
  { name: "ld_abs xdp", type: "xdp", asm: "r6 = r1\nr0 = *(u8 *)skb[12]\nexit" },
  // ---- atomics -------------------------------------------------------------------------------
  { name: "atomic add stack", asm: "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr2 = 1\nlock *(u64 *)(r10 - 8) += r2\nr0 = *(u64 *)(r10 - 8)\nexit" },
  { name: "atomic fetch map", asm: `${LOOKUP_HASH}if r0 == 0 goto +3\nr1 = 1\nr1 = atomic64_fetch_add((u64 *)(r0 + 0), r1)\nr0 = r1\nexit\nr0 = 0\nexit` },
  { name: "atomic ctx", asm: "r2 = 1\nlock *(u32 *)(r1 + 0) += r2\nr0 = 0\nexit" },
  { name: "cmpxchg", asm: "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr0 = 0\nr2 = 1\nr0 = atomic64_cmpxchg((u64 *)(r10 - 8), r0, r2)\nexit" },
  // ---- linked scalars with offsets (BPF_ADD_CONST) ------------------------------------------
  { name: "linked scalar off: check base, use copy+K", asm: "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +6\nr6 = *(u64 *)(r0 + 0)\nr7 = r6\nr7 += 8\nif r6 > 32 goto +2\nr0 += r7\nr1 = *(u64 *)(r0 + 0)\nr0 = 0\nexit" },
  { name: "linked scalar off: bound one too loose", asm: "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +6\nr6 = *(u64 *)(r0 + 0)\nr7 = r6\nr7 += 8\nif r6 > 33 goto +2\nr0 += r7\nr1 = *(u64 *)(r0 + 0)\nr0 = 0\nexit" },
  { name: "linked scalar off: check copy+K, use base", asm: "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +7\nr6 = *(u64 *)(r0 + 0)\nr6 &= 0xff\nr7 = r6\nr7 += 8\nif r7 > 40 goto +2\nr0 += r6\nr1 = *(u64 *)(r0 + 8)\nr0 = 0\nexit" },
  { name: "linked scalar off: second add drops link", asm: "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +7\nr6 = *(u64 *)(r0 + 0)\nr7 = r6\nr7 += 4\nr7 += 4\nif r6 > 32 goto +2\nr0 += r7\nr1 = *(u64 *)(r0 + 0)\nr0 = 0\nexit" },
  { name: "linked scalar off: alu32 add drops link", asm: "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +6\nr6 = *(u64 *)(r0 + 0)\nr7 = r6\nw7 += 8\nif r6 > 32 goto +2\nr0 += r7\nr1 = *(u64 *)(r0 + 0)\nr0 = 0\nexit" },
  { name: "linked scalar off: negative offset leaves min negative", asm: "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +7\nr6 = *(u64 *)(r0 + 0)\nr6 &= 0xff\nr7 = r6\nr7 += -8\nif r6 > 40 goto +2\nr0 += r7\nr1 = *(u64 *)(r0 + 0)\nr0 = 0\nexit" },
  { name: "linked scalar off: other alu drops link", asm: "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +7\nr6 = *(u64 *)(r0 + 0)\nr7 = r6\nr7 += 8\nr7 |= 0\nif r6 > 32 goto +2\nr0 += r7\nr1 = *(u64 *)(r0 + 0)\nr0 = 0\nexit" },
  { name: "linked scalar off: spilled base learns", asm: "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +9\nr6 = *(u64 *)(r0 + 0)\nr6 &= 0xff\n*(u64 *)(r10 - 16) = r6\nr7 = r6\nr7 += 8\nif r7 > 40 goto +3\nr8 = *(u64 *)(r10 - 16)\nr0 += r8\nr1 = *(u64 *)(r0 + 8)\nr0 = 0\nexit" },
  { name: "linked scalar off: spilling copy+K relinks", asm: "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +8\nr6 = *(u64 *)(r0 + 0)\nr7 = r6\nr7 += 8\n*(u64 *)(r10 - 16) = r7\nif r6 > 32 goto +3\nr8 = *(u64 *)(r10 - 16)\nr0 += r8\nr1 = *(u64 *)(r0 + 0)\nr0 = 0\nexit" },
  { name: "linked scalar off: two copies with offsets", asm: "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall 1\nif r0 == 0 goto +8\nr6 = *(u64 *)(r0 + 0)\nr7 = r6\nr7 += 8\nr8 = r6\nr8 += 16\nif r7 > 40 goto +2\nr0 += r8\nr1 = *(u64 *)(r0 + 0)\nr0 = 0\nexit" },
  // ---- sock_ops (struct bpf_sock_ops) --------------------------------------------------------
  { name: "sock_ops read op", type: "sock_ops", asm: "r0 = *(u32 *)(r1 + 0)\nr0 = 1\nexit" },
  { name: "sock_ops write reply", type: "sock_ops", asm: "r2 = 5\n*(u32 *)(r1 + 4) = r2\nr0 = 1\nexit" },
  { name: "sock_ops write replylong[1]", type: "sock_ops", asm: "r2 = 5\n*(u32 *)(r1 + 8) = r2\nr0 = 1\nexit" },
  { name: "sock_ops write sk_txhash", type: "sock_ops", asm: "r2 = 5\n*(u32 *)(r1 + 164) = r2\nr0 = 1\nexit" },
  { name: "sock_ops write op", type: "sock_ops", asm: "r2 = 5\n*(u32 *)(r1 + 0) = r2\nr0 = 1\nexit" },
  { name: "sock_ops narrow family", type: "sock_ops", asm: "r0 = *(u8 *)(r1 + 20)\nr0 = 1\nexit" },
  { name: "sock_ops narrow skb_tcp_flags", type: "sock_ops", asm: "r0 = *(u8 *)(r1 + 212)\nr0 = 1\nexit" },
  { name: "sock_ops narrow skb_tcp_flags byte 1", type: "sock_ops", asm: "r0 = *(u8 *)(r1 + 213)\nr0 = 1\nexit" },
  { name: "sock_ops u32 bytes_acked", type: "sock_ops", asm: "r0 = *(u32 *)(r1 + 176)\nr0 = 1\nexit" },
  { name: "sock_ops half of sk", type: "sock_ops", asm: "r0 = *(u32 *)(r1 + 188)\nr0 = 1\nexit" },
  { name: "sock_ops past end", type: "sock_ops", asm: "r0 = *(u32 *)(r1 + 224)\nr0 = 1\nexit" },
  { name: "sock_ops sk null checked", type: "sock_ops", asm: "r2 = *(u64 *)(r1 + 184)\nif r2 == 0 goto +1\nr0 = *(u32 *)(r2 + 4)\nr0 = 1\nexit" },
  { name: "sock_ops sk not null checked", type: "sock_ops", asm: "r2 = *(u64 *)(r1 + 184)\nr0 = *(u32 *)(r2 + 4)\nr0 = 1\nexit" },
  { name: "sock_ops sk write", type: "sock_ops", asm: "r2 = *(u64 *)(r1 + 184)\nif r2 == 0 goto +2\nr3 = 1\n*(u32 *)(r2 + 16) = r3\nr0 = 1\nexit" },
  { name: "sock_ops skb_data read", type: "sock_ops", asm: `${SOCK_OPS_PKT}r5 = *(u8 *)(r2 + 0)\nr0 = 1\nexit` },
  { name: "sock_ops skb_data oob", type: "sock_ops", asm: `${SOCK_OPS_PKT}r5 = *(u16 *)(r2 + 0)\nr0 = 1\nexit` },
  { name: "sock_ops skb_data write", type: "sock_ops", asm: `${SOCK_OPS_PKT}r5 = 0\n*(u8 *)(r2 + 0) = r5\nexit` },
  { name: "sock_ops skb_data to helper", type: "sock_ops", asm: `${SOCK_OPS_PKT.replace("goto +2", "goto +3")}r1 = r2\nr2 = 1\ncall 6\nr0 = 1\nexit` },
  { name: "sock_ops skb_data u32 load", type: "sock_ops", asm: "r2 = *(u32 *)(r1 + 192)\nr0 = 1\nexit" },
  { name: "sock_ops ret 2", type: "sock_ops", asm: "r0 = 2\nexit" },
  { name: "sock_ops ret unknown", type: "sock_ops", asm: "r0 = *(u32 *)(r1 + 0)\nexit" },
  { name: "sock_ops bad helper", type: "sock_ops", asm: "r2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\ncall 26\nr0 = 1\nexit" },
  { name: "sock_ops setsockopt", type: "sock_ops", asm: `${STACK_BUF}r2 = 6\nr3 = 13\nr4 = r10\nr4 += -8\nr5 = 4\ncall 49\nr0 = 1\nexit` },
  { name: "sock_ops setsockopt uninit", type: "sock_ops", asm: "r2 = 6\nr3 = 13\nr4 = r10\nr4 += -8\nr5 = 4\ncall 49\nr0 = 1\nexit" },
  { name: "sock_ops getsockopt uninit", type: "sock_ops", asm: "r2 = 6\nr3 = 13\nr4 = r10\nr4 += -8\nr5 = 4\ncall 57\nr0 = 1\nexit" },
  { name: "sock_ops cb_flags_set", type: "sock_ops", asm: "r2 = 7\ncall 59\nr0 = 1\nexit" },
  { name: "sock_ops load_hdr_opt uninit", type: "sock_ops", asm: "r2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 142\nr0 = 1\nexit" },
  { name: "sock_ops load_hdr_opt", type: "sock_ops", asm: `${STACK_BUF}r2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 142\nr0 = 1\nexit` },
  { name: "sock_ops store_hdr_opt", type: "sock_ops", asm: `${STACK_BUF}r2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 143\nr0 = 1\nexit` },
  { name: "sock_ops reserve_hdr_opt", type: "sock_ops", asm: "r2 = 8\nr3 = 0\ncall 144\nr0 = 1\nexit" },
  { name: "sock_ops netns cookie", type: "sock_ops", asm: "call 122\nr0 = 1\nexit" },
  { name: "sock_ops netns cookie null", type: "sock_ops", asm: "r1 = 0\ncall 122\nr0 = 1\nexit" },
  { name: "sock_ops tcp_sock of sk", type: "sock_ops", asm: "r1 = *(u64 *)(r1 + 184)\nif r1 == 0 goto +3\ncall 96\nif r0 == 0 goto +1\nr0 = *(u32 *)(r0 + 0)\nr0 = 1\nexit" },
  { name: "sock_ops tcp_sock of maybe-null sk", type: "sock_ops", asm: "r1 = *(u64 *)(r1 + 184)\ncall 96\nr0 = 1\nexit" },
  // ---- cgroup_sock (struct bpf_sock, per attach type) ------------------------------------------
  { name: "cgroup_sock write mark", type: "cgroup_sock", asm: "r2 = 1\n*(u32 *)(r1 + 16) = r2\nr0 = 1\nexit" },
  { name: "cgroup_sock release write priority", type: "cgroup_sock", attachType: "cgroup_inet_sock_release", asm: "r2 = 1\n*(u32 *)(r1 + 20) = r2\nr0 = 1\nexit" },
  { name: "cgroup_sock post_bind4 write mark", type: "cgroup_sock", attachType: "cgroup_inet4_post_bind", asm: "r2 = 1\n*(u32 *)(r1 + 16) = r2\nr0 = 1\nexit" },
  { name: "cgroup_sock post_bind4 src_ip4 byte", type: "cgroup_sock", attachType: "cgroup_inet4_post_bind", asm: "r0 = *(u8 *)(r1 + 27)\nr0 = 1\nexit" },
  { name: "cgroup_sock post_bind6 src_ip4", type: "cgroup_sock", attachType: "cgroup_inet6_post_bind", asm: "r0 = *(u32 *)(r1 + 24)\nr0 = 1\nexit" },
  { name: "cgroup_sock create src_port", type: "cgroup_sock", asm: "r0 = *(u32 *)(r1 + 44)\nr0 = 1\nexit" },
  { name: "cgroup_sock write family", type: "cgroup_sock", asm: "r2 = 1\n*(u32 *)(r1 + 4) = r2\nr0 = 1\nexit" },
  { name: "cgroup_sock dst_port u16", type: "cgroup_sock", asm: "r0 = *(u16 *)(r1 + 48)\nr0 = 1\nexit" },
  { name: "cgroup_sock dst_port padding", type: "cgroup_sock", asm: "r0 = *(u16 *)(r1 + 50)\nr0 = 1\nexit" },
  { name: "cgroup_sock ret 2", type: "cgroup_sock", asm: "r0 = 2\nexit" },
  { name: "cgroup_sock bad helper", type: "cgroup_sock", asm: "r2 = 6\nr3 = 13\nr4 = r10\nr4 += -8\nr5 = 4\ncall 49\nr0 = 1\nexit" },
  { name: "cgroup_sock get_retval", type: "cgroup_sock", attachType: "cgroup_inet_sock_release", asm: "call 186\nr0 = 1\nexit" },
  { name: "cgroup_sock netns cookie", type: "cgroup_sock", asm: "call 122\nr0 = 1\nexit" },
  // ---- cgroup_sock_addr (struct bpf_sock_addr, per attach type) -------------------------------
  { name: "sock_addr connect4 write user_ip4", type: "cgroup_sock_addr", attachType: "cgroup_inet4_connect", asm: "r2 = 1\n*(u32 *)(r1 + 4) = r2\nr0 = 1\nexit" },
  { name: "sock_addr connect4 read user_ip6", type: "cgroup_sock_addr", attachType: "cgroup_inet4_connect", asm: "r0 = *(u32 *)(r1 + 8)\nr0 = 1\nexit" },
  { name: "sock_addr connect6 wide user_ip6", type: "cgroup_sock_addr", attachType: "cgroup_inet6_connect", asm: "r2 = 1\n*(u64 *)(r1 + 16) = r2\nr0 = *(u64 *)(r1 + 8)\nr0 = 1\nexit" },
  { name: "sock_addr sendmsg6 wide msg_src_ip6 tail", type: "cgroup_sock_addr", attachType: "cgroup_udp6_sendmsg", asm: "r0 = *(u64 *)(r1 + 56)\nr0 = 1\nexit" },
  { name: "sock_addr connect4 user_port byte", type: "cgroup_sock_addr", attachType: "cgroup_inet4_connect", asm: "r0 = *(u8 *)(r1 + 26)\nr0 = 1\nexit" },
  { name: "sock_addr connect4 write family", type: "cgroup_sock_addr", attachType: "cgroup_inet4_connect", asm: "r2 = 1\n*(u32 *)(r1 + 28) = r2\nr0 = 1\nexit" },
  { name: "sock_addr sk fields", type: "cgroup_sock_addr", attachType: "cgroup_inet4_connect", asm: "r2 = *(u64 *)(r1 + 64)\nr0 = *(u32 *)(r2 + 4)\nr0 = 1\nexit" },
  { name: "sock_addr sk write", type: "cgroup_sock_addr", attachType: "cgroup_inet4_connect", asm: "r2 = 1\n*(u64 *)(r1 + 64) = r2\nr0 = 1\nexit" },
  { name: "sock_addr recvmsg4 ret 0", type: "cgroup_sock_addr", attachType: "cgroup_udp4_recvmsg", asm: "r0 = 0\nexit" },
  { name: "sock_addr bind4 ret 3", type: "cgroup_sock_addr", attachType: "cgroup_inet4_bind", asm: "r0 = 3\nexit" },
  { name: "sock_addr connect4 ret 3", type: "cgroup_sock_addr", attachType: "cgroup_inet4_connect", asm: "r0 = 3\nexit" },
  { name: "sock_addr connect4 bind", type: "cgroup_sock_addr", attachType: "cgroup_inet4_connect", asm: `${STACK_BUF}r2 = r10\nr2 += -8\nr3 = 8\ncall 64\nr0 = 1\nexit` },
  { name: "sock_addr bind4 bind", type: "cgroup_sock_addr", attachType: "cgroup_inet4_bind", asm: `${STACK_BUF}r2 = r10\nr2 += -8\nr3 = 8\ncall 64\nr0 = 1\nexit` },
  { name: "sock_addr getpeername6 set_retval", type: "cgroup_sock_addr", attachType: "cgroup_inet6_getpeername", asm: "r1 = 0\ncall 187\nr0 = 1\nexit" },
  // ---- sk_skb (struct __sk_buff) -----------------------------------------------------------
  { name: "sk_skb read len", type: "sk_skb", asm: "r0 = *(u32 *)(r1 + 0)\nr0 = 0\nexit" },
  { name: "sk_skb read mark", type: "sk_skb", asm: "r0 = *(u32 *)(r1 + 8)\nr0 = 0\nexit" },
  { name: "sk_skb read remote_port byte", type: "sk_skb", asm: "r0 = *(u8 *)(r1 + 133)\nr0 = 0\nexit" },
  { name: "sk_skb write priority", type: "sk_skb", asm: "r2 = 3\n*(u32 *)(r1 + 32) = r2\nr0 = 0\nexit" },
  { name: "sk_skb write cb", type: "sk_skb", asm: "r2 = 3\n*(u32 *)(r1 + 48) = r2\nr0 = 0\nexit" },
  { name: "sk_skb packet write", type: "sk_skb", asm: `${SKB_PKT}r5 = 1\n*(u8 *)(r2 + 0) = r5\nexit` },
  { name: "sk_skb packet oob", type: "sk_skb", asm: `${SKB_PKT}r5 = *(u16 *)(r2 + 0)\nr0 = 0\nexit` },
  { name: "sk_skb sk null checked", type: "sk_skb", asm: "r2 = *(u64 *)(r1 + 168)\nif r2 == 0 goto +1\nr0 = *(u32 *)(r2 + 4)\nr0 = 0\nexit" },
  { name: "sk_skb bad helper", type: "sk_skb", asm: "r2 = 0\ncall 61\nr0 = 0\nexit" },
  { name: "sk_skb ret 7", type: "sk_skb", asm: "r0 = 7\nexit" },
  { name: "sk_skb stream_parser data_meta", type: "sk_skb", attachType: "sk_skb_stream_parser", asm: "r0 = *(u32 *)(r1 + 140)\nr0 = 0\nexit" },
  { name: "sk_skb stream_verdict tc_index write", type: "sk_skb", attachType: "sk_skb_stream_verdict", asm: "r2 = 3\n*(u32 *)(r1 + 44) = r2\nr0 = 0\nexit" },
  // ---- sk_msg (struct sk_msg_md) ------------------------------------------------------------
  { name: "sk_msg read size", type: "sk_msg", attachType: "sk_msg_verdict", asm: "r0 = *(u32 *)(r1 + 68)\nr0 = 1\nexit" },
  { name: "sk_msg narrow family", type: "sk_msg", attachType: "sk_msg_verdict", asm: "r0 = *(u8 *)(r1 + 16)\nr0 = 1\nexit" },
  { name: "sk_msg data u32", type: "sk_msg", attachType: "sk_msg_verdict", asm: "r0 = *(u32 *)(r1 + 0)\nr0 = 1\nexit" },
  { name: "sk_msg write family", type: "sk_msg", attachType: "sk_msg_verdict", asm: "r2 = 2\n*(u32 *)(r1 + 16) = r2\nr0 = 1\nexit" },
  { name: "sk_msg packet read", type: "sk_msg", attachType: "sk_msg_verdict", asm: `${MD_PKT}r5 = *(u8 *)(r2 + 0)\nr0 = 0\nexit` },
  { name: "sk_msg packet write", type: "sk_msg", attachType: "sk_msg_verdict", asm: `${MD_PKT}r5 = 1\n*(u8 *)(r2 + 0) = r5\nexit` },
  { name: "sk_msg packet unchecked", type: "sk_msg", attachType: "sk_msg_verdict", asm: "r2 = *(u64 *)(r1 + 0)\nr0 = *(u8 *)(r2 + 0)\nexit" },
  { name: "sk_msg sk read", type: "sk_msg", attachType: "sk_msg_verdict", asm: "r2 = *(u64 *)(r1 + 72)\nr0 = *(u32 *)(r2 + 4)\nr0 = 1\nexit" },
  { name: "sk_msg bad helper", type: "sk_msg", attachType: "sk_msg_verdict", asm: "r2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\ncall 26\nr0 = 1\nexit" },
  { name: "sk_msg apply_bytes", type: "sk_msg", attachType: "sk_msg_verdict", asm: "r2 = 100\ncall 61\nr0 = 1\nexit" },
  { name: "sk_msg ret 7", type: "sk_msg", attachType: "sk_msg_verdict", asm: "r0 = 7\nexit" },
  // ---- lwt_in / lwt_out / lwt_xmit / lwt_seg6local (struct __sk_buff) -------------------------
  { name: "lwt_in read mark", type: "lwt_in", asm: "r0 = *(u32 *)(r1 + 8)\nr0 = 0\nexit" },
  { name: "lwt_in write mark", type: "lwt_in", asm: "r2 = 1\n*(u32 *)(r1 + 8) = r2\nr0 = 0\nexit" },
  { name: "lwt_out read family", type: "lwt_out", asm: "r0 = *(u32 *)(r1 + 88)\nr0 = 0\nexit" },
  { name: "lwt_out write tc_index", type: "lwt_out", asm: "r2 = 1\n*(u32 *)(r1 + 44) = r2\nr0 = 0\nexit" },
  { name: "lwt_xmit write cb byte", type: "lwt_xmit", asm: "r2 = 1\n*(u8 *)(r1 + 51) = r2\nr0 = 0\nexit" },
  { name: "lwt_xmit data_meta", type: "lwt_xmit", asm: "r0 = *(u32 *)(r1 + 140)\nr0 = 0\nexit" },
  { name: "lwt_in packet read", type: "lwt_in", asm: `${SKB_PKT}r5 = *(u8 *)(r2 + 0)\nr0 = 0\nexit` },
  { name: "lwt_in packet write", type: "lwt_in", asm: `${SKB_PKT}r5 = 1\n*(u8 *)(r2 + 0) = r5\nexit` },
  { name: "lwt_seg6local packet write", type: "lwt_seg6local", asm: `${SKB_PKT}r5 = 1\n*(u8 *)(r2 + 0) = r5\nexit` },
  { name: "lwt_xmit packet write", type: "lwt_xmit", asm: `${SKB_PKT}r5 = 1\n*(u8 *)(r2 + 0) = r5\nexit` },
  { name: "lwt_out bad helper push_encap", type: "lwt_out", asm: "r2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\ncall 73\nr0 = 0\nexit" },
  { name: "lwt_xmit bad helper seg6_action", type: "lwt_xmit", asm: "r2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\ncall 76\nr0 = 0\nexit" },
  { name: "lwt_in bad helper store_bytes", type: "lwt_in", asm: "r2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\nr5 = 0\ncall 9\nr0 = 0\nexit" },
  { name: "lwt_in ret 7", type: "lwt_in", asm: "r0 = 7\nexit" },
  { name: "lwt_seg6local ret -1", type: "lwt_seg6local", asm: "r0 = -1\nexit" },
  // ---- flow_dissector (struct __sk_buff, flow_keys) -----------------------------------------
  { name: "flow_dissector read flow_keys", type: "flow_dissector", attachType: "flow_dissector", asm: "r2 = *(u64 *)(r1 + 144)\nr0 = *(u16 *)(r2 + 0)\nr0 = 0\nexit" },
  { name: "flow_dissector write flow_keys", type: "flow_dissector", attachType: "flow_dissector", asm: "r2 = *(u64 *)(r1 + 144)\nr3 = 1\n*(u16 *)(r2 + 2) = r3\nr0 = 0\nexit" },
  { name: "flow_dissector flow_keys past end", type: "flow_dissector", attachType: "flow_dissector", asm: "r2 = *(u64 *)(r1 + 144)\nr0 = *(u32 *)(r2 + 56)\nr0 = 0\nexit" },
  { name: "flow_dissector flow_keys const offset", type: "flow_dissector", attachType: "flow_dissector", asm: "r2 = *(u64 *)(r1 + 144)\nr2 += 8\nr0 = *(u32 *)(r2 + 44)\nr0 = 0\nexit" },
  { name: "flow_dissector flow_keys const offset past end", type: "flow_dissector", attachType: "flow_dissector", asm: "r2 = *(u64 *)(r1 + 144)\nr2 += 8\nr0 = *(u32 *)(r2 + 48)\nr0 = 0\nexit" },
  { name: "flow_dissector flow_keys store pointer", type: "flow_dissector", attachType: "flow_dissector", asm: "r2 = *(u64 *)(r1 + 144)\n*(u64 *)(r2 + 16) = r2\nr0 = 0\nexit" },
  { name: "flow_dissector flow_keys u32 load", type: "flow_dissector", attachType: "flow_dissector", asm: "r2 = *(u32 *)(r1 + 144)\nr0 = 0\nexit" },
  { name: "flow_dissector read mark", type: "flow_dissector", attachType: "flow_dissector", asm: "r0 = *(u32 *)(r1 + 8)\nr0 = 0\nexit" },
  { name: "flow_dissector packet read", type: "flow_dissector", attachType: "flow_dissector", asm: `${SKB_PKT}r5 = *(u8 *)(r2 + 0)\nr0 = 0\nexit` },
  { name: "flow_dissector packet write", type: "flow_dissector", attachType: "flow_dissector", asm: `${SKB_PKT}r5 = 1\n*(u8 *)(r2 + 0) = r5\nexit` },
  { name: "flow_dissector bad helper", type: "flow_dissector", attachType: "flow_dissector", asm: "r2 = 0\nr3 = r10\nr3 += -8\nr4 = 8\nr5 = 0\ncall 9\nr0 = 0\nexit" },
  { name: "flow_dissector ret 7", type: "flow_dissector", attachType: "flow_dissector", asm: "r0 = 7\nexit" },
  // ---- cgroup_device (struct bpf_cgroup_dev_ctx) ----------------------------------------------
  { name: "cgroup_device read access_type u16", type: "cgroup_device", attachType: "cgroup_device", asm: "r0 = *(u16 *)(r1 + 0)\nr0 = 1\nexit" },
  { name: "cgroup_device read major byte", type: "cgroup_device", attachType: "cgroup_device", asm: "r0 = *(u8 *)(r1 + 4)\nr0 = 1\nexit" },
  { name: "cgroup_device read past end", type: "cgroup_device", attachType: "cgroup_device", asm: "r0 = *(u32 *)(r1 + 12)\nr0 = 1\nexit" },
  { name: "cgroup_device write minor", type: "cgroup_device", attachType: "cgroup_device", asm: "r2 = 1\n*(u32 *)(r1 + 8) = r2\nr0 = 1\nexit" },
  { name: "cgroup_device ret 2", type: "cgroup_device", attachType: "cgroup_device", asm: "r0 = 2\nexit" },
  { name: "cgroup_device ret unknown", type: "cgroup_device", attachType: "cgroup_device", asm: "r0 = *(u32 *)(r1 + 4)\nexit" },
  { name: "cgroup_device bad helper", type: "cgroup_device", attachType: "cgroup_device", asm: "r2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 101\nr0 = 1\nexit" },
  // ---- cgroup_sysctl (struct bpf_sysctl) --------------------------------------------------------
  { name: "cgroup_sysctl read write byte", type: "cgroup_sysctl", attachType: "cgroup_sysctl", asm: "r0 = *(u8 *)(r1 + 0)\nr0 = 1\nexit" },
  { name: "cgroup_sysctl write file_pos", type: "cgroup_sysctl", attachType: "cgroup_sysctl", asm: "r2 = 0\n*(u32 *)(r1 + 4) = r2\nr0 = 1\nexit" },
  { name: "cgroup_sysctl write file_pos u16", type: "cgroup_sysctl", attachType: "cgroup_sysctl", asm: "r2 = 0\n*(u16 *)(r1 + 4) = r2\nr0 = 1\nexit" },
  { name: "cgroup_sysctl write write", type: "cgroup_sysctl", attachType: "cgroup_sysctl", asm: "r2 = 0\n*(u32 *)(r1 + 0) = r2\nr0 = 1\nexit" },
  { name: "cgroup_sysctl get_name", type: "cgroup_sysctl", attachType: "cgroup_sysctl", asm: `${STACK_BUF}r2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 101\nr0 = 1\nexit` },
  { name: "cgroup_sysctl bad helper", type: "cgroup_sysctl", attachType: "cgroup_sysctl", asm: "call 46\nr0 = 1\nexit" },
  { name: "cgroup_sysctl ret 2", type: "cgroup_sysctl", attachType: "cgroup_sysctl", asm: "r0 = 2\nexit" },
  // ---- cgroup_sockopt (struct bpf_sockopt, per attach type) -----------------------------------
  { name: "sockopt get write retval", type: "cgroup_sockopt", attachType: "cgroup_getsockopt", asm: "r2 = 0\n*(u32 *)(r1 + 36) = r2\nr0 = 1\nexit" },
  { name: "sockopt set write retval", type: "cgroup_sockopt", attachType: "cgroup_setsockopt", asm: "r2 = 0\n*(u32 *)(r1 + 36) = r2\nr0 = 1\nexit" },
  { name: "sockopt set read retval", type: "cgroup_sockopt", attachType: "cgroup_setsockopt", asm: "r0 = *(u32 *)(r1 + 36)\nr0 = 1\nexit" },
  { name: "sockopt set write level", type: "cgroup_sockopt", attachType: "cgroup_setsockopt", asm: "r2 = 1\n*(u32 *)(r1 + 24) = r2\nr0 = 1\nexit" },
  { name: "sockopt get write optname", type: "cgroup_sockopt", attachType: "cgroup_getsockopt", asm: "r2 = 1\n*(u32 *)(r1 + 28) = r2\nr0 = 1\nexit" },
  { name: "sockopt get write optlen", type: "cgroup_sockopt", attachType: "cgroup_getsockopt", asm: "r2 = 1\n*(u32 *)(r1 + 32) = r2\nr0 = 1\nexit" },
  { name: "sockopt read level byte", type: "cgroup_sockopt", attachType: "cgroup_getsockopt", asm: "r0 = *(u8 *)(r1 + 24)\nr0 = 1\nexit" },
  { name: "sockopt optval read", type: "cgroup_sockopt", attachType: "cgroup_getsockopt", asm: `${SOCKOPT_PKT}r5 = *(u8 *)(r2 + 0)\nr0 = 1\nexit` },
  { name: "sockopt optval write", type: "cgroup_sockopt", attachType: "cgroup_setsockopt", asm: `${SOCKOPT_PKT}r5 = 1\n*(u8 *)(r2 + 0) = r5\nexit` },
  { name: "sockopt optval unchecked", type: "cgroup_sockopt", attachType: "cgroup_setsockopt", asm: "r2 = *(u64 *)(r1 + 8)\nr0 = *(u8 *)(r2 + 0)\nr0 = 1\nexit" },
  { name: "sockopt sk read", type: "cgroup_sockopt", attachType: "cgroup_getsockopt", asm: "r2 = *(u64 *)(r1 + 0)\nr0 = *(u32 *)(r2 + 4)\nr0 = 1\nexit" },
  { name: "sockopt get setsockopt helper", type: "cgroup_sockopt", attachType: "cgroup_getsockopt", asm: "r2 = 6\nr3 = 13\nr4 = r10\nr4 += -8\nr5 = 4\ncall 49\nr0 = 1\nexit" },
  { name: "sockopt ret 2", type: "cgroup_sockopt", attachType: "cgroup_setsockopt", asm: "r0 = 2\nexit" },
  // ---- sk_reuseport (struct sk_reuseport_md) ----------------------------------------------------
  { name: "sk_reuseport read eth_protocol u16", type: "sk_reuseport", attachType: "sk_reuseport_select", asm: "r0 = *(u16 *)(r1 + 22)\nr0 = 1\nexit" },
  { name: "sk_reuseport read eth_protocol byte", type: "sk_reuseport", attachType: "sk_reuseport_select", asm: "r0 = *(u8 *)(r1 + 20)\nr0 = 1\nexit" },
  { name: "sk_reuseport read hash u16", type: "sk_reuseport", attachType: "sk_reuseport_select", asm: "r0 = *(u16 *)(r1 + 32)\nr0 = 1\nexit" },
  { name: "sk_reuseport write len", type: "sk_reuseport", attachType: "sk_reuseport_select", asm: "r2 = 1\n*(u32 *)(r1 + 16) = r2\nr0 = 1\nexit" },
  { name: "sk_reuseport packet read", type: "sk_reuseport", attachType: "sk_reuseport_select", asm: `${MD_PKT}r5 = *(u8 *)(r2 + 0)\nr0 = 0\nexit` },
  { name: "sk_reuseport packet write", type: "sk_reuseport", attachType: "sk_reuseport_select", asm: `${MD_PKT}r5 = 1\n*(u8 *)(r2 + 0) = r5\nexit` },
  { name: "sk_reuseport migrating_sk unchecked", type: "sk_reuseport", attachType: "sk_reuseport_select_or_migrate", asm: "r2 = *(u64 *)(r1 + 48)\nr0 = *(u32 *)(r2 + 4)\nr0 = 1\nexit" },
  { name: "sk_reuseport migrating_sk checked", type: "sk_reuseport", attachType: "sk_reuseport_select_or_migrate", asm: "r2 = *(u64 *)(r1 + 48)\nif r2 == 0 goto +1\nr0 = *(u32 *)(r2 + 4)\nr0 = 1\nexit" },
  { name: "sk_reuseport sk read", type: "sk_reuseport", attachType: "sk_reuseport_select", asm: "r2 = *(u64 *)(r1 + 40)\nr0 = *(u32 *)(r2 + 4)\nr0 = 1\nexit" },
  { name: "sk_reuseport bad helper", type: "sk_reuseport", attachType: "sk_reuseport_select", asm: "r2 = 0\nr3 = 0\ncall 124\nr0 = 1\nexit" },
  { name: "sk_reuseport ret 7", type: "sk_reuseport", attachType: "sk_reuseport_select", asm: "r0 = 7\nexit" },
  // ---- sk_lookup (struct bpf_sk_lookup) ---------------------------------------------------------
  { name: "sk_lookup read remote_port u16", type: "sk_lookup", attachType: "sk_lookup", asm: "r0 = *(u16 *)(r1 + 36)\nr0 = 1\nexit" },
  { name: "sk_lookup read remote_port u32", type: "sk_lookup", attachType: "sk_lookup", asm: "r0 = *(u32 *)(r1 + 36)\nr0 = 1\nexit" },
  { name: "sk_lookup read remote_port padding", type: "sk_lookup", attachType: "sk_lookup", asm: "r0 = *(u16 *)(r1 + 38)\nr0 = 1\nexit" },
  { name: "sk_lookup read local_port byte", type: "sk_lookup", attachType: "sk_lookup", asm: "r0 = *(u8 *)(r1 + 61)\nr0 = 1\nexit" },
  { name: "sk_lookup read cookie half", type: "sk_lookup", attachType: "sk_lookup", asm: "r0 = *(u32 *)(r1 + 4)\nr0 = 1\nexit" },
  { name: "sk_lookup write family", type: "sk_lookup", attachType: "sk_lookup", asm: "r2 = 2\n*(u32 *)(r1 + 8) = r2\nr0 = 1\nexit" },
  { name: "sk_lookup sk unchecked", type: "sk_lookup", attachType: "sk_lookup", asm: "r2 = *(u64 *)(r1 + 0)\nr0 = *(u32 *)(r2 + 4)\nr0 = 1\nexit" },
  { name: "sk_lookup sk checked", type: "sk_lookup", attachType: "sk_lookup", asm: "r2 = *(u64 *)(r1 + 0)\nif r2 == 0 goto +1\nr0 = *(u32 *)(r2 + 4)\nr0 = 1\nexit" },
  { name: "sk_lookup bad helper", type: "sk_lookup", attachType: "sk_lookup", asm: "r2 = 0\nr3 = 0\nr4 = 0\ncall 82\nr0 = 1\nexit" },
  { name: "sk_lookup ret 2", type: "sk_lookup", attachType: "sk_lookup", asm: "r0 = 2\nexit" },
  // ---- found by the generator (unsafe-gen.ts / unsafe-run.ts) ----------------------------------
  // scalar_byte_swap (6.18 stable): bswap/be keep the swapped tnum, 16/32-bit forms truncate
  { name: "gen: be16 of masked index", asm: `${LOOKUP_ARRAY}if r0 == 0 goto +5\nr6 = *(u16 *)(r0 + 0)\nr6 &= 0x2f00\nr6 = be16 r6\nr0 += r6\nr1 = *(u8 *)(r0 + 0)\nr0 = 0\nexit` },
  { name: "gen: bswap64 of constant", asm: `${LOOKUP_ARRAY}if r0 == 0 goto +5\nr6 = 0x2a\nr6 = bswap64 r6\nr0 += r6\nr1 = *(u8 *)(r0 + 0)\nr0 = 0\nexit` },
  { name: "gen: le16 truncates", asm: `${LOOKUP_ARRAY}if r0 == 0 goto +6\nr6 = *(u32 *)(r0 + 0)\nr6 |= 0x10000\nr6 = le16 r6\nr6 &= 0x1f\nr0 += r6\nr1 = *(u8 *)(r0 + 0)\nr0 = 0\nexit` },
  // coerce_reg_to_size_sx: exact only when the sign-extended ends share a sign
  { name: "gen: movsx s8 of u8 range", asm: `${LOOKUP_ARRAY}if r0 == 0 goto +4\nr6 = *(u8 *)(r0 + 0)\nr6 = (s8)r6\nr0 += r6\nr1 = *(u8 *)(r0 + 0)\nr0 = 0\nexit` },
  { name: "gen: movsx s8 with equal upper bits", asm: `${LOOKUP_ARRAY}if r0 == 0 goto +6\nr6 = *(u64 *)(r0 + 0)\nr6 &= 0x7f\nr6 |= 0x100\nr6 = (s8)r6\nr0 += r6\nr1 = *(u8 *)(r0 + 47)\nr0 = 0\nexit` },
  { name: "gen: movsx32 s8 of u8 range", asm: `${LOOKUP_ARRAY}if r0 == 0 goto +5\nr6 = *(u8 *)(r0 + 0)\nw6 = (s8)w6\nw6 &= 0x1f\nr0 += r6\nr1 = *(u8 *)(r0 + 0)\nr0 = 0\nexit` },
  // __update_reg64_bounds: the u64 range and the tnum share one value (6.18 stable, tnum_step)
  { name: "gen: tnum and range share one value", asm: `${LOOKUP_ARRAY}if r0 == 0 goto +7\nr6 = *(u64 *)(r0 + 0)\nr6 &= 0x101\nif r6 < 2 goto +4\nif r6 > 0x100 goto +3\nr0 += r6\nr1 = *(u8 *)(r0 + 0)\nr0 = 0\nexit` },
  // __reg32_deduce_bounds: an s32 range across the sign boundary meets the u32 range on one side
  { name: "gen: s32 range across sign meets u32 once", asm: `${LOOKUP_ARRAY}if r0 == 0 goto +6\nr6 = *(s32 *)(r0 + 0)\nw6 *= -2\nif w6 > 5 goto +3\nw6 -= 5\nr0 += r6\nr1 = *(u8 *)(r0 + 0)\nr0 = 0\nexit` },
  // maybe_fork_scalars: [-1, 0] AND/OR a constant forks into 0 and -1
  { name: "gen: or of [-1,0] forks", asm: `${LOOKUP_ARRAY}if r0 == 0 goto +6\nr6 = *(s16 *)(r0 + 0)\nr6 s>>= 51\nw6 |= 1\nr0 += r6\nr1 = *(u8 *)(r0 + 0)\nr0 = 0\nexit` },
  { name: "gen: and of [-1,0] forks", asm: `${LOOKUP_ARRAY}if r0 == 0 goto +6\nr6 = *(s16 *)(r0 + 0)\nr6 s>>= 63\nr6 &= 40\nr0 += r6\nr1 = *(u64 *)(r0 + 0)\nr0 = 0\nexit` },
  { name: "gen: w and of [-1,0] forks", asm: `${LOOKUP_ARRAY}if r0 == 0 goto +6\nr6 = *(s8 *)(r0 + 0)\nw6 s>>= 19\nw6 &= -8\nr0 += r6\nr1 = *(u8 *)(r0 + 0)\nr0 = 0\nexit` },
  // set_map_elem_callback_state: only hash and array maps iterate
  { name: "gen: for_each_map_elem on ringbuf", funcInfo: true, asm: "r1 = map[id:2]\nr2 = subprog[+6]\nr3 = 0\nr4 = 0\ncall 164\nr0 = 0\nexit\nr0 = 0\nexit" },
  { name: "gen: for_each_map_elem on array", funcInfo: true, asm: "r1 = map[id:1]\nr2 = subprog[+6]\nr3 = 0\nr4 = 0\ncall 164\nr0 = 0\nexit\nr0 = 0\nexit" },
  { name: "gen: bpf_loop callback returns 2", funcInfo: true, asm: "r1 = 4\nr2 = subprog[+6]\nr3 = 0\nr4 = 0\ncall 181\nr0 = 0\nexit\nr0 = 2\nexit" },
  // tp_prog_is_valid_access: negative offsets pass its unsigned `off < 8` (kernel quirk, followed)
  { name: "gen: tracepoint ctx negative offsets", type: "tracepoint", asm: "r2 = *(u64 *)(r1 - 8)\nr3 = *(u32 *)(r1 - 4)\nr0 = 0\nexit" },
  { name: "gen: tracepoint ctx negative misaligned", type: "tracepoint", asm: "r2 = *(u16 *)(r1 - 3)\nr0 = 0\nexit" },
  { name: "gen: tracepoint ctx header", type: "tracepoint", asm: "r2 = *(u32 *)(r1 + 4)\nr0 = 0\nexit" },
  // check_ptr_to_map_access names the map's kernel struct
  { name: "gen: write to array map ptr", asm: "r7 = map[id:1]\nr0 = 0\n*(u16 *)(r7 + 8) = r0\nexit" },
  { name: "gen: write to ringbuf map ptr", asm: "r7 = map[id:2]\nr0 = 0\n*(u16 *)(r7 + 8) = r0\nexit" },
  { name: "gen: negative read of hash map ptr", asm: "r7 = map[id:0]\nr0 = *(u32 *)(r7 - 8)\nr0 = 0\nexit" },
];
