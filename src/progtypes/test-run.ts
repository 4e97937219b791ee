/**
 * BPF_PROG_TEST_RUN as the kernel applies it (net/bpf/test_run.c): which types can be test-run,
 * how the packet and context are built, which inputs are refused with which errno, what comes
 * back as data_out / ctx_out, repeat and the average duration.
 */
import { EbpfError } from "../errors.js";
import type { RunContext } from "../helpers/context.js";
import type { HelperCall } from "../helpers/registry.js";
import type { ProgramImage } from "../vm/image.js";
import type { AddressSpace } from "../vm/memory.js";
import { PERM_RW } from "../vm/memory.js";
import { checkContextAccesses } from "./ctx-access.js";
import { programType } from "./index.js";
import { buildSkb, buildXdp, ETH_HLEN, SKB_HEADROOM, type PacketBuffer } from "./packet.js";
import { MAX_RAW_TP_ARGS } from "./raw-tracepoint.js";
import { SK_BUFF_SIZE, SKB } from "./sk-buff.js";
import { SYSCALL_CTX_MAX } from "./syscall.js";
import type { NetRunContext, ProgramTypeSpec } from "./types.js";
import { SKB_SHARED_INFO_SIZE, XDP_FRAME_SIZE, XDP_MD, XDP_MD_SIZE, XDP_PACKET_HEADROOM } from "./xdp.js";
import { csumFold, csumPartial } from "../helpers/csum.js";
import type { Engine } from "../vm/execute.js";

/** What test runs need of an engine: the interpreter or the JIT (vm's Engine). */
export type TestRunEngine = Engine;

export const BPF_F_TEST_RUN_ON_CPU = 1 << 0;
export const BPF_F_TEST_XDP_LIVE_FRAMES = 1 << 1;
export const BPF_F_TEST_SKB_CHECKSUM_COMPLETE = 1 << 2;

const PAGE_SIZE = 4096;
const GSO_LEGACY_MAX_SIZE = 65536;
const GSO_MAX_SEGS = 65535;

export interface TestRunOptions {
  /** data_in: the packet. */
  dataIn?: Uint8Array;
  /** ctx_in: struct __sk_buff / struct xdp_md / raw_tp args / the syscall buffer. */
  ctxIn?: Uint8Array;
  /** Ask for ctx_out even without ctx_in (the kernel's ctx_out without ctx_in). */
  ctxOut?: boolean;
  /** Runs (0 and undefined mean 1, as in the kernel). */
  repeat?: number;
  cpu?: number;
  /** BPF_F_TEST_* flags. */
  flags?: number;
  batchSize?: number;
  /** The program's expected attach type ("xdp_devmap" …). */
  attachType?: string;
  /** Number of CPUs (for BPF_F_TEST_RUN_ON_CPU); default 1. */
  nrCpus?: number;
  /** The program's max_ctx_offset; computed from its instructions when absent. */
  maxCtxOffset?: number;
  /** Extra per-run fields for helpers (task, clock …), merged into the run context. */
  context?: Record<string, unknown>;
  budget?: number;
  tailCall?: (call: HelperCall, map: bigint, index: number) => ProgramImage | undefined;
  /** Clock for duration_ns (default performance.now()). */
  now?: () => number;
}

export interface TestRunResult {
  /** r0 as the kernel reports it: the low 32 bits, unsigned. */
  retval: number;
  dataOut: Uint8Array;
  ctxOut?: Uint8Array;
  /** Average nanoseconds per run (u32-capped, as the kernel reports it). */
  durationNs: number;
  /** Where bpf_redirect pointed, if it was called. */
  redirect?: { ifindex: number; flags: number };
}

function einval(message: string): never {
  throw new EbpfError("EINVAL", `test run: ${message}`);
}

/** bpf_check_uarg_tail_zero + copy into a zeroed buffer of the kernel's size. */
function ctxInit(ctxIn: Uint8Array | undefined, want: boolean, maxSize: number): Uint8Array | undefined {
  if (!ctxIn && !want) return undefined;
  const out = new Uint8Array(maxSize);
  if (ctxIn) {
    if (ctxIn.length > PAGE_SIZE) throw new EbpfError("E2BIG", `test run: ctx_in of ${ctxIn.length} bytes is larger than a page`);
    for (let i = maxSize; i < ctxIn.length; i++) {
      if (ctxIn[i] !== 0) throw new EbpfError("E2BIG", `test run: ctx_in has non-zero bytes past the ${maxSize}-byte context (at ${i})`);
    }
    out.set(ctxIn.subarray(0, Math.min(maxSize, ctxIn.length)));
  }
  return out;
}

function isZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

const maxCtxCache = new WeakMap<ProgramImage, Map<string, number>>();

function maxCtxOffset(image: ProgramImage, spec: ProgramTypeSpec): number {
  let m = maxCtxCache.get(image);
  if (!m) maxCtxCache.set(image, (m = new Map()));
  let v = m.get(spec.name);
  if (v === undefined) {
    v = checkContextAccesses(image.insns, spec).maxCtxOffset;
    m.set(spec.name, v);
  }
  return v;
}

/** Runs `repeat` times and returns the last r0 and the average time. */
function timedRuns(engine: TestRunEngine, image: ProgramImage, o: TestRunOptions, ctxAddr: number, context: RunContext, packet?: { start: number; length: number }): { retval: number; durationNs: number } {
  const repeat = o.repeat && o.repeat > 0 ? o.repeat : 1;
  const now = o.now ?? (() => performance.now());
  let r0 = 0n;
  // One options object for every run (engines only read it), so the timed loop allocates nothing.
  const opts: Parameters<TestRunEngine["run"]>[1] = { args: [ctxAddr], context };
  if (packet) opts.packet = packet;
  if (o.budget !== undefined) opts.budget = o.budget;
  if (o.tailCall) opts.tailCall = o.tailCall;
  const t0 = now();
  for (let i = 0; i < repeat; i++) r0 = engine.run(image, opts).r0;
  const ns = ((now() - t0) * 1e6) / repeat;
  return { retval: Number(r0 & 0xffffffffn), durationNs: Math.min(0xffffffff, Math.max(0, Math.round(ns))) };
}

/**
 * BPF_PROG_TEST_RUN: runs `image` as a program of type `progType` on the given input, with the
 * kernel's rules for that type. Throws EbpfError with the kernel's errno for refused inputs
 * (ENOTSUPP for types the kernel cannot test-run).
 */
export function testRun(engine: TestRunEngine, image: ProgramImage, progType: string | number | ProgramTypeSpec, options: TestRunOptions = {}): TestRunResult {
  const spec = typeof progType === "object" ? progType : programType(progType);
  switch (spec.testRun) {
    case "skb":
      return testRunSkb(engine, image, spec, options);
    case "xdp":
      return testRunXdp(engine, image, spec, options);
    case "raw_tp":
      return testRunRawTp(engine, image, spec, options);
    case "syscall":
      return testRunSyscall(engine, image, spec, options);
    default:
      throw new EbpfError("ENOTSUPP", `test run: programs of type ${spec.name} cannot be test-run (the kernel has no test_run for them)`);
  }
}

function baseContext(spec: ProgramTypeSpec, o: TestRunOptions, ctx: number): RunContext & Record<string, unknown> {
  return { ...(o.context ?? {}), cpu: o.cpu ?? 0, progType: spec.name, ctx };
}

