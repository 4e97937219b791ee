/**
 * The same objects, loaded into the real kernel through `src/kernel` (bpf(2)) — the oracle the
 * userspace runtime is compared with. Maps are created (initial contents, frozen .rodata,
 * .kconfig, inner maps, prog_array slots by program name), CO-RE is applied against the host's
 * BTF, map references become the kernel's fds, the object's BTF goes along with func_info and
 * line_info (callbacks such as bpf_loop's need it), and test runs run on CPU 0 so per-CPU values
 * land where the userspace runtime (which runs on CPU 0 by default) puts them. Node-only.
 */
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { relocateObjectCore } from "../btf/core-apply.js";
import type { Btf } from "../btf/types.js";
import { PIN_BY_NAME, type MapSpec as ObjectMapSpec, type ObjectSpec, type ProgramSpec } from "../elf/spec.js";
import { EbpfError } from "../errors.js";
import { KernelBtf } from "../kernel/btf.js";
import { KernelMap, possibleCpus } from "../kernel/map.js";
import { KernelProgram, type BtfExtRecords } from "../kernel/program.js";
import type { TestRunResult } from "../progtypes/test-run.js";
import { resolveTracingTarget } from "../verifier/btf-access.js";
import { encodeBtfForKernel } from "./btf-encode.js";
import { dumpEntries, type DumpEntry } from "./dump.js";
import { hostKconfig } from "./node.js";
import { PinMismatchError } from "./pin-store.js";
import { bindMapReferences, kconfigContents, kernelMapName } from "./runtime.js";

export interface KernelLoadOptions {
  /** Load only these programs (default: every program with autoload). */
  programs?: readonly string[];
  /**
   * Target BTF for CO-RE and for tracing programs' attach targets (default: none; the CLI passes
   * the host's vmlinux).
   */
  targetBtf?: () => Btf | undefined;
  /** kconfig extern values (default: what libbpf gives without /proc/config.gz, from the host). */
  kconfig?: Record<string, number | bigint | boolean | string>;
  /** A bpffs directory for LIBBPF_PIN_BY_NAME maps (reused when compatible, as libbpf does). */
  pinDir?: string;
}

export interface KernelTestRunOptions {
  dataIn?: Uint8Array;
  ctxIn?: Uint8Array;
  repeat?: number;
  /** CPU the test run executes on (the process is pinned to it for the call). Default 0. */
  cpu?: number;
  flags?: number;
}

const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
};

function records(rows: readonly number[][], size: number): BtfExtRecords | undefined {
  if (rows.length === 0) return undefined;
  const data = new Uint8Array(rows.length * size);
  const v = new DataView(data.buffer);
  rows.forEach((r, i) => r.forEach((w, j) => v.setUint32(i * size + j * 4, w >>> 0, true)));
  return { recordSize: size, count: rows.length, data };
}

/** Maps and programs of one object in the kernel, by the names they have in the object. */
export class KernelCollection {
  readonly maps = new Map<string, KernelMap>();
  readonly programs = new Map<string, KernelProgram>();
  private btf: KernelBtf | undefined;

  private constructor(readonly spec: ObjectSpec) {}

  static load(spec: ObjectSpec, options: KernelLoadOptions = {}): KernelCollection {
    const c = new KernelCollection(spec);
    try {
      c.loadAll(options);
      return c;
    } catch (e) {
      c.close();
      throw e;
    }
  }

  private loadAll(o: KernelLoadOptions): void {
    const spec = this.spec;
    const wanted = o.programs ? new Set(o.programs) : undefined;
    if (wanted) {
      for (const n of wanted) {
        if (!spec.programs.some((p) => p.name === n)) {
          throw new EbpfError("ENOENT", `no program named '${n}' in the object (programs: ${spec.programs.map((p) => p.name).join(", ") || "none"})`);
        }
      }
    }
    let progs = spec.programs.filter((p) => (wanted ? wanted.has(p.name) : p.autoload));
    if (progs.some((p) => p.coreRelos && p.coreRelos.length > 0)) {
      const target = o.targetBtf?.();
      if (!target) throw new EbpfError("ENOENT", "the object has CO-RE relocations but no target BTF is available");
      progs = relocateObjectCore({ ...spec, programs: progs }, target).programs;
    }
    const reused = new Set<string>();
    for (const ms of spec.maps) {
      const m = this.createMap(ms, o, reused);
      this.maps.set(ms.name, m);
    }
    for (const ms of spec.maps) {
      if (reused.has(ms.name) || (ms.type !== 12 && ms.type !== 13)) continue;
      for (const c of ms.contents ?? []) {
        if (typeof c.value !== "string") continue;
        const inner = this.maps.get(c.value);
        if (!inner) throw new EbpfError("ENOENT", `map ${ms.name}: initial value ${c.key} names map '${c.value}', which the object does not define`);
        this.maps.get(ms.name)!.update(u32(c.key), u32(inner.fd));
      }
    }
    if (spec.btf) {
      try {
        this.btf = KernelBtf.load(encodeBtfForKernel(spec.btf));
      } catch {
        this.btf = undefined; // programs without callbacks load without BTF
      }
    }
    for (const ps of progs) this.programs.set(ps.name, this.loadProgram(ps, o));
    for (const ms of spec.maps) {
      if (reused.has(ms.name) || ms.type !== 3) continue;
      for (const c of ms.contents ?? []) {
        if (typeof c.value !== "string") continue;
        const p = this.programs.get(c.value);
        if (p) this.maps.get(ms.name)!.update(u32(c.key), u32(p.fd));
      }
    }
  }

