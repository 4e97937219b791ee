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
  asm: string;
}

const LOOKUP_HASH = `
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map[id:0]
call 1
`;

const XDP_PKT = `
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
`;

export const CASES: Case[] = [
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
];
