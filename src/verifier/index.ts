/**
 * The verifier's API: `verify(program, options)` answers as the kernel's verifier would (accept or
 * reject, with its log and its message for the fault) and adds the source line of the failing
 * instruction and a plain hint. Browser-safe: no Node imports.
 */
import { EbpfError } from "../errors.js";
import { HELPER_NAMES, helperName } from "../helpers/ids.js";
import type { HelperDef, HelperRegistry } from "../helpers/registry.js";
import type { MapSpec } from "../elf/spec.js";
import type { Instruction, SourceLocation } from "../isa/instruction.js";
import * as O from "../isa/opcodes.js";
import { helpersFor } from "../progtypes/define.js";
import { programType } from "../progtypes/index.js";
import type { ProgramTypeSpec } from "../progtypes/types.js";
import type { Btf } from "../btf/types.js";
import { btfTypeName, resolveTracingTarget, tracingTargetById, type TracingTarget } from "./btf-access.js";
import { analyzeProgram } from "./cfg.js";
import { Env, VerifyError, type HelperInfo } from "./env.js";
import { hintFor } from "./hints.js";
import { liveRegsListing, setBtfTypeNamer } from "./log.js";
import { Checker } from "./main.js";
import { ARG_DONTCARE, BUILTIN_PROTOS, parseProto } from "./protos.js";
import type { MapDesc } from "./types.js";

export { hintFor } from "./hints.js";
export type { MapDesc } from "./types.js";

/** A map as the loader resolved it (MapSpec-compatible). */
export interface VerifierMap {
  name?: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  /** Read-only to programs (.rodata, frozen): loads may be folded to constants. */
  frozen?: boolean;
  /** Initial contents of a data map value (used for frozen maps). */
  data?: Uint8Array;
  /** Offset of a struct bpf_spin_lock in the value, when the value has one. */
  spinLockOff?: number;
  innerMap?: VerifierMap;
}

export interface VerifyProgram {
  insns: readonly Instruction[];
  /** Program type: libbpf name ("xdp"), BPF_PROG_TYPE_* name, kernel number, or a spec. */
  progType: string | number | ProgramTypeSpec;
  /**
   * Maps that lddw src=1/2 instructions refer to: by `meta.reference` (the map's name) when the
   * instruction has one, otherwise `imm` is an index into this list (as BPF_PSEUDO_MAP_IDX).
   */
  maps?: readonly VerifierMap[];
  /** Helper definitions whose prototypes override the built-in table. */
  helpers?: HelperRegistry | readonly HelperDef[];
  attachType?: string;
  /**
   * Tracing programs (fentry/fexit/fmod_ret/tp_btf): the attach target as the section names it
   * ("tcp_connect", "sched_switch"), resolved in `kernelBtf` as libbpf does …
   */
  attachTo?: string;
  /** … or directly the attach_btf_id in `kernelBtf` (the FUNC, or the btf_trace_* typedef). */
  attachBtfId?: number;
  /**
   * The kernel's BTF (vmlinux): the types a tracing program's context and PTR_TO_BTF_ID registers
   * are walked over. The Node edge passes /sys/kernel/btf/vmlinux; the verifier never reads files.
   */
  kernelBtf?: Btf;
  /** Loaded with BPF_F_SLEEPABLE (sections fentry.s/, tp_btf.s/ …). */
  sleepable?: boolean;
  /** The program has BTF func_info (required by the kernel for callbacks). Default: false. */
  hasFuncInfo?: boolean;
  license?: string;
}

export interface VerifyOptions {
  /** 0: no log; 1: the failing path; 2: every instruction of every path. */
  logLevel?: 0 | 1 | 2;
  /** Rules for programs loaded without CAP_BPF/CAP_PERFMON. */
  unprivileged?: boolean;
  /** Possible CPUs (bounds bpf_get_smp_processor_id). Default 64. */
  nrCpus?: number;
  /** Processed-instruction limit; default 1,000,000 as in the kernel. */
  insnLimit?: number;
}

export interface VerifierStats {
  processedInsns: number;
  maxStatesPerInsn: number;
  totalStates: number;
  peakStates: number;
  /** Stack bytes used per function. */
  stackDepth: number[];
  /** Highest context offset accessed (the kernel's max_ctx_offset). */
  maxCtxOffset: number;
}

export interface VerifierErrorInfo {
  /** Slot index of the failing instruction. */
  pc: number;
  /** The kernel's message: the last line of the log. */
  message: string;
  /** All lines of the error (some faults take two, e.g. the access and the range). */
  lines: string[];
  /** errno name the kernel returns for it. */
  errno: string;
  /** One sentence that says what to change. */
  hint: string;
  source?: SourceLocation;
}

export interface VerifyResult {
  ok: boolean;
  /** The log in the kernel's format (empty at level 0). */
  log: string;
  error?: VerifierErrorInfo;
  stats: VerifierStats;
}

export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
export const BPF_MAXINSNS = 4096;