  private createMap(ms: ObjectMapSpec, o: KernelLoadOptions, reused: Set<string>): KernelMap {
    const pinPath = o.pinDir && ms.pinning === PIN_BY_NAME ? join(o.pinDir, ms.name) : undefined;
    if (pinPath && existsSync(pinPath)) {
      const m = KernelMap.fromPin(pinPath);
      const info = m.info();
      const diffs: string[] = [];
      const cmp = (what: string, a: number, b: number) => {
        if (a !== b) diffs.push(`${what} ${a} pinned, ${b} in the object`);
      };
      cmp("type", info.type, ms.type);
      cmp("key_size", info.keySize, ms.keySize);
      cmp("value_size", info.valueSize, ms.valueSize);
      cmp("max_entries", info.maxEntries, ms.maxEntries);
      cmp("map_flags", info.flags, ms.flags);
      if (diffs.length) {
        m.close();
        throw new PinMismatchError(pinPath, diffs);
      }
      reused.add(ms.name);
      return m;
    }
    let inner: KernelMap | undefined;
    if (ms.innerMap) {
      const i = ms.innerMap;
      inner = KernelMap.create({ type: i.type, keySize: i.keySize, valueSize: i.valueSize, maxEntries: i.maxEntries, flags: i.flags, name: kernelMapName(i.name) });
    }
    let m: KernelMap;
    try {
      const create: Parameters<typeof KernelMap.create>[0] = {
        type: ms.type,
        keySize: ms.keySize,
        valueSize: ms.valueSize,
        // libbpf sizes a perf_event_array without max_entries to the possible CPUs
        maxEntries: ms.type === 4 && ms.maxEntries === 0 ? possibleCpus() : ms.maxEntries,
        flags: ms.flags,
        name: kernelMapName(ms.name),
      };
      if (inner) create.innerMap = inner;
      if (ms.mapExtra !== undefined) create.mapExtra = ms.mapExtra;
      if (ms.numaNode !== undefined) create.numaNode = ms.numaNode;
      m = KernelMap.create(create);
    } finally {
      inner?.close();
    }
    try {
      if (ms.name === ".kconfig" && ms.sectionName === ".kconfig") m.update(u32(0), kconfigContents(this.spec, ms, o.kconfig ?? hostKconfig()));
      for (const c of ms.contents ?? []) {
        if (typeof c.value === "string") continue;
        const v = new Uint8Array(m.valueBytes);
        v.set(c.value.subarray(0, v.length));
        m.update(u32(c.key), v);
      }
      if (ms.frozen) m.freeze();
      if (pinPath) m.pin(pinPath);
    } catch (e) {
      m.close();
      throw e;
    }
    return m;
  }

  private loadProgram(ps: ProgramSpec, o: KernelLoadOptions): KernelProgram {
    const insns = bindMapReferences(ps, (name) => this.maps.get(name)?.fd);
    const load: Parameters<typeof KernelProgram.load>[0] = {
      type: ps.type,
      instructions: insns,
      license: ps.license || this.spec.license || "GPL",
      name: ps.name,
      flags: ps.flags,
      kernVersion: ps.kernVersion,
    };
    if (ps.attachType !== undefined) load.expectedAttachType = ps.attachType;
    if (ps.type === "tracing") load.attachBtfId = tracingAttachBtfId(ps, o.targetBtf?.());
    if (this.btf) {
      load.btf = this.btf;
      const fi = records((ps.funcInfo ?? []).map((f) => [f.insnOff, f.typeId]), 8);
      const li = records((ps.lineInfo ?? []).map((l) => [l.insnOff, l.fileNameOff, l.lineOff, l.lineCol]), 16);
      if (fi) load.funcInfo = fi;
      if (li) load.lineInfo = li;
    }
    return KernelProgram.load(load);
  }

