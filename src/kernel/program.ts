/**
 * Programs in the kernel: BPF_PROG_LOAD (with the verifier log brought back on rejection),
 * BPF_PROG_TEST_RUN, info, pinning and lookup by id.
 */
import type { Instruction } from "../isa/instruction.js";
import { encode } from "../isa/codec.js";
import { BPF_PROG_GET_FD_BY_ID, BPF_PROG_LOAD, BPF_PROG_TEST_RUN, attachTypeNumber, progTypeName, progTypeNumber } from "./constants.js";
import { PROG_LOAD_ATTR, PROG_TEST_RUN_ATTR, GET_ID_ATTR } from "./attr.js";
import { KernelError } from "./errors.js";
import { expectKind, KernelObject } from "./fd.js";
import { programInfo, type ProgramInfo } from "./info.js";
import { pinObject, getPinned } from "./pin.js";
import { shared } from "./syscall.js";

/** func_info / line_info records as BTF.ext lays them out (rec_size bytes each). */
export interface BtfExtRecords {
  recordSize: number;
  count: number;
  data: Uint8Array;
}

export interface ProgramLoadOptions {
  /** Program type: a number or a name ("xdp", "socket_filter", "BPF_PROG_TYPE_XDP" …). */
  type: string | number;
  /** Instructions, or already encoded bytecode. */
  instructions: readonly Instruction[] | Uint8Array;
  /** Default "GPL", so GPL-only helpers load. */
  license?: string;
  /** At most 15 characters are kept (BPF_OBJ_NAME_LEN); others are replaced by '_'. */
  name?: string;
  expectedAttachType?: string | number;
  kernVersion?: number;
  /** BPF_F_* program flags (STRICT_ALIGNMENT, ANY_ALIGNMENT, SLEEPABLE, XDP_HAS_FRAGS …). */
  flags?: number;
  /**
   * Verifier log level. 0 (the default) loads without a log and, when the load is rejected,
   * loads again with level 1 to bring the log back in the error. 1/2 (and | 4 for stats) keep
   * the log on success too, in `program.verifierLog`.
   */
  logLevel?: number;
  /** Log buffer size in bytes (default 1 MiB; grown once to what the kernel asks for). */
  logSize?: number;
  /** BTF object fd (or KernelBtf) for func_info/line_info. */
  btf?: number | { fd: number };
  funcInfo?: BtfExtRecords;
  lineInfo?: BtfExtRecords;
  attachBtfId?: number;
  attachProgFd?: number;
  attachBtfObjFd?: number;
  /** Map (or other object) fds that BPF_PSEUDO_MAP_IDX instructions index. */
  fdArray?: readonly number[];
  ifindex?: number;
}

export interface TestRunOptions {
  /** Packet data (or other data_in). */
  data?: Uint8Array;
  /** Bytes to reserve for data_out (default: data length + 4096 when data is given). 0 = do not ask. */
  dataOutSize?: number;
  /** Context in (e.g. struct xdp_md, struct __sk_buff). */
  ctx?: Uint8Array;
  /** Bytes to reserve for ctx_out (default: ctx length when ctx is given). */
  ctxOutSize?: number;
  repeat?: number;
  /** BPF_F_TEST_* flags. */
  flags?: number;
  /** CPU to run on (with BPF_F_TEST_RUN_ON_CPU). */
  cpu?: number;
  /** For BPF_F_TEST_XDP_LIVE_FRAMES. */
  batchSize?: number;
}

export interface TestRunResult {
  /** The program's return value, as the kernel reports it (32 bits, unsigned). */
  retval: number;
  /** data_out: the packet (or data) after the run, at its final size. */
  dataOut?: Uint8Array;
  ctxOut?: Uint8Array;
  /** Average run time per repetition, in ns, as the kernel measured it. */
  durationNs: number;
}

const DEFAULT_LOG_SIZE = 1 << 20;
const MAX_LOG_SIZE = (1 << 30) - 1; // the kernel's UINT_MAX >> 2 cap, rounded down

function sanitizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, "_").slice(0, 15);
}

export class KernelProgram extends KernelObject {
  /** The verifier log of a load asked to keep it (logLevel > 0). */
  readonly verifierLog: string | undefined;

  constructor(
    fd: number,
    readonly type: number,
    readonly name: string,
    verifierLog?: string,
  ) {
    super(fd);
    this.verifierLog = verifierLog;
  }

  get description(): string {
    return `program ${this.name || "(unnamed)"}`;
  }