function toMapDesc(m: VerifierMap, uid: number): MapDesc {
  return {
    name: (m.name ?? "").slice(0, 15),
    type: m.type,
    keySize: m.keySize,
    valueSize: m.valueSize,
    maxEntries: m.maxEntries,
    flags: m.flags ?? 0,
    uid,
    readOnly: m.frozen === true,
    frozenValue: m.frozen ? m.data : undefined,
    spinLockOff: m.spinLockOff,
    inner: m.innerMap ? toMapDesc(m.innerMap, -1) : undefined,
  };
}

function helperTable(helpers: VerifyProgram["helpers"]): Map<number, HelperInfo> {
  const defs = new Map<number, HelperDef>();
  if (helpers) {
    const list = Array.isArray(helpers) ? (helpers as readonly HelperDef[]) : (helpers as HelperRegistry).list();
    for (const d of list) defs.set(d.id, d);
  }
  const out = new Map<number, HelperInfo>();
  for (let id = 1; id < HELPER_NAMES.length; id++) {
    const def = defs.get(id);
    const fromRegistry = def?.proto ? parseProto(def.proto) : undefined;
    const builtin = BUILTIN_PROTOS[id];
    out.set(id, { id, name: HELPER_NAMES[id]!, proto: fromRegistry ?? (builtin ? parseProto(builtin) : undefined) });
  }
  return out;
}

function resolveProgType(t: VerifyProgram["progType"]): ProgramTypeSpec {
  if (typeof t === "object") return t;
  return programType(t);
}

const MAP_TYPE_ARRAY = 2;
const BPF_MAX_VAR_OFF = 1 << 29;

/** Verifies a program as the kernel's verifier would. */
export function verify(program: VerifyProgram, options: VerifyOptions = {}): VerifyResult {
  const insns = program.insns;
  const spec = resolveProgType(program.progType);
  const unprivileged = options.unprivileged === true;
  const logLevel = options.logLevel ?? 0;
  if (logLevel !== 0 && logLevel !== 1 && logLevel !== 2) throw new EbpfError("EINVAL", `log level must be 0, 1 or 2 (got ${String(logLevel)})`);
  const maps = (program.maps ?? []).map(toMapDesc);
  const emptyStats: VerifierStats = { processedInsns: 0, maxStatesPerInsn: 0, totalStates: 0, peakStates: 0, stackDepth: [], maxCtxOffset: 0 };

  let slotCount = 0;
  for (const i of insns) slotCount += i.op === O.OP_LDDW ? 2 : 1;
  const limit = unprivileged ? BPF_MAXINSNS : BPF_COMPLEXITY_LIMIT_INSNS;
  if (slotCount === 0 || slotCount > limit) {
    const message = slotCount === 0 ? "program has no instructions" : `program has ${slotCount} instructions, more than the ${limit} allowed`;
    return { ok: false, log: "", error: { pc: 0, message, lines: [message], errno: "E2BIG", hint: "The kernel refuses such programs before verifying them (E2BIG, no log)." }, stats: emptyStats };
  }

  let tracing: TracingTarget | undefined;
  if (spec.name === "tracing") {
    const fail = (message: string, errno: string, hint: string): VerifyResult => ({
      ok: false,
      log: logLevel ? `${message}\n` : "",
      error: { pc: 0, message, lines: [message], errno, hint },
      stats: emptyStats,
    });
    const attachType = program.attachType ?? "trace_fentry";
    if (program.attachBtfId === undefined && program.attachTo === undefined) {
      return fail("Tracing programs must provide btf_id", "EINVAL", "Name the attach target in the section (fentry/<function>, tp_btf/<tracepoint>).");
    }
    if (!program.kernelBtf) {
      return fail("tracing programs need the kernel's BTF to be verified (pass kernelBtf)", "EINVAL", "Verify on a host with /sys/kernel/btf/vmlinux, or pass that BTF in.");
    }
    const t =
      program.attachBtfId !== undefined
        ? tracingTargetById(program.kernelBtf, attachType, program.attachBtfId)
        : resolveTracingTarget(program.kernelBtf, attachType, program.attachTo!);
    if ("error" in t) return fail(t.error, t.code, "The attach target must exist in this kernel's BTF with the right kind.");
    tracing = t;
  }

  const helpers = helperTable(program.helpers);
  // get_call_summary: only a helper the program type may call contributes its argument count
  const allowedHelpers = helpersFor(spec, program.attachType);
  const helperParams = (id: number): number | undefined => {
    const proto = helpers.get(id)?.proto;
    const name = helperName(id);
    if (!proto || name === undefined || !allowedHelpers.has(name)) return undefined;
    let n = 0;
    while (n < proto.args.length && proto.args[n] !== ARG_DONTCARE) n++;
    return n;
  };
  const info = analyzeProgram(insns, { privileged: !unprivileged, helperParams });
  const summary = (e: Env | null): string =>
    `processed ${e?.insnProcessed ?? 0} insns (limit ${BPF_COMPLEXITY_LIMIT_INSNS}) max_states_per_insn ${e?.maxStatesPerInsn ?? 0} total_states ${e?.totalStates ?? 0} peak_states ${e?.peakStates ?? 0} mark_read 0\n`;
  if ("message" in info) {
    const funcs = logLevel >= 2 && info.subprogStarts ? info.subprogStarts.slice(0, -1).map((at, i) => `func#${i} @${at}\n`).join("") : "";
    const log = logLevel ? `${funcs}${info.message}\n${summary(null)}` : "";
    const source = sourceOf(insns, info.pc);
    return { ok: false, log, error: { pc: info.pc, message: info.message, lines: [info.message], errno: "EINVAL", hint: hintFor(info.message), source }, stats: emptyStats };
  }

  const byName = new Map<string, MapDesc>();
  maps.forEach((m, i) => {
    const spec = program.maps![i]!;
    if (spec.name) byName.set(spec.name, m);
  });
  const mapOf = (_pc: number, insn: Instruction): MapDesc | string => {
    const ref = insn.meta?.reference;
    let m: MapDesc | undefined = ref !== undefined ? byName.get(ref) : undefined;
    if (!m) m = maps[insn.imm];
    if (!m) return `fd ${insn.imm} is not pointing to valid bpf_map`;
    if (insn.src === O.BPF_PSEUDO_MAP_VALUE || insn.src === O.BPF_PSEUDO_MAP_IDX_VALUE) {
      const off = (insn.imm2 ?? 0) >>> 0;
      if (off >= BPF_MAX_VAR_OFF) return `direct value offset of ${off} is not allowed`;
      if (m.type !== MAP_TYPE_ARRAY) return "no direct value access support for this map type";
      if (m.maxEntries !== 1 || off >= m.valueSize) return `invalid access to map value pointer, value_size=${m.valueSize} off=${off}`;
    }
    return m;
  };

  const env = new Env(
    info,
    {
      logLevel,
      unprivileged,
      nrCpus: options.nrCpus ?? 64,
      insnLimit: options.insnLimit ?? BPF_COMPLEXITY_LIMIT_INSNS,
      attachType: program.attachType,
      hasFuncInfo: program.hasFuncInfo === true,
      gplCompatible: true,
      ...(tracing ? { tracing } : {}),
      sleepable: program.sleepable === true,
    },
    spec,
    maps,
    helpers,
    mapOf,
  );
  if (logLevel >= 2) {
    env.verbose("func#0 @0\n");
    for (let s = 1; s < info.subprogStarts.length - 1; s++) env.verbose(`func#${s} @${info.subprogStarts[s]}\n`);
    env.verbose(liveRegsListing(info, (pc, insn) => env.mapLabel(pc, insn)));
  }
  let error: VerifierErrorInfo | undefined;
  const btf = tracing?.btf;
  setBtfTypeNamer(btf ? (id) => btfTypeName(btf, id) : undefined);
  try {
    new Checker(env).run();
    if (logLevel < 2) env.log.reset(0);
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    const lines = env.errLines.length ? env.errLines : [e.message];
    const message = lines[lines.length - 1]!;
    error = { pc: env.insnIdx, message, lines, errno: e.errno, hint: hintFor(lines[0]!), source: sourceOf(insns, env.insnIdx) };
  } finally {
    setBtfTypeNamer(undefined);
  }
  env.verbose(summary(env));
  return {
    ok: !error,
    log: env.log.text(),
    error,
    stats: {
      processedInsns: env.insnProcessed,
      maxStatesPerInsn: env.maxStatesPerInsn,
      totalStates: env.totalStates,
      peakStates: env.peakStates,
      stackDepth: [...env.stackDepth],
      maxCtxOffset: env.maxCtxOffset,
    },
  };
}