function testRunSkb(engine: TestRunEngine, image: ProgramImage, spec: ProgramTypeSpec, o: TestRunOptions): TestRunResult {
  const flags = o.flags ?? 0;
  if (flags & ~BPF_F_TEST_SKB_CHECKSUM_COMPLETE || o.cpu || o.batchSize) einval("skb programs take no flags but BPF_F_TEST_SKB_CHECKSUM_COMPLETE, and no cpu or batch_size");
  const data = o.dataIn ?? new Uint8Array(0);
  const maxSize = PAGE_SIZE - SKB_HEADROOM - SKB_SHARED_INFO_SIZE;
  if (data.length < ETH_HLEN || data.length > maxSize) einval(`packet of ${data.length} bytes: an skb test run needs ${ETH_HLEN} to ${maxSize} bytes`);
  // Linux 6.18 refuses IPv4/IPv6 frames too short to hold their network header.
  const ethProto = (data[12]! << 8) | data[13]!;
  const l3Min = ethProto === 0x0800 ? 20 : ethProto === 0x86dd ? 40 : 0;
  if (data.length - ETH_HLEN < l3Min) einval(`packet of ${data.length} bytes: an ${ethProto === 0x0800 ? "IPv4" : "IPv6"} frame needs ${ETH_HLEN + l3Min} bytes for its network header`);
  const ctx = ctxInit(o.ctxIn, o.ctxOut ?? false, SK_BUFF_SIZE);
  const dv = ctx ? new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength) : undefined;
  const field = (off: number): number => (dv ? dv.getUint32(off, true) : 0);
  const ifindex = field(SKB.ifindex);
  if (ifindex > 1) throw new EbpfError("ENODEV", `test run: no device with ifindex ${ifindex} (only the loopback device, 1, exists here)`);
  const l2 = spec.name === "sched_cls" || spec.name === "sched_act";
  const skbLen = l2 ? data.length : data.length - ETH_HLEN;
  if (ctx) {
    // convert___skb_to_skb: everything but the fields a test run may set must be zero.
    const ranges: [number, number][] = [[0, SKB.mark], [SKB.mark + 4, SKB.priority], [SKB.ifindex + 4, SKB.cb], [SKB.cb + 20, SKB.tstamp], [SKB.gso_segs + 4, SKB.gso_size], [SKB.gso_size + 4, SKB.hwtstamp]];
    for (const [a, b] of ranges) if (!isZero(ctx, a, b)) einval(`__sk_buff ctx_in sets a field a test run does not take (bytes ${a}..${b - 1} must be zero)`);
    const wire = field(SKB.wire_len);
    if (wire !== 0 && (wire < skbLen || wire > GSO_LEGACY_MAX_SIZE)) einval(`wire_len ${wire} is below the packet length ${skbLen} or above ${GSO_LEGACY_MAX_SIZE}`);
    if (field(SKB.gso_segs) > GSO_MAX_SEGS) einval(`gso_segs ${field(SKB.gso_segs)} is above ${GSO_MAX_SEGS}`);
  }
  const space = engine.space;
  const run = buildSkb(space, data, {
    l2,
    directPacketAccess: l2,
    mark: field(SKB.mark),
    priority: field(SKB.priority),
    ingressIfindex: field(SKB.ingress_ifindex),
    ifindex: 1,
    cb: ctx ? ctx.subarray(SKB.cb, SKB.cb + 20) : new Uint8Array(20),
    tstamp: dv ? dv.getBigUint64(SKB.tstamp, true) : 0n,
    wireLen: field(SKB.wire_len),
    gsoSegs: field(SKB.gso_segs),
    gsoSize: field(SKB.gso_size),
    hwtstamp: dv ? dv.getBigUint64(SKB.hwtstamp, true) : 0n,
  });
  try {
    const packet = run.packet;
    const csumComplete = (flags & BPF_F_TEST_SKB_CHECKSUM_COMPLETE) !== 0;
    if (csumComplete) packet.csum = csumPartial(space.u8, packet.network, packet.dataEnd - packet.network, 0);
    const context: NetRunContext = { ...baseContext(spec, o, run.ctx.start), progType: spec.name, ctx: run.ctx.start, packet };
    const res = timedRuns(engine, image, o, run.ctx.start, context, packet.ldAbs);
    if (!l2) {
      // The kernel pushes the (zeroed) mac header back before copying data_out.
      packet.reserve(ETH_HLEN, 0);
      packet.data -= ETH_HLEN;
      space.u8.fill(0, packet.data, packet.data + ETH_HLEN);
      packet.sync();
    }
    if (csumComplete) {
      const now = csumPartial(space.u8, packet.network, packet.dataEnd - packet.network, 0);
      if (csumFold(packet.csum ?? 0) !== csumFold(now)) throw new EbpfError("EBADMSG", "test run: skb->csum does not match the packet after the run (BPF_F_TEST_SKB_CHECKSUM_COMPLETE)");
    }
    const out: TestRunResult = { retval: res.retval, dataOut: packet.bytes(), durationNs: res.durationNs };
    if (context.redirect) out.redirect = context.redirect;
    if (ctx) out.ctxOut = skbCtxOut(space, run.ctx.start, ctx);
    return out;
  } finally {
    run.release();
  }
}

/** convert_skb_to___skb: the fields a test run reports back; the rest as the caller passed them. */
function skbCtxOut(space: AddressSpace, c: number, ctxIn: Uint8Array): Uint8Array {
  const out = ctxIn.slice();
  const copy = (off: number, len: number): void => out.set(space.u8.subarray(c + off, c + off + len), off);
  copy(SKB.mark, 4);
  copy(SKB.priority, 4);
  copy(SKB.ingress_ifindex, 4);
  copy(SKB.ifindex, 4);
  copy(SKB.tstamp, 8);
  copy(SKB.cb, 20);
  copy(SKB.wire_len, 4);
  copy(SKB.gso_segs, 4);
  copy(SKB.hwtstamp, 8);
  return out;
}