  /** BPF_PROG_LOAD. Throws KernelError with the verifier log when the kernel rejects the program. */
  static load(options: ProgramLoadOptions): KernelProgram {
    const type = progTypeNumber(options.type);
    const name = sanitizeName(options.name ?? "");
    const code = options.instructions instanceof Uint8Array ? options.instructions : encode(options.instructions);
    const what = `loading ${progTypeName(type)} program${name ? ` ${name}` : ""}`;
    const level = options.logLevel ?? 0;
    const first = loadAttempt(options, type, name, code, level, level > 0 ? (options.logSize ?? DEFAULT_LOG_SIZE) : 0);
    if (first.fd >= 0) return new KernelProgram(first.fd, type, name, level > 0 ? first.log : undefined);
    let failure = first;
    // Rejected without a log: load again with one so the error says why.
    if (level === 0 && failure.errno !== 28) {
      failure = loadAttempt(options, type, name, code, 1, options.logSize ?? DEFAULT_LOG_SIZE);
      if (failure.fd >= 0) return new KernelProgram(failure.fd, type, name);
    }
    // The log did not fit: the kernel says how much it needs (log_true_size); try once with that.
    if (failure.errno === 28 && failure.trueSize > failure.logSize && failure.trueSize <= MAX_LOG_SIZE) {
      const retry = loadAttempt(options, type, name, code, level || 1, failure.trueSize);
      if (retry.fd >= 0) return new KernelProgram(retry.fd, type, name, level > 0 ? retry.log : undefined);
      failure = retry;
    }
    throw new KernelError({ command: "BPF_PROG_LOAD", errno: failure.errno, log: failure.log, context: what });
  }

  /** Opens the program pinned at `path` on bpffs. */
  static fromPin(path: string): KernelProgram {
    const fd = getPinned(path);
    expectKind(fd, "prog", path);
    return KernelProgram.fromFd(fd);
  }

  /** Opens a loaded program by its id (BPF_PROG_GET_FD_BY_ID). */
  static fromId(id: number): KernelProgram {
    const attr = shared.begin(GET_ID_ATTR);
    attr.set("prog_id", id);
    const fd = shared.call(BPF_PROG_GET_FD_BY_ID, GET_ID_ATTR.endOf("open_flags"), `opening program id ${id}`);
    return KernelProgram.fromFd(fd);
  }

  /** Takes ownership of a program fd (closing it if it is not a program). */
  static fromFd(fd: number): KernelProgram {
    const probe = new KernelProgram(fd, 0, "");
    try {
      const info = programInfo(fd);
      return new KernelProgram(fd, info.type, info.name);
    } catch (e) {
      probe.close();
      throw e;
    }
  }

  info(options: { xlated?: boolean } = {}): ProgramInfo {
    return programInfo(this.fd, options);
  }

  pin(path: string): void {
    pinObject(this.fd, path);
  }

  /** BPF_PROG_TEST_RUN. */
  testRun(options: TestRunOptions = {}): TestRunResult {
    const data = options.data;
    const ctx = options.ctx;
    const dataOutSize = options.dataOutSize ?? (data ? data.length + 4096 : 0);
    const ctxOutSize = options.ctxOutSize ?? (ctx ? ctx.length : 0);
    const attr = shared.begin(
      PROG_TEST_RUN_ATTR,
      (data?.length ?? 0) + dataOutSize + (ctx?.length ?? 0) + ctxOutSize + 64,
    );
    attr.set("prog_fd", this.fd);
    if (data) {
      const at = shared.reserve(data.length, data);
      attr.set("data_in", shared.address(at)).set("data_size_in", data.length);
    }
    let dataOutAt = -1;
    if (dataOutSize > 0) {
      dataOutAt = shared.reserve(dataOutSize);
      attr.set("data_out", shared.address(dataOutAt)).set("data_size_out", dataOutSize);
    }
    if (ctx) {
      const at = shared.reserve(ctx.length, ctx);
      attr.set("ctx_in", shared.address(at)).set("ctx_size_in", ctx.length);
    }
    let ctxOutAt = -1;
    if (ctxOutSize > 0) {
      ctxOutAt = shared.reserve(ctxOutSize);
      attr.set("ctx_out", shared.address(ctxOutAt)).set("ctx_size_out", ctxOutSize);
    }
    attr.set("repeat", options.repeat ?? 1).set("flags", options.flags ?? 0).set("cpu", options.cpu ?? 0).set("batch_size", options.batchSize ?? 0);
    shared.call(BPF_PROG_TEST_RUN, PROG_TEST_RUN_ATTR.endOf("batch_size"), `test run of ${this.description}`);
    const result: TestRunResult = { retval: attr.get("retval"), durationNs: attr.get("duration") };
    if (dataOutAt >= 0) result.dataOut = shared.bytes(dataOutAt, Math.min(dataOutSize, attr.get("data_size_out")));
    if (ctxOutAt >= 0) result.ctxOut = shared.bytes(ctxOutAt, Math.min(ctxOutSize, attr.get("ctx_size_out")));
    return result;
  }
}

