/**
 * A generator of random (mostly unsafe) programs for the differential test against the kernel.
 * Each kind draws a fault family (context access per program type, packet bounds, map value
 * indexes, pointer arithmetic, spills, helper arguments, ringbuf references, tail calls, return
 * codes, division, 32-bit ALU and sign extension, byte swaps, pointer compares, bpf-to-bpf calls,
 * callbacks …) with random parameters, so some programs land valid and the rest fail at random
 * places. Programs are assembly text over the maps of cases.ts (map[id:0] hash 4→8,
 * map[id:1] array 4→48, map[id:2] ringbuf, map[id:3] prog array, map[id:4] perf event array).
 */
export interface GenCase {
  name: string;
  /** The generator kind (KINDS[i].name). */
  kind: string;
  type: string;
  attachType?: string;
  /** Load with BTF func_info (needed for callbacks). */
  funcInfo?: boolean;
  asm: string;
}

/** xorshift32: deterministic for a seed. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

interface R {
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

function makeR(seed: number): R {
  const r = rng(seed);
  // Stir the seed a little: consecutive seeds otherwise start alike.
  for (let i = 0; i < 3; i++) r();
  return {
    int: (lo, hi) => lo + Math.floor(r() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(r() * xs.length)]!,
    chance: (p) => r() < p,
  };
}

const SIZES: [string, number][] = [["u8", 1], ["u16", 2], ["u32", 4], ["u64", 8]];
const sign = (o: number): string => (o < 0 ? `- ${-o}` : `+ ${o}`);
const lookup = (map: number, key = 0): string => `r1 = ${key}\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:${map}]\ncall 1\n`;
/** A random offset: often aligned to the access size, sometimes not. */
const offIn = (g: R, lo: number, hi: number, n: number): number => (g.chance(0.75) ? g.int(lo, hi) & ~(n - 1) : g.int(lo, hi));

/**
 * Program types with their context sizes and attach types. cgroup_sock_addr always gets one: the
 * kernel refuses a load without it before the verifier runs (EINVAL, no log).
 */
const CTX_TYPES: { type: string; size: number; attach?: readonly string[] }[] = [
  { type: "socket_filter", size: 192 },
  { type: "sched_cls", size: 192 },
  { type: "sched_act", size: 192 },
  { type: "cgroup_skb", size: 192, attach: ["cgroup_inet_ingress", "cgroup_inet_egress"] },
  { type: "xdp", size: 24 },
  { type: "kprobe", size: 168 },
  { type: "tracepoint", size: 64 },
  { type: "perf_event", size: 184 },
  { type: "raw_tracepoint", size: 96 },
  { type: "sock_ops", size: 224 },
  { type: "cgroup_sock", size: 80, attach: ["cgroup_inet_sock_create", "cgroup_inet_sock_release", "cgroup_inet4_post_bind", "cgroup_inet6_post_bind"] },
  {
    type: "cgroup_sock_addr",
    size: 72,
    attach: [
      "cgroup_inet4_bind", "cgroup_inet6_bind", "cgroup_inet4_connect", "cgroup_inet6_connect", "cgroup_udp4_sendmsg", "cgroup_udp6_sendmsg",
      "cgroup_udp4_recvmsg", "cgroup_udp6_recvmsg", "cgroup_inet4_getpeername", "cgroup_inet6_getsockname", "cgroup_unix_connect",
    ],
  },
];

/** A return value the type accepts (so only the fault under test decides). */
const OK_RET: Record<string, number> = { cgroup_skb: 1, cgroup_sock: 1, cgroup_sock_addr: 1, sock_ops: 1, xdp: 2 };
const okRet = (type: string): string => `r0 = ${OK_RET[type] ?? 0}\nexit`;

/** An unknown scalar into reg without touching r1 (socket_filter has get_prandom_u32). */
const unknownScalar = (g: R, reg: number): string => {
  const src = g.pick(["prandom", "ktime", "prandom"]);
  const call = src === "prandom" ? "call 7" : "call 5";
  return `${call}\nr${reg} = r0\n`;
};

type Gen = (g: R) => Omit<GenCase, "kind">;