function testRunXdp(engine: TestRunEngine, image: ProgramImage, spec: ProgramTypeSpec, o: TestRunOptions): TestRunResult {
  const flags = o.flags ?? 0;
  if (o.attachType === "xdp_devmap" || o.attachType === "xdp_cpumap") einval("devmap and cpumap XDP programs cannot be test-run");
  if (flags & ~BPF_F_TEST_XDP_LIVE_FRAMES) einval("xdp programs take no flags but BPF_F_TEST_XDP_LIVE_FRAMES");
  if (flags & BPF_F_TEST_XDP_LIVE_FRAMES) throw new EbpfError("ENOTSUPP", "test run: BPF_F_TEST_XDP_LIVE_FRAMES (sending frames) is not supported by this runtime");
  if (o.batchSize) einval("batch_size needs BPF_F_TEST_XDP_LIVE_FRAMES");
  const data = o.dataIn ?? new Uint8Array(0);
  const ctx = ctxInit(o.ctxIn, o.ctxOut ?? false, XDP_MD_SIZE);
  const dv = ctx ? new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength) : undefined;
  const field = (off: number): number => (dv ? dv.getUint32(off, true) : 0);
  let headroom = XDP_PACKET_HEADROOM;
  let metaLen = 0;
  if (ctx) {
    const d = field(XDP_MD.data);
    if (field(XDP_MD.data_meta) !== 0 || field(XDP_MD.data_end) > data.length || d > field(XDP_MD.data_end) || d & 3 || d > 32) {
      einval("xdp_md ctx_in must have data_meta 0, data_end not beyond the packet and data (the metadata length) a multiple of 4 up to 32");
    }
    metaLen = d;
    headroom -= d;
  }
  const maxData = XDP_FRAME_SIZE - headroom - SKB_SHARED_INFO_SIZE;
  // ctx_in's data_end sets the linear part; the rest of data_in goes to fragments (Linux 6.18).
  const size = Math.min(ctx ? field(XDP_MD.data_end) : data.length, maxData);
  if (data.length < ETH_HLEN) einval(`packet of ${data.length} bytes: an xdp test run needs at least ${ETH_HLEN}`);
  let rxq = { ifindex: 1, queue: 0 };
  if (ctx) {
    if (field(XDP_MD.egress_ifindex) !== 0) einval("egress_ifindex must be 0");
    const ingress = field(XDP_MD.ingress_ifindex);
    const queue = field(XDP_MD.rx_queue_index);
    if (!ingress && queue) einval("rx_queue_index without ingress_ifindex");
    if (ingress) {
      if (ingress !== 1) throw new EbpfError("ENODEV", `test run: no device with ifindex ${ingress} (only the loopback device, 1, exists here)`);
      if (queue >= 1) einval(`rx_queue_index ${queue}: the device has 1 rx queue`);
      rxq = { ifindex: ingress, queue };
    }
  }
  const space = engine.space;
  const run = buildXdp(space, data.subarray(0, size), headroom, metaLen, XDP_FRAME_SIZE, SKB_SHARED_INFO_SIZE, rxq);
  // A copy: bpf_xdp_store_bytes writes into the fragments, and data_out returns them.
  const frags = data.slice(size);
  try {
    const packet: PacketBuffer = run.packet;
    const context: NetRunContext = { ...baseContext(spec, o, run.ctx.start), progType: spec.name, ctx: run.ctx.start, packet };
    if (frags.length > 0) {
      context.fragsSize = frags.length;
      context.frags = frags;
    }
    const res = timedRuns(engine, image, o, run.ctx.start, context);
    const linear = packet.bytes(packet.dataMeta, packet.dataEnd);
    const dataOut = new Uint8Array(linear.length + frags.length);
    dataOut.set(linear);
    dataOut.set(frags, linear.length);
    const out: TestRunResult = { retval: res.retval, dataOut, durationNs: res.durationNs };
    if (context.redirect) out.redirect = context.redirect;
    if (ctx) {
      const c = ctx.slice();
      const w = new DataView(c.buffer);
      w.setUint32(XDP_MD.data, packet.data - packet.dataMeta, true);
      w.setUint32(XDP_MD.data_end, packet.dataEnd - packet.dataMeta, true);
      out.ctxOut = c;
    }
    return out;
  } finally {
    run.release();
  }
}