interface Attempt {
  fd: number;
  errno: number;
  log: string | undefined;
  logSize: number;
  trueSize: number;
}

function loadAttempt(o: ProgramLoadOptions, type: number, name: string, code: Uint8Array, logLevel: number, logSize: number): Attempt {
  const license = new TextEncoder().encode(`${o.license ?? "GPL"}\0`);
  const fdArray = o.fdArray ?? [];
  const extra = code.length + license.length + logSize + (o.funcInfo?.data.length ?? 0) + (o.lineInfo?.data.length ?? 0) + fdArray.length * 4 + 64;
  const attr = shared.begin(PROG_LOAD_ATTR, extra);
  const insnsAt = shared.reserve(code.length, code);
  const licenseAt = shared.reserve(license.length, license);
  attr
    .set("prog_type", type)
    .set("insn_cnt", code.length / 8)
    .set("insns", shared.address(insnsAt))
    .set("license", shared.address(licenseAt))
    .set("kern_version", o.kernVersion)
    .set("prog_flags", o.flags)
    .set("prog_ifindex", o.ifindex)
    .set("expected_attach_type", o.expectedAttachType === undefined ? undefined : attachTypeNumber(o.expectedAttachType))
    .set("attach_btf_id", o.attachBtfId)
    .set("attach_prog_fd", o.attachProgFd ?? o.attachBtfObjFd);
  attr.setBytes("prog_name", name);
  let logAt = -1;
  if (logLevel > 0 && logSize > 0) {
    logAt = shared.reserve(logSize);
    attr.set("log_level", logLevel).set("log_size", logSize).set("log_buf", shared.address(logAt));
  }
  if (o.btf !== undefined) attr.set("prog_btf_fd", typeof o.btf === "number" ? o.btf : o.btf.fd);
  for (const [key, rec] of [
    ["func_info", o.funcInfo],
    ["line_info", o.lineInfo],
  ] as const) {
    if (!rec || rec.count === 0) continue;
    const at = shared.reserve(rec.data.length, rec.data);
    attr.set(key, shared.address(at)).set(`${key}_rec_size`, rec.recordSize).set(`${key}_cnt`, rec.count);
  }
  if (fdArray.length > 0) {
    const bytes = new Uint8Array(fdArray.length * 4);
    const dv = new DataView(bytes.buffer);
    fdArray.forEach((fd, i) => dv.setInt32(i * 4, fd, true));
    attr.set("fd_array", shared.address(shared.reserve(bytes.length, bytes)));
  }
  const r = shared.callRaw(BPF_PROG_LOAD, PROG_LOAD_ATTR.endOf("log_true_size"));
  let log: string | undefined;
  if (logAt >= 0) {
    const bytes = shared.data.bytes.subarray(logAt, logAt + logSize);
    const end = bytes.indexOf(0);
    log = new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
  }
  return { fd: r >= 0 ? r : -1, errno: r < 0 ? -r : 0, log, logSize, trueSize: attr.get("log_true_size") };
}

export interface LoadProbe {
  /** The kernel accepted the program (its fd is already closed). */
  loaded: boolean;
  errno: number;
  log: string;
}

/**
 * One load attempt with a log buffer, for feature probes: never throws for a rejection and
 * closes the program at once.
 */
export function probeLoad(options: ProgramLoadOptions, logSize = 4096): LoadProbe {
  const type = progTypeNumber(options.type);
  const code = options.instructions instanceof Uint8Array ? options.instructions : encode(options.instructions);
  const a = loadAttempt(options, type, sanitizeName(options.name ?? ""), code, options.logLevel ?? 1, logSize);
  if (a.fd >= 0) new KernelProgram(a.fd, type, "").close();
  return { loaded: a.fd >= 0, errno: a.errno, log: a.log ?? "" };
}