  program(name: string): KernelProgram {
    const p = this.programs.get(name);
    if (!p) throw new EbpfError("ENOENT", `no program named '${name}' in the object (programs: ${[...this.programs.keys()].join(", ") || "none"})`);
    return p;
  }

  /** BPF_PROG_TEST_RUN of one program, pinned to `cpu` (default 0) for the call. */
  testRun(name: string, o: KernelTestRunOptions = {}): TestRunResult {
    const p = this.program(name);
    return onCpu(o.cpu ?? 0, () => {
      const r = p.testRun({ ...(o.dataIn ? { data: o.dataIn } : {}), ...(o.ctxIn ? { ctx: o.ctxIn } : {}), repeat: o.repeat ?? 1, flags: o.flags ?? 0 });
      const out: TestRunResult = { retval: r.retval, dataOut: r.dataOut ?? new Uint8Array(0), durationNs: r.durationNs };
      if (r.ctxOut) out.ctxOut = r.ctxOut;
      return out;
    });
  }

  /** Every map's elements, in the shape `ebpf run --json` prints. */
  dumpMaps(): Record<string, DumpEntry[]> {
    const out: Record<string, DumpEntry[]> = {};
    for (const [name, m] of this.maps) {
      const cpus = m.valueBytes / Math.max(1, Math.ceil(m.valueSize / 8) * 8);
      out[name] = dumpEntries({ type: m.type, keySize: m.keySize, valueSize: m.valueSize, cpus: Math.round(cpus) || 1, entries: () => m.entries() });
    }
    return out;
  }

  close(): void {
    for (const p of this.programs.values()) p.close();
    for (const m of this.maps.values()) m.close();
    this.btf?.close();
    this.programs.clear();
    this.maps.clear();
    this.btf = undefined;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * The attach_btf_id libbpf passes for a tracing program: the vmlinux FUNC named by the section
 * (fentry/fexit/fmod_ret) or the `btf_trace_<name>` typedef (tp_btf).
 */
export function tracingAttachBtfId(ps: ProgramSpec, vmlinux: Btf | undefined): number {
  const attachType = ps.attachType ?? "trace_fentry";
  if (!ps.attachTo) throw new EbpfError("EINVAL", `program ${ps.name} (section ${ps.sectionName}): a ${attachType} program needs an attach target in its section name (e.g. fentry/tcp_connect)`);
  if (!vmlinux) throw new EbpfError("ENOENT", `program ${ps.name} (section ${ps.sectionName}): tracing programs need the kernel's BTF (/sys/kernel/btf/vmlinux) to find their attach target`);
  const t = resolveTracingTarget(vmlinux, attachType, ps.attachTo);
  if ("error" in t) throw new EbpfError(t.code, `program ${ps.name} (section ${ps.sectionName}): ${t.error}`);
  return t.btfId;
}

// ---- CPU affinity ------------------------------------------------------------------------------

interface Affinity {
  get(): Uint8Array | undefined;
  set(mask: Uint8Array): boolean;
}

let affinity: Affinity | null | undefined;

/**
 * sched_getaffinity/sched_setaffinity of the calling thread through koffi (the kernel backend's
 * optional dependency). Only test runs need it: BPF_PROG_TEST_RUN runs skb and xdp programs on the
 * CPU the caller is on, so pinning the caller is the one way to choose it.
 */
function loadAffinity(): Affinity | null {
  if (affinity !== undefined) return affinity;
  try {
    const mod = createRequire(import.meta.url)("koffi") as { default?: unknown };
    const koffi = (mod.default ?? mod) as { load(p: string): { func(sig: string): (...a: unknown[]) => number } };
    const libc = koffi.load("libc.so.6");
    const getf = libc.func("int sched_getaffinity(int pid, size_t len, _Out_ uint8_t *mask)");
    const setf = libc.func("int sched_setaffinity(int pid, size_t len, const uint8_t *mask)");
    affinity = {
      get: () => {
        const mask = new Uint8Array(128);
        return getf(0, mask.length, mask) === 0 ? mask : undefined;
      },
      set: (mask) => setf(0, mask.length, mask) === 0,
    };
  } catch {
    affinity = null;
  }
  return affinity;
}

/** Runs `fn` with the calling thread pinned to `cpu`, then restores the previous mask. */
export function onCpu<T>(cpu: number, fn: () => T): T {
  const a = loadAffinity();
  const old = a?.get();
  let pinned = false;
  if (a && old) {
    const mask = new Uint8Array(128);
    mask[cpu >> 3] = 1 << (cpu & 7);
    pinned = a.set(mask);
    if (!pinned) throw new EbpfError("EINVAL", `cannot run on CPU ${cpu}: sched_setaffinity refused it (is the CPU online and allowed?)`);
  }
  try {
    return fn();
  } finally {
    if (pinned && old) a!.set(old);
  }
}