/** The source location of the instruction at slot pc (from BTF line_info or the assembly). */
function sourceOf(insns: readonly Instruction[], pc: number): SourceLocation | undefined {
  let slot = 0;
  let last: SourceLocation | undefined;
  for (const insn of insns) {
    if (insn.meta?.source) last = insn.meta.source;
    if (slot >= pc) return insn.meta?.source ?? last;
    slot += insn.op === O.OP_LDDW ? 2 : 1;
  }
  return last;
}

/** The error as text a person reads: kernel message, source line, hint. */
const BPF_F_RDONLY_PROG = 1 << 7;

/** The verifier's view of a map the object loader described (`.rodata` and RDONLY_PROG maps are read-only). */
export function verifierMapFromSpec(m: MapSpec): VerifierMap {
  const data = m.contents?.find((c) => c.key === 0)?.value;
  return {
    name: m.name,
    type: m.type,
    keySize: m.keySize,
    valueSize: m.valueSize,
    maxEntries: m.maxEntries,
    flags: m.flags,
    frozen: m.frozen === true || (m.flags & BPF_F_RDONLY_PROG) !== 0,
    data: data instanceof Uint8Array ? data : undefined,
    innerMap: m.innerMap ? verifierMapFromSpec(m.innerMap) : undefined,
  };
}

export function describeError(e: VerifierErrorInfo): string {
  const where = e.source ? `${e.source.file ?? "<source>"}:${e.source.line}${e.source.text ? `: ${e.source.text.trim()}` : ""}` : `insn ${e.pc}`;
  return `${e.message}\n  at ${where}\n  hint: ${e.hint}`;
}