const KINDS: { name: string; gen: Gen }[] = [
  {
    name: "stack store",
    gen: (g) => {
      const [sz, n] = g.pick(SIZES);
      const off = g.int(-530, 8) & ~(n - 1);
      return { name: `stack ${sz} ${off}`, type: "socket_filter", asm: `r1 = 0\n*(${sz} *)(r10 ${sign(off)}) = r1\nr0 = 0\nexit` };
    },
  },
  {
    name: "ctx access",
    gen: (g) => {
      const t = g.pick(CTX_TYPES);
      const attachType = t.attach && (t.type === "cgroup_sock_addr" || g.chance(0.9)) ? g.pick(t.attach) : undefined;
      const [sz, n] = g.pick(SIZES);
      const off = offIn(g, -4, t.size + 8, n);
      const op = g.pick(["ldx", "ldx", "ldx", "ldsx", "stx", "stx", "st", "atomic"]);
      let body: string;
      if (op === "ldx") body = `r2 = *(${sz} *)(r1 ${sign(off)})`;
      else if (op === "ldsx") body = `r2 = *(${sz === "u64" ? "s32" : sz.replace("u", "s")} *)(r1 ${sign(off)})`;
      else if (op === "stx") body = `r2 = ${g.int(0, 3)}\n*(${sz} *)(r1 ${sign(off)}) = r2`;
      else if (op === "st") body = `*(${sz} *)(r1 ${sign(off)}) = ${g.int(0, 3)}`;
      else body = `r2 = 1\nlock *(${n === 8 ? "u64" : "u32"} *)(r1 ${sign(off & ~3)}) += r2`;
      return { name: `${t.type}${attachType ? `/${attachType}` : ""} ctx ${op} ${sz} at ${off}`, type: t.type, ...(attachType ? { attachType } : {}), asm: `${body}\n${okRet(t.type)}` };
    },
  },
  {
    name: "packet bounds",
    gen: (g) => {
      const type = g.pick(["xdp", "xdp", "sched_cls", "sched_act", "cgroup_skb", "socket_filter"]);
      const xdp = type === "xdp";
      const D = xdp ? 0 : 76, E = xdp ? 4 : 80, M = xdp ? 8 : 140;
      const meta = g.chance(0.2);
      const [sz, n] = g.pick(SIZES);
      const checked = g.int(0, 40);
      const off = g.chance(0.6) ? Math.max(0, checked - n) + g.int(-1, 1) : g.int(-2, 44);
      let pre = meta ? `r2 = *(u32 *)(r1 + ${M})\nr3 = *(u32 *)(r1 + ${D})\n` : `r2 = *(u32 *)(r1 + ${D})\nr3 = *(u32 *)(r1 + ${E})\n`;
      const varOff = g.chance(0.35);
      const mask = g.pick([1, 3, 7, 15, 0xff, 0xffff, -1]);
      const varBefore = varOff && g.chance(0.5);
      const addVar = `r5 = *(u32 *)(r1 + ${xdp ? 12 : 0})\n${mask === -1 ? "" : `r5 &= ${mask}\n`}r2 += r5\n`;
      if (varBefore) pre += addVar;
      const w = g.chance(0.1) ? "w" : "r";
      const conds = [`if ${w}4 > ${w}3`, `if ${w}3 < ${w}4`, `if ${w}4 >= ${w}3`, `if ${w}3 <= ${w}4`, `if ${w}4 <= ${w}3`, `if ${w}3 >= ${w}4`, `if ${w}4 < ${w}3`, `if ${w}3 > ${w}4`];
      const cond = g.pick(conds);
      const fallGood = g.chance(0.6);
      const access = g.pick(["read", "read", "write", "st"]);
      const acc =
        access === "read" ? `r0 = *(${sz} *)(r2 ${sign(off)})` : access === "write" ? `r6 = 0\n*(${sz} *)(r2 ${sign(off)}) = r6` : `*(${sz} *)(r2 ${sign(off)}) = 0`;
      const tail = varOff && !varBefore ? addVar : "";
      const body = fallGood ? `${cond} goto out\n${tail}${acc}\nout:\n` : `${cond} goto ok\ngoto out\nok:\n${tail}${acc}\nout:\n`;
      return {
        name: `${type} pkt${meta ? " meta" : ""}${varOff ? ` var&${mask}${varBefore ? " before" : " after"}` : ""} checked ${checked} ${cond}${fallGood ? "" : " (jump good)"} ${access} ${sz} at ${off}`,
        type,
        asm: `${pre}r4 = r2\nr4 += ${checked}\n${body}${okRet(type)}`,
      };
    },
  },
  {
    name: "map value index",
    gen: (g) => {
      const [sz] = g.pick(SIZES);
      const load = g.pick(["r6 = *(u64 *)(r0 + 0)", "r6 = *(u32 *)(r0 + 0)", "r6 = *(u8 *)(r0 + 0)", "r6 = *(s32 *)(r0 + 0)", "r6 = *(s8 *)(r0 + 0)", "r6 = *(u16 *)(r0 + 0)"]);
      const ops = [">", ">=", "<", "<=", "s>", "s>=", "s<", "s<=", "==", "!="];
      const nChecks = g.int(0, 2);
      let checks = "";
      const desc: string[] = [];
      for (let i = 0; i < nChecks; i++) {
        const w = g.chance(0.3) ? "w" : "r";
        const op = g.pick(ops);
        const k = g.pick([g.int(-3, 60), g.int(0, 48), 0, -1]);
        checks += `if ${w}6 ${op} ${k} goto out\n`;
        desc.push(`${w}${op}${k}`);
      }
      const off = g.int(-4, 48);
      const write = g.chance(0.3);
      const acc = write ? `r1 = 0\n*(${sz} *)(r0 ${sign(off)}) = r1` : `r1 = *(${sz} *)(r0 ${sign(off)})`;
      const via = g.pick(["r0 += r6", "r0 += r6", "r6 += r0\nr0 = r6", "r0 -= r6"]);
      return {
        name: `array index ${load.slice(5, 16)} [${desc.join(" ")}] ${via.split("\n")[0]} ${write ? "write" : "read"} ${sz} at ${off}`,
        type: "socket_filter",
        asm: `${lookup(1)}if r0 == 0 goto out\n${load}\n${checks}${via}\n${acc}\nout:\nr0 = 0\nexit`,
      };
    },
  },
  {
    name: "pointer arithmetic",
    gen: (g) => {
      const ptr = g.pick(["ctx", "stack", "map value", "map value or null", "pkt", "pkt_end", "map ptr"]);
      const type = ptr.startsWith("pkt") ? "xdp" : "socket_filter";
      let setup = "";
      if (ptr === "ctx") setup = "r7 = r9\n";
      else if (ptr === "stack") setup = "r7 = r10\nr7 += -16\n";
      else if (ptr === "map value") setup = `${lookup(1)}if r0 == 0 goto out\nr7 = r0\n`;
      else if (ptr === "map value or null") setup = `${lookup(1)}r7 = r0\n`;
      else if (ptr === "pkt") setup = "r7 = *(u32 *)(r1 + 0)\nr8 = *(u32 *)(r1 + 4)\nr4 = r7\nr4 += 16\nif r4 > r8 goto out\n";
      else if (ptr === "pkt_end") setup = "r7 = *(u32 *)(r1 + 4)\n";
      else setup = "r7 = map[id:1]\n";
      const w = g.chance(0.15) ? "w" : "r";
      const op = g.pick(["+=", "+=", "+=", "-=", "-=", "*=", "&=", "|=", "<<=", ">>=", "s>>=", "^=", "/=", "%=", "neg"]);
      const operand = g.pick(["imm", "imm", "const reg", "bounded reg", "unknown reg", "same ptr", "other ptr"]);
      let src = "";
      let ptrSrc = "";
      let opd = "r6";
      if (operand === "imm") opd = String(g.pick([g.int(-20, 60), 0, 1, 8, -8, 0x7fffffff, -0x80000000]));
      else if (operand === "const reg") src = `r6 = ${g.int(-20, 60)}\n`;
      else if (operand === "bounded reg") src = `${unknownScalar(g, 6)}r6 &= ${g.pick([1, 7, 15, 63, 255])}\n`;
      else if (operand === "unknown reg") src = unknownScalar(g, 6);
      else if (operand === "same ptr") ptrSrc = "r6 = r7\n";
      else ptrSrc = ptr === "stack" ? "r6 = r9\n" : "r6 = r10\n";
      if (w === "w" && opd.startsWith("r")) opd = `w${opd.slice(1)}`;
      // Scalar sources are computed before the pointer (calls clobber r0-r5, not r6-r9).
      const arith = op === "neg" ? `${w}7 = -${w}7` : g.chance(0.12) && opd.startsWith("r") ? `${opd} ${op} r7\nr7 = ${opd}` : `${w}7 ${op} ${opd}`;
      const [sz] = g.pick(SIZES);
      const deref = g.pick(["none", "read", "write"]);
      const off = g.int(-4, 16);
      const use = deref === "none" ? "" : deref === "read" ? `r0 = *(${sz} *)(r7 ${sign(off)})\n` : `r0 = 0\n*(${sz} *)(r7 ${sign(off)}) = r0\n`;
      const asm =
        ptr === "pkt" || ptr === "pkt_end"
          ? `r9 = r1\n${setup}${src.replace(/call \d+\n/, "r6 = *(u32 *)(r1 + 12)\n").replace("r6 = r0\n", "")}${ptrSrc}${arith}\n${use}out:\n${okRet(type)}`
          : `r9 = r1\n${src}${setup}${ptrSrc}${arith}\n${use}out:\nr0 = 0\nexit`;
      return { name: `${ptr} ${arith.replace("\n", "; ")} (${operand}) ${deref} ${deref === "none" ? "" : `${sz} at ${off}`}`, type, asm };
    },
  },
  {
    name: "spill overwrite",
    gen: (g) => {
      const ptr = g.pick(["r1", "r10", "map value", "scalar"]);
      const setup = ptr === "map value" ? `${lookup(1)}if r0 == 0 goto out\nr7 = r0\n` : ptr === "r10" ? "r7 = r10\nr7 += -32\n" : ptr === "scalar" ? "r7 = 5\n" : "r7 = r1\n";
      const slot = -8 * g.int(1, 3);
      const spill = g.chance(0.8) ? `*(u64 *)(r10 ${sign(slot)}) = r7\n` : `*(u32 *)(r10 ${sign(slot)}) = r7\n`;
      const [wsz, wn] = g.pick(SIZES);
      const woff = slot + (g.int(0, 7) & ~(wn - 1));
      const overwrite = g.pick(["stx", "st", "none", "stx"]);
      const ow = overwrite === "none" ? "" : overwrite === "st" ? `*(${wsz} *)(r10 ${sign(woff)}) = 0\n` : `r3 = 1\n*(${wsz} *)(r10 ${sign(woff)}) = r3\n`;
      const [rsz, rn] = g.pick([["u64", 8], ["u64", 8], ["u32", 4], ["u8", 1]] as [string, number][]);
      const roff = g.chance(0.7) ? slot : slot + (g.int(0, 7) & ~(rn - 1));
      const deref = g.chance(0.7) ? "r0 = *(u32 *)(r2 + 0)\n" : "";
      return {
        name: `spill ${ptr} at ${slot}, ${overwrite} ${wsz} at ${woff}, fill ${rsz} at ${roff}${deref ? ", deref" : ""}`,
        type: "socket_filter",
        asm: `r9 = 0\n*(u64 *)(r10 - 8) = r9\n*(u64 *)(r10 - 16) = r9\n*(u64 *)(r10 - 24) = r9\n${setup}${spill}${ow}r2 = *(${rsz} *)(r10 ${sign(roff)})\n${deref}out:\nr0 = 0\nexit`,
      };
    },
  },
  {
    name: "stack var offset",
    gen: (g) => {
      const init = g.int(0, 8);
      let pre = "r9 = 0\n";
      for (let i = 1; i <= init; i++) pre += `*(u64 *)(r10 - ${8 * i}) = r9\n`;
      const mask = g.pick([1, 3, 7, 8, 15, 31, 63, 255, -1]);
      const base = -g.int(1, 80);
      const signed = g.chance(0.2);
      const bound = `${unknownScalar(g, 6)}${mask === -1 ? "" : `r6 &= ${mask}\n`}${signed ? `r6 -= ${g.int(0, 16)}\n` : ""}`;
      const [sz, n] = g.pick(SIZES);
      const off = g.int(-8, 8) & ~(n - 1);
      const use = g.pick(["read", "write", "read", "lookup key", "probe dst", "update value"]);
      let body = "";
      let type = "socket_filter";
      if (use === "read") body = `r0 = *(${sz} *)(r7 ${sign(off)})\n`;
      else if (use === "write") body = `r0 = 0\n*(${sz} *)(r7 ${sign(off)}) = r0\n`;
      else if (use === "lookup key") body = "r2 = r7\nr1 = map[id:0]\ncall 1\n";
      else if (use === "update value") body = "r1 = 0\n*(u32 *)(r10 - 84) = r1\nr2 = r10\nr2 += -84\nr3 = r7\nr1 = map[id:0]\nr4 = 0\ncall 2\n";
      else {
        type = "kprobe";
        body = `r1 = r7\nr2 = ${g.int(0, 16)}\nr3 = 0\ncall 4\n`;
      }
      return { name: `stack var &${mask}${signed ? " signed" : ""} base ${base} init ${init * 8} ${use} ${use === "read" || use === "write" ? `${sz} at ${off}` : ""}`, type, asm: `${pre}${bound}r7 = r10\nr7 += ${base}\nr7 += r6\n${body}r0 = 0\nexit` };
    },
  },
  {
    name: "helper stack memory",
    gen: (g) => {
      const init = g.int(0, 6);
      const initOff = -8 * g.int(1, 6);
      let pre = "";
      for (let i = 0; i < init; i++) pre += `*(u8 *)(r10 ${sign(initOff + i * g.int(1, 2))}) = 0\n`;
      if (g.chance(0.3)) pre += `r9 = 0\n*(u64 *)(r10 ${sign(initOff)}) = r9\n`;
      const at = -g.int(1, 56);
      const helper = g.pick(["lookup key", "update value", "array update value", "probe_read", "get_current_comm", "trace_printk", "probe_read_kernel", "ringbuf_output"]);
      const size = g.pick([0, -1, 1, 4, 8, 16, 17, 48, g.int(-2, 64)]);
      let asm = "";
      let type = "socket_filter";
      if (helper === "lookup key") asm = `r2 = r10\nr2 += ${at}\nr1 = map[id:0]\ncall 1\n`;
      else if (helper === "update value") asm = `r1 = 0\n*(u32 *)(r10 - 60) = r1\nr2 = r10\nr2 += -60\nr3 = r10\nr3 += ${at}\nr1 = map[id:0]\nr4 = 0\ncall 2\n`;
      else if (helper === "array update value") asm = `r1 = 0\n*(u32 *)(r10 - 120) = r1\nr2 = r10\nr2 += -120\nr3 = r10\nr3 += ${at - 48}\nr1 = map[id:1]\nr4 = 0\ncall 2\n`;
      else if (helper === "probe_read" || helper === "probe_read_kernel") {
        type = "kprobe";
        asm = `r1 = r10\nr1 += ${at}\nr2 = ${size}\nr3 = 0\ncall ${helper === "probe_read" ? 4 : 113}\n`;
      } else if (helper === "get_current_comm") {
        type = "kprobe";
        asm = `r1 = r10\nr1 += ${at}\nr2 = ${size}\ncall 16\n`;
      } else if (helper === "trace_printk") {
        type = "kprobe";
        asm = `r1 = r10\nr1 += ${at}\nr2 = ${size}\ncall 6\n`;
      } else asm = `r1 = map[id:2]\nr2 = r10\nr2 += ${at}\nr3 = ${size}\nr4 = 0\ncall 130\n`;
      return { name: `${helper} at ${at} size ${size} init ${init}@${initOff}`, type, asm: `${pre}${asm}r0 = 0\nexit` };
    },
  },
  {
    name: "helper args",
    gen: (g) => {
      const map = g.int(0, 4);
      const which = g.pick(["lookup", "update", "delete", "ringbuf_output", "perf_event_output", "probe_read size", "map arg", "mem arg", "redirect_map", "get_stackid"]);
      const key = "r9 = 0\n*(u64 *)(r10 - 8) = r9\n*(u64 *)(r10 - 16) = r9\n*(u64 *)(r10 - 24) = r9\n*(u64 *)(r10 - 32) = r9\n*(u64 *)(r10 - 40) = r9\n*(u64 *)(r10 - 48) = r9\n";
      const sizeSrc = g.pick(["const", "unknown", "masked", "negative", "zero", "signed bounded"]);
      const sizeSetup =
        sizeSrc === "const"
          ? `r8 = ${g.int(1, 56)}\n`
          : sizeSrc === "unknown"
            ? unknownScalar(g, 8)
            : sizeSrc === "masked"
              ? `${unknownScalar(g, 8)}r8 &= ${g.pick([7, 15, 31, 63])}\n`
              : sizeSrc === "negative"
                ? "r8 = -1\n"
                : sizeSrc === "zero"
                  ? "r8 = 0\n"
                  : `${unknownScalar(g, 8)}if r8 s> ${g.int(0, 48)} goto out\n`;
      let body = "";
      let type = "socket_filter";
      switch (which) {
        case "lookup":
          body = `r2 = r10\nr2 += -8\nr1 = map[id:${map}]\ncall 1\n`;
          break;
        case "update":
          body = `r2 = r10\nr2 += -8\nr3 = r10\nr3 += -48\nr1 = map[id:${map}]\nr4 = ${g.pick([0, 1, 2, 4])}\ncall 2\n`;
          break;
        case "delete":
          body = `r2 = r10\nr2 += -8\nr1 = map[id:${map}]\ncall 3\n`;
          break;
        case "ringbuf_output":
          body = `${sizeSetup}r1 = map[id:${g.chance(0.6) ? 2 : map}]\nr2 = r10\nr2 += -48\nr3 = r8\nr4 = ${g.pick([0, 1, 2, 3])}\ncall 130\n`;
          break;
        case "perf_event_output":
          type = "kprobe";
          body = `r6 = r1\n${sizeSetup}r1 = r6\nr2 = map[id:${g.chance(0.5) ? 4 : map}]\nr3 = ${g.pick(["0xffffffff ll", "0", "1"])}\nr4 = r10\nr4 += -48\nr5 = r8\ncall 25\n`;
          break;
        case "probe_read size":
          type = "kprobe";
          body = `${sizeSetup}r1 = r10\nr1 += -48\nr2 = r8\nr3 = 0\ncall ${g.pick([4, 112, 113])}\n`;
          break;
        case "map arg":
          body = `r2 = r10\nr2 += -8\n${g.pick(["r1 = 0", "r1 = r10", "r1 = r2", "r1 = map[id:1]\nr1 += 0", "r1 = *(u64 *)(r10 - 8)"])}\ncall ${g.pick([1, 2, 3])}\n`;
          break;
        case "mem arg":
          body = `r3 = r10\nr3 += -48\n${g.pick(["r2 = 0", "r2 = map[id:0]", "r2 = r1", "r2 = r10\nr2 += 8", "r2 = r10\nr2 += -512", "r2 = r10\nr2 += -516", "r2 = 4"])}\nr1 = map[id:${g.pick([0, 1])}]\nr4 = 0\ncall ${g.pick([1, 2])}\n`;
          break;
        case "redirect_map":
          type = "xdp";
          body = `r1 = map[id:${map}]\nr2 = 0\nr3 = 0\ncall 51\n`;
          break;
        default:
          type = "kprobe";
          body = `r2 = map[id:${map}]\nr3 = 0\ncall 27\n`;
      }
      return { name: `${which} map ${map} size ${sizeSrc}`, type, asm: `${key}${body}out:\n${okRet(type)}` };
    },
  },
  {
    name: "ringbuf",
    gen: (g) => {
      const size = g.pick(["8", "8", "16", "0", "-1", "unknown", "masked"]);
      let pre = "";
      let sizeReg = size;
      if (size === "unknown" || size === "masked") {
        pre = `${unknownScalar(g, 8)}${size === "masked" ? "r8 &= 15\n" : ""}`;
        sizeReg = "r8";
      }
      const check = g.chance(0.85);
      const steps: string[] = [];
      const n = g.int(1, 3);
      for (let i = 0; i < n; i++) {
        steps.push(g.pick(["write", "write", "submit", "submit", "discard", "submit off", "submit stack", "submit map value", "read", "output", "copy"]));
      }
      if (g.chance(0.6)) steps.push(g.pick(["submit", "discard"]));
      const code: string[] = [];
      for (const s of steps) {
        if (s === "write") code.push(`r1 = 1\n*(u64 *)(r6 + ${g.pick([0, 0, 4, 8])}) = r1`);
        else if (s === "read") code.push(`r1 = *(u32 *)(r6 + ${g.pick([0, 4, 8, 12])})`);
        else if (s === "submit") code.push("r1 = r6\nr2 = 0\ncall 132");
        else if (s === "discard") code.push("r1 = r6\nr2 = 0\ncall 133");
        else if (s === "submit off") code.push(`r1 = r6\nr1 += ${g.pick([1, 4, 8])}\nr2 = 0\ncall 132`);
        else if (s === "submit stack") code.push("r1 = r10\nr1 += -8\nr2 = 0\ncall 132");
        else if (s === "submit map value") code.push(`${lookup(1)}if r0 == 0 goto +3\nr1 = r0\nr2 = 0\ncall 132`);
        else if (s === "output") code.push("r1 = map[id:2]\nr2 = r6\nr3 = 8\nr4 = 0\ncall 130");
        else code.push("r7 = r6");
      }
      return {
        name: `ringbuf reserve ${size}${check ? "" : " no check"}: ${steps.join(", ")}`,
        type: "socket_filter",
        asm: `r9 = 0\n*(u64 *)(r10 - 8) = r9\n${pre}r1 = map[id:${g.chance(0.9) ? 2 : g.pick([0, 4])}]\nr2 = ${sizeReg}\nr3 = ${g.chance(0.9) ? 0 : 1}\ncall 131\n${check ? "if r0 == 0 goto out\n" : ""}r6 = r0\n${code.join("\n")}\nout:\nr0 = 0\nexit`,
      };
    },
  },
  {
    name: "tail call",
    gen: (g) => {
      const map = g.pick([3, 3, 0, 1, 4]);
      const ctx = g.pick(["r1 = r6", "r1 = r6", "r1 = r10", "r1 = 0"]);
      const idx = g.pick(["r3 = 0", "r3 = 7", "r3 = r8", "r3 = -1", "w3 = 2"]);
      return { name: `tail call map ${map} ${ctx} ${idx}`, type: g.pick(["socket_filter", "xdp", "sched_cls"]), asm: `r6 = r1\n${unknownScalar(g, 8)}${ctx}\nr2 = map[id:${map}]\n${idx}\ncall 12\nr0 = 0\nexit` };
    },
  },
  {
    name: "return value",
    gen: (g) => {
      const t = g.pick(CTX_TYPES);
      const attachType = t.attach && (t.type === "cgroup_sock_addr" || g.chance(0.9)) ? g.pick(t.attach) : undefined;
      const v = g.pick(["const", "const", "const", "unknown", "masked", "w const", "pointer", "uninit", "subreg"]);
      let body = "";
      if (v === "const") body = `r0 = ${g.int(-2, 5)}\n`;
      else if (v === "w const") body = `w0 = ${g.int(-2, 5)}\n`;
      else if (v === "unknown") body = "call 7\n";
      else if (v === "masked") body = `call 7\nr0 &= ${g.pick([1, 3])}\n`;
      else if (v === "pointer") body = g.pick(["r0 = r1\n", "r0 = r10\n"]);
      else if (v === "subreg") body = "r0 = 0x100000001 ll\n";
      return { name: `${t.type}${attachType ? `/${attachType}` : ""} returns ${v} ${body.trim()}`, type: t.type, ...(attachType ? { attachType } : {}), asm: `${body}exit` };
    },
  },
  {
    name: "division",
    gen: (g) => {
      const w = g.chance(0.5) ? "w" : "r";
      const op = g.pick(["/=", "%=", "s/=", "s%="]);
      const by = g.pick(["imm 0", "imm", "reg 0", "reg unknown", "reg -1", "reg masked"]);
      let pre = "r0 = 100\n";
      let rhs = "";
      if (by === "imm 0") rhs = "0";
      else if (by === "imm") rhs = String(g.pick([-1, 1, 3, 7]));
      else {
        rhs = `${w}2`;
        if (by === "reg 0") pre += "r2 = 0\n";
        else if (by === "reg -1") pre += "r2 = -1\n";
        else pre = `${unknownScalar(g, 2)}${by === "reg masked" ? "r2 &= 3\n" : ""}r0 = 100\n`;
      }
      const use = g.chance(0.5) ? `r0 &= 7\n` : "";
      return { name: `${w}0 ${op} ${by}`, type: "socket_filter", asm: `${pre}${w}0 ${op} ${rhs}\n${use}exit` };
    },
  },
  {
    name: "alu32 sign-extension",
    gen: (g) => {
      const load = g.pick(["r6 = *(u8 *)(r0 + 0)", "r6 = *(s8 *)(r0 + 0)", "r6 = *(s16 *)(r0 + 0)", "r6 = *(s32 *)(r0 + 0)", "r6 = *(u32 *)(r0 + 0)", "r6 = *(u64 *)(r0 + 0)"]);
      const ops: string[] = [];
      const n = g.int(1, 3);
      for (let i = 0; i < n; i++) {
        ops.push(
          g.pick([
            `w6 += ${g.int(-8, 8)}`,
            `w6 -= ${g.int(-8, 8)}`,
            `w6 &= ${g.pick([7, 15, 0x80, 0xff, -8])}`,
            `r6 &= ${g.pick([7, 15, 0xff, 0x1f])}`,
            "r6 = (s8)r6",
            "r6 = (s16)r6",
            "r6 = (s32)r6",
            "w6 = (s8)w6",
            "w6 = (s16)w6",
            `w6 <<= ${g.int(0, 4)}`,
            `w6 >>= ${g.int(0, 28)}`,
            `w6 s>>= ${g.int(0, 28)}`,
            `r6 s>>= ${g.int(0, 60)}`,
            `w6 *= ${g.int(-2, 4)}`,
            `w6 |= ${g.int(0, 8)}`,
            `w6 ^= ${g.pick([1, 0x80, -1])}`,
            "w6 = -w6",
            "w6 = w6",
            `if w6 > ${g.int(0, 47)} goto out`,
            `if w6 s> ${g.int(0, 47)} goto out`,
            `if r6 s< 0 goto out`,
          ]),
        );
      }
      const [sz] = g.pick(SIZES);
      return {
        name: `alu32 ${load.slice(5, 16)}; ${ops.join("; ")}; index ${sz}`,
        type: "socket_filter",
        asm: `${lookup(1)}if r0 == 0 goto out\n${load}\n${ops.join("\n")}\nr0 += r6\nr1 = *(${sz} *)(r0 + 0)\nout:\nr0 = 0\nexit`,
      };
    },
  },
  {
    name: "bswap",
    gen: (g) => {
      const load = g.pick(["r6 = *(u8 *)(r0 + 0)", "r6 = *(u16 *)(r0 + 0)", "r6 = *(u32 *)(r0 + 0)", "r6 = 0x2a", "r6 = 0x2a00", "r6 = 0x2a000000"]);
      const sw = g.pick(["be16", "be32", "be64", "le16", "le32", "le64", "bswap16", "bswap32", "bswap64"]);
      const mask = g.chance(0.5) ? `r6 &= ${g.pick([0xff, 0x3f, 0xff00])}\n` : "";
      const pre = g.chance(0.4) ? "r6 &= 0x2f\n" : "";
      return {
        name: `bswap ${load.slice(5)} ${pre ? "&0x2f " : ""}${sw} ${mask.trim()}`,
        type: "socket_filter",
        asm: `${lookup(1)}if r0 == 0 goto out\n${load}\n${pre}r6 = ${sw} r6\n${mask}r0 += r6\nr1 = *(u8 *)(r0 + 0)\nout:\nr0 = 0\nexit`,
      };
    },
  },
  {
    name: "pointer compare",
    gen: (g) => {
      const ptr = g.pick(["ctx", "stack", "map value", "map value or null", "pkt", "map ptr"]);
      const type = ptr === "pkt" ? "xdp" : "socket_filter";
      let setup = "";
      if (ptr === "ctx") setup = "r7 = r9\n";
      else if (ptr === "stack") setup = "r7 = r10\nr7 += -8\n";
      else if (ptr === "map value") setup = `${lookup(1)}if r0 == 0 goto out\nr7 = r0\n`;
      else if (ptr === "map value or null") setup = `${lookup(1)}r7 = r0\n`;
      else if (ptr === "pkt") setup = "r7 = *(u32 *)(r1 + 0)\nr8 = *(u32 *)(r1 + 4)\n";
      else setup = "r7 = map[id:1]\n";
      const w = g.chance(0.2) ? "w" : "r";
      const op = g.pick(["==", "!=", ">", "<", ">=", "s>", "s<=", "&"]);
      const rhs = g.pick(["0", "0", "1", "-1", "r6 (const 0)", "r6 (const 5)", "r6 (unknown)", "r10", "r9", ptr === "pkt" ? "r8" : "r7"]);
      let pre = "";
      let rhsTxt = rhs;
      if (rhs.startsWith("r6")) {
        pre = rhs.includes("unknown") ? unknownScalar(g, 6) : `r6 = ${rhs.includes("5") ? 5 : 0}\n`;
        rhsTxt = "r6";
      }
      if (w === "w" && rhsTxt.startsWith("r")) rhsTxt = `w${rhsTxt.slice(1)}`;
      const cond = `if ${w}7 ${op} ${rhsTxt} goto +1`;
      const deref = g.chance(0.5) ? "r0 = *(u8 *)(r7 + 0)\n" : "";
      return { name: `${ptr} ${cond} (${rhs})${deref ? " deref" : ""}`, type, asm: `r9 = r1\n${type === "xdp" ? "" : pre}${setup}${type === "xdp" && pre ? "r6 = *(u32 *)(r1 + 12)\n" : ""}${cond}\nr0 = 0\n${deref}out:\n${okRet(type)}` };
    },
  },
  {
    name: "bpf-to-bpf stack",
    gen: (g) => {
      const init = g.int(0, 3);
      let pre = "r9 = 0\n";
      for (let i = 1; i <= init; i++) pre += `*(u64 *)(r10 - ${8 * i}) = r9\n`;
      const argOff = -8 * g.int(1, 4) + (g.chance(0.2) ? g.int(1, 7) : 0);
      const [sz, n] = g.pick(SIZES);
      const off = g.int(-8, 24) & ~(n - 1);
      const what = g.pick(["read", "write", "return ptr", "return deref", "helper key", "nested", "callee stack", "r6 across"]);
      let callee = "";
      let after = "r0 = 0\n";
      if (what === "read") callee = `r0 = *(${sz} *)(r1 ${sign(off)})\nr0 = 0\nexit`;
      else if (what === "write") callee = `r2 = 1\n*(${sz} *)(r1 ${sign(off)}) = r2\nr0 = 0\nexit`;
      else if (what === "return ptr") {
        callee = `r0 = r1\nr0 += ${off}\nexit`;
        after = `r0 = *(${sz} *)(r0 + 0)\nr0 = 0\n`;
      } else if (what === "return deref") {
        callee = "r0 = r10\nr0 += -8\nexit";
        after = "r0 = *(u64 *)(r0 + 0)\nr0 = 0\n";
      } else if (what === "helper key") callee = `r2 = r1\nr2 += ${off}\nr1 = map[id:0]\ncall 1\nr0 = 0\nexit`;
      else if (what === "nested") callee = `call sub2\nr0 = 0\nexit\nsub2:\nr0 = *(${sz} *)(r1 ${sign(off)})\nr0 = 0\nexit`;
      else if (what === "callee stack") callee = `r2 = 0\n*(u64 *)(r10 - 8) = r2\nr0 = *(${sz} *)(r10 ${sign(-g.int(1, 16) & ~(n - 1))})\nr0 = 0\nexit`;
      else {
        callee = "r6 = 5\nr0 = 0\nexit";
        after = "r0 = r6\n";
      }
      return {
        name: `subprog arg fp${argOff} init ${init * 8}: ${what} ${sz} at ${off}`,
        type: "socket_filter",
        asm: `${pre}r6 = 0\nr1 = r10\nr1 += ${argOff}\ncall sub1\n${after}exit\nsub1:\n${callee}`,
      };
    },
  },
  {
    name: "callbacks",
    gen: (g) => {
      const helper = g.pick(["loop", "loop", "loop", "for_each"]);
      const ret = g.pick(["r0 = 0", "r0 = 1", "r0 = 2", "r0 = -1", "call 7", "call 7\nr0 &= 1", "w0 = 1", "none"]);
      const cbBody = g.pick(["", "r3 = *(u64 *)(r2 + 0)\n", "r3 = *(u8 *)(r2 + 8)\n", "r3 = 1\n*(u64 *)(r2 + 0) = r3\n", "r3 = *(u64 *)(r10 - 8)\n", "r3 = r1\n"]);
      const ctx = g.pick(["r3 = r10\nr3 += -8", "r3 = 0", "r3 = r10\nr3 += -16", "r3 = map[id:1]"]);
      let call = "";
      if (helper === "loop") {
        const nr = g.pick(["r1 = 4", "r1 = 0x800000", "r1 = 0x800001", "r1 = r7", "r1 = -1"]);
        call = `${nr}\nr2 = subprog[cb]\n${ctx}\nr4 = ${g.chance(0.85) ? 0 : 1}\ncall 181`;
      } else call = `r1 = map[id:${g.pick([0, 1, 2])}]\nr2 = subprog[cb]\n${ctx}\nr4 = 0\ncall 164`;
      const use = g.chance(0.3) ? "r0 &= 1\n" : "r0 = 0\n";
      return {
        name: `${helper} cb ${ret.replace("\n", "; ")} body ${cbBody.trim()} ctx ${ctx.replace("\n", "; ")}`,
        type: "socket_filter",
        funcInfo: true,
        asm: `r9 = 0\n*(u64 *)(r10 - 8) = r9\n${unknownScalar(g, 7)}${call}\n${use}exit\ncb:\n${cbBody}${ret === "none" ? "" : `${ret}\n`}exit`,
      };
    },
  },
  {
    name: "uninit register",
    gen: (g) => {
      const reg = g.int(0, 9);
      const use = g.pick(["r0 = 0\nr0 += rX", "rX += 1\nr0 = 0", "r0 = 0\nif rX > 0 goto +0", "r0 = 0\n*(u64 *)(r10 - 8) = rX", "r0 = *(u64 *)(rX + 0)", "r0 = 0\ncall 5\nr0 = rX"]);
      return { name: `uninit r${reg}: ${use.replace(/\n/g, "; ")}`, type: "socket_filter", asm: `${use.replace(/rX/g, `r${reg}`)}\nr0 = 0\nexit` };
    },
  },
  {
    name: "map null check",
    gen: (g) => {
      const [sz] = g.pick(SIZES);
      const off = g.int(-4, 12);
      const check = g.pick(["none", "if r0 == 0 goto out", "if r0 != 0 goto +1\ngoto out", "if r0 != 0 goto out", "r7 = r0\nif r7 == 0 goto out", "if r0 > 0 goto +1\ngoto out", "if r0 == 1 goto out"]);
      return { name: `hash lookup ${check.replace(/\n/g, "; ")}: ${sz} at ${off}`, type: "socket_filter", asm: `${lookup(0)}${check === "none" ? "" : `${check}\n`}r0 = *(${sz} *)(r0 ${sign(off)})\nout:\nr0 = 0\nexit` };
    },
  },
  {
    name: "atomics",
    gen: (g) => {
      const target = g.pick(["stack", "stack uninit", "map value", "ctx", "pkt", "map value or null"]);
      const type = target === "pkt" ? "xdp" : "socket_filter";
      const w = g.chance(0.5) ? "u64" : "u32";
      const off = target.startsWith("stack") ? -8 * g.int(1, 2) + (g.chance(0.2) ? 4 : 0) : g.int(-4, 48) & ~(g.chance(0.8) ? (w === "u64" ? 7 : 3) : 0);
      let setup = "";
      let base = "r10";
      if (target === "stack") setup = "r9 = 0\n*(u64 *)(r10 - 8) = r9\n*(u64 *)(r10 - 16) = r9\n";
      else if (target === "map value") setup = `${lookup(1)}if r0 == 0 goto out\nr7 = r0\n`;
      else if (target === "map value or null") setup = `${lookup(1)}r7 = r0\n`;
      else if (target === "pkt") setup = "r7 = *(u32 *)(r1 + 0)\nr8 = *(u32 *)(r1 + 4)\nr4 = r7\nr4 += 16\nif r4 > r8 goto out\n";
      if (target === "ctx") base = "r1";
      else if (!target.startsWith("stack")) base = "r7";
      const R = w === "u64" ? "r" : "w";
      const n = w === "u64" ? "64" : "32";
      const val = g.pick(["r2 = 1", "r2 = r10", "r2 = r1"]);
      const op = g.pick([
        `lock *(${w} *)(${base} ${sign(off)}) += ${R}2`,
        `lock *(${w} *)(${base} ${sign(off)}) |= ${R}2`,
        `${R}2 = atomic${n === "64" ? "64" : ""}_fetch_add((${w} *)(${base} ${sign(off)}), ${R}2)`,
        `${R}2 = atomic${n === "64" ? "64" : ""}_xchg((${w} *)(${base} ${sign(off)}), ${R}2)`,
        `${R}0 = atomic${n === "64" ? "64" : ""}_cmpxchg((${w} *)(${base} ${sign(off)}), ${R}0, ${R}2)`,
      ]);
      return { name: `atomic on ${target}: ${op} (${val})`, type, asm: `${setup}${val}\nr0 = 0\n${op}\nout:\n${okRet(type)}` };
    },
  },
  {
    name: "branch refinement",
    gen: (g) => {
      const ops = [">", ">=", "<", "<=", "s>", "s>=", "s<", "s<=", "==", "!=", "&"];
      let pre = `${lookup(1)}if r0 == 0 goto out\nr6 = *(${g.pick(["u64", "u32", "u8"])} *)(r0 + 0)\nr7 = *(${g.pick(["u64", "u32", "u16"])} *)(r0 + 8)\n`;
      const n = g.int(1, 3);
      const desc: string[] = [];
      for (let i = 0; i < n; i++) {
        const w = g.chance(0.4) ? "w" : "r";
        const rhs = g.chance(0.4) ? `${w}7` : String(g.pick([g.int(-2, 50), 0, 47, 48, 0x7fffffff, -0x80000000]));
        const c = `if ${w}6 ${g.pick(ops)} ${rhs} goto out`;
        pre += `${c}\n`;
        desc.push(c.slice(3, -9));
        if (g.chance(0.3)) {
          const c2 = `if ${w}7 ${g.pick(ops)} ${g.int(0, 48)} goto out`;
          pre += `${c2}\n`;
          desc.push(c2.slice(3, -9));
        }
      }
      const idx = g.pick(["r6", "r6", "r7"]);
      const [sz] = g.pick(SIZES);
      return { name: `refine [${desc.join("; ")}] index ${idx} ${sz}`, type: "socket_filter", asm: `${pre}r0 += ${idx}\nr1 = *(${sz} *)(r0 + 0)\nout:\nr0 = 0\nexit` };
    },
  },
  {
    name: "spill fill scalar",
    gen: (g) => {
      const mask = g.pick([7, 15, 31, 47, 0xff]);
      const [ssz, sn] = g.pick(SIZES);
      const [fsz, fn] = g.pick(SIZES);
      const slot = -8 * g.int(1, 2);
      const soff = slot + (g.chance(0.8) ? 0 : g.int(0, 7) & ~(sn - 1));
      const foff = g.chance(0.7) ? soff : slot + (g.int(0, 7) & ~(fn - 1));
      const init = g.chance(0.6) ? "r9 = 0\n*(u64 *)(r10 - 8) = r9\n*(u64 *)(r10 - 16) = r9\n" : "";
      const alu32spill = g.chance(0.2) ? "w6 = w6\n" : "";
      return {
        name: `spill r6&${mask} as ${ssz} at ${soff}${init ? "" : " (no init)"}, fill ${fsz} at ${foff}`,
        type: "socket_filter",
        asm: `${init}${lookup(1)}if r0 == 0 goto out\nr6 = *(u64 *)(r0 + 0)\nr6 &= ${mask}\n${alu32spill}*(${ssz} *)(r10 ${sign(soff)}) = r6\nr7 = *(${fsz} *)(r10 ${sign(foff)})\nr0 += r7\nr1 = *(u8 *)(r0 + 0)\nout:\nr0 = 0\nexit`,
      };
    },
  },
  {
    name: "packet invalidation",
    gen: (g) => {
      const type = g.pick(["xdp", "sched_cls"]);
      const xdp = type === "xdp";
      const helper = xdp ? g.pick(["r2 = 4\ncall 44", "r2 = -4\ncall 44", "r2 = 4\ncall 54", "call 7"]) : g.pick(["r2 = 4\nr3 = 0\ncall 50", "r2 = 60\nr3 = 0\ncall 39", "call 7", "r2 = 0\nr3 = 0\ncall 31"]);
      const D = xdp ? 0 : 76, E = xdp ? 4 : 80;
      const reload = g.chance(0.4);
      const use = g.pick(["r0 = *(u8 *)(r2 + 0)", "r0 = *(u8 *)(r3 + 0)", "if r2 > r3 goto +0"]);
      return {
        name: `${type} ${helper.split("\n").pop()} then ${reload ? "reload" : "old pointers"}: ${use}`,
        type,
        asm: `r6 = r1\nr2 = *(u32 *)(r1 + ${D})\nr3 = *(u32 *)(r1 + ${E})\nr4 = r2\nr4 += 8\nif r4 > r3 goto out\nr7 = r2\nr8 = r3\nr1 = r6\n${helper}\n${reload ? `r7 = *(u32 *)(r6 + ${D})\nr8 = *(u32 *)(r6 + ${E})\nr4 = r7\nr4 += 8\nif r4 > r8 goto out\n` : ""}r2 = r7\nr3 = r8\n${use}\nout:\n${okRet(type)}`,
      };
    },
  },
  {
    name: "ld_abs",
    gen: (g) => {
      const type = g.pick(["socket_filter", "sched_cls", "cgroup_skb", "xdp"]);
      const ctx = g.pick(["r6 = r1", "r6 = r1", "r6 = r10", ""]);
      const sz = g.pick(["u8", "u16", "u32"]);
      const form = g.chance(0.5) ? `r0 = *(${sz} *)skb[${g.pick([0, 12, -1, 0x7fffffff, g.int(0, 100)])}]` : `r7 = ${g.int(-2, 20)}\nr0 = *(${sz} *)skb[r7 + ${g.int(0, 20)}]`;
      const clobber = g.chance(0.3) ? "r0 = r2\n" : "";
      return { name: `${type} ${ctx || "no r6"}: ${form.replace("\n", "; ")}${clobber ? " then r2" : ""}`, type, asm: `${ctx ? `${ctx}\n` : ""}r2 = 1\n${form}\n${clobber}${okRet(type)}` };
    },
  },
];

export const KIND_NAMES = KINDS.map((k) => k.name);

/** The program of `kind` (an index into KINDS) for a seed. */
export function generateKind(kind: number, seed: number): GenCase {
  const k = KINDS[kind % KINDS.length]!;
  return { ...k.gen(makeR(seed)), kind: k.name };
}

/** A program of a kind picked by the seed. */
export function generate(seed: number): GenCase {
  const g = makeR(seed ^ 0x5bd1e995);
  return generateKind(g.int(0, KINDS.length - 1), seed);
}