function testRunRawTp(engine: TestRunEngine, image: ProgramImage, spec: ProgramTypeSpec, o: TestRunOptions): TestRunResult {
  if (o.dataIn || o.ctxOut || o.repeat || o.batchSize) einval("raw_tracepoint test runs take no data_in, data_out, ctx_out, repeat or batch_size");
  const ctxIn = o.ctxIn ?? new Uint8Array(0);
  const need = o.maxCtxOffset ?? maxCtxOffset(image, spec);
  if (ctxIn.length < need || ctxIn.length > MAX_RAW_TP_ARGS * 8) einval(`ctx_in of ${ctxIn.length} bytes: the program reads ${need} and at most ${MAX_RAW_TP_ARGS * 8} are allowed`);
  const cpu = o.cpu ?? 0;
  const flags = o.flags ?? 0;
  if ((flags & BPF_F_TEST_RUN_ON_CPU) === 0 && cpu !== 0) einval("cpu needs BPF_F_TEST_RUN_ON_CPU");
  if (flags & BPF_F_TEST_RUN_ON_CPU && cpu >= (o.nrCpus ?? 1)) throw new EbpfError("ENXIO", `test run: cpu ${cpu} is not online`);
  return runOnBuffer(engine, image, spec, o, ctxIn, "context (raw_tp args)", false);
}

function testRunSyscall(engine: TestRunEngine, image: ProgramImage, spec: ProgramTypeSpec, o: TestRunOptions): TestRunResult {
  if (o.dataIn || o.ctxOut || o.repeat || o.flags || o.batchSize) einval("syscall test runs take no data_in, data_out, ctx_out, repeat, flags or batch_size");
  const ctxIn = o.ctxIn ?? new Uint8Array(0);
  const need = o.maxCtxOffset ?? maxCtxOffset(image, spec);
  if (ctxIn.length < need || ctxIn.length > SYSCALL_CTX_MAX) einval(`ctx_in of ${ctxIn.length} bytes: the program uses ${need} and at most ${SYSCALL_CTX_MAX} are allowed`);
  return runOnBuffer(engine, image, spec, o, ctxIn, "context (syscall ctx)", true);
}

function runOnBuffer(engine: TestRunEngine, image: ProgramImage, spec: ProgramTypeSpec, o: TestRunOptions, ctxIn: Uint8Array, name: string, copyBack: boolean): TestRunResult {
  const space = engine.space;
  const region = space.mapBytes(ctxIn, name, PERM_RW);
  try {
    const addr = ctxIn.length > 0 ? region.start : 0;
    const res = timedRuns(engine, image, { ...o, repeat: 1 }, addr, baseContext(spec, o, addr));
    const out: TestRunResult = { retval: res.retval, dataOut: new Uint8Array(0), durationNs: 0 };
    if (copyBack && ctxIn.length > 0) out.ctxOut = space.u8.slice(region.start, region.start + ctxIn.length);
    return out;
  } finally {
    space.unmap(region);
  }
}

/**
 * Runs a program once with a context the host supplies, for types the kernel cannot test-run
 * (kprobe pt_regs, tracepoint records, perf_event data): the bytes are mapped read-only in the
 * type's layout and r1 points at them. Returns r0 (64 bits).
 */
export function runWithContext(engine: TestRunEngine, image: ProgramImage, progType: string | number | ProgramTypeSpec, ctx: Uint8Array, options: Pick<TestRunOptions, "cpu" | "context" | "budget" | "tailCall"> = {}): bigint {
  const spec = typeof progType === "object" ? progType : programType(progType);
  const space = engine.space;
  const region = space.mapBytes(ctx, `context (${spec.context.struct})`, spec.name === "syscall" ? PERM_RW : 1);
  try {
    const opts: Parameters<TestRunEngine["run"]>[1] = { args: [region.start], context: baseContext(spec, options, region.start) };
    if (options.budget !== undefined) opts.budget = options.budget;
    if (options.tailCall) opts.tailCall = options.tailCall;
    return engine.run(image, opts).r0;
  } finally {
    space.unmap(region);
  }
}
