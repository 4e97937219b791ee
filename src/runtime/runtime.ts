/**
 * The userspace "kernel": one Runtime owns an address space, a map table (handles and ids), the
 * helper registry and an engine, and loads ObjectSpecs into Collections of maps and programs that
 * the host can run and inspect. Browser-safe: everything Node-only (the directory pin store, the
 * host's BTF, the kernel backend) is injected or lives in `node.ts` / `kernel.ts`.
 */
import { relocateObjectCore } from "../btf/core-apply.js";
import { CORE_POISON_IMM } from "../btf/core.js";
import { resolveSize } from "../btf/layout.js";
import { BtfKind, type Btf } from "../btf/types.js";
import { loadObject } from "../elf/loader.js";
import { PIN_BY_NAME, type MapSpec as ObjectMapSpec, type ObjectSpec, type ProgramSpec } from "../elf/spec.js";
import { EbpfError } from "../errors.js";
import { baseHelpers } from "../helpers/base.js";
import { helperId, helperName } from "../helpers/ids.js";
import { mapHelpers, tailCallResolver } from "../helpers/maps.js";
import { perfHelpers } from "../helpers/perf.js";
import type { HelperDef } from "../helpers/registry.js";
import { HelperRegistry } from "../helpers/registry.js";
import { ringbufHelpers } from "../helpers/ringbuf.js";
import type { FakeTask } from "../helpers/task.js";
import type { Clock } from "../helpers/time.js";
import { TraceSink } from "../helpers/trace.js";
import type { Instruction } from "../isa/instruction.js";
import { BPF_PSEUDO_BTF_ID, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE } from "../isa/opcodes.js";
import { ArrayMap } from "../maps/array.js";
import { PerfEventArrayMap } from "../maps/perf_event_array.js";
import { MapTable } from "../maps/table.js";
import type { BpfMap, MapSpec, ProgramRef } from "../maps/types.js";
import { checkContextAccesses } from "../progtypes/ctx-access.js";
import { programType } from "../progtypes/index.js";
import { runWithContext, testRun, type TestRunOptions, type TestRunResult } from "../progtypes/test-run.js";
import type { Engine } from "../vm/execute.js";
import { isNetRunContext, type ProgramTypeSpec } from "../progtypes/types.js";
import { createImage, type ProgramImage } from "../vm/image.js";
import { Interpreter } from "../vm/interpreter.js";
import { AddressSpace, type AddressSpaceOptions } from "../vm/memory.js";
import { dumpEntries, PERCPU_MAP_TYPES, type DumpEntry } from "./dump.js";
import { decodePinnedMap, encodePinnedMap, fromHex, normalizePinPath, PinMismatchError, toHex, type PinnedMap, type PinStore } from "./pin-store.js";

/** An execution engine: the Interpreter, the JIT, or anything with the same `run`. */
export type { Engine };
export type EngineFactory = (space: AddressSpace, helpers: HelperRegistry) => Engine;

/** What a verifier hook sees of a program before it runs (maps already bound to handles). */
export interface VerifyRequest {
  name: string;
  type: ProgramTypeSpec;
  attachType: string | undefined;
  /** Instructions with map references rewritten to this runtime's handles (lddw imm = fd). */
  instructions: readonly Instruction[];
  /** The map behind a handle. */
  mapByFd(fd: number): BpfMap | undefined;
  spec: ProgramSpec;
}

/** Throws (a typed EbpfError) to refuse the program. */
export type VerifyHook = (request: VerifyRequest) => void;

export interface RuntimeOptions {
  /**
   * Possible CPUs: per-CPU maps keep one value per CPU. Default 1 in the library (deterministic,
   * the same on every machine); the CLI passes the host's count so dumps match the kernel's.
   */
  cpus?: number;
  /** "interp" (default) or a factory for another engine (the CLI builds the JIT this way). */
  engine?: "interp" | EngineFactory;
  /** Seed of bpf_get_prandom_u32 (default: time-based). */
  seed?: number;
  clock?: Clock;
  /** Where bpf_trace_printk lines go (default: a new TraceSink, `runtime.trace`). */
  trace?: TraceSink;
  task?: FakeTask;
  /** Extra helpers (host applications' own; same id replaces a built-in). */
  helpers?: readonly HelperDef[];
  /** Where pinned maps live; without one, pinning is refused (ENOTSUPP) and LIBBPF_PIN_BY_NAME ignored. */
  pinStore?: PinStore;
  /** Saves pinned maps after every program run and host update (default true). */
  autoSyncPins?: boolean;
  /** Target BTF for CO-RE (usually the host's vmlinux, through an injected loader). */
  targetBtf?: () => Btf | undefined;
  /** Verifier hook, called for every program at load (the verifier module plugs in here). */
  verify?: VerifyHook;
  /** Executed-instruction budget per run (default: the engine's, 1,000,000). */
  budget?: number;
  /** Values for `extern ... __kconfig` variables (LINUX_KERNEL_VERSION, CONFIG_*). */
  kconfig?: Record<string, number | bigint | boolean | string>;
  memory?: AddressSpaceOptions;
  /**
   * Attach a reader buffer to every CPU slot of perf_event_array maps at load (default true), as a
   * host that consumes events does; read them with `PerfEventArrayMap.readAll()`. Without readers
   * (false, what a bare BPF_PROG_TEST_RUN sees in the kernel) bpf_perf_event_output gives -ENOENT.
   */
  perfBuffers?: boolean;
}

export interface LoadOptions {
  /** Load only these programs (default: every program with autoload). */
  programs?: readonly string[];
  /** Overrides the runtime's target BTF for CO-RE. */
  targetBtf?: Btf;
  /** Skip the verifier hook. */
  verify?: boolean;
}

export interface ProgramTestRunOptions extends Omit<TestRunOptions, "tailCall" | "nrCpus" | "attachType" | "budget"> {
  budget?: number;
}

export interface ProgramRunOptions {
  /** Context bytes mapped for r1 in the type's layout (kprobe pt_regs, tracepoint record …). */
  ctx?: Uint8Array;
  /** Raw r1–r5 instead of a context. */
  args?: readonly (bigint | number)[];
  cpu?: number;
  budget?: number;
}

/** A program loaded into a runtime. */
export class LoadedProgram implements ProgramRef {
  /** Its handle in the runtime's table (what a prog_array update names). */
  fd = 0;

  constructor(
    readonly runtime: Runtime,
    readonly name: string,
    readonly spec: ProgramSpec,
    readonly type: ProgramTypeSpec,
    readonly image: ProgramImage,
    readonly id: number,
  ) {}

  /** BPF_PROG_TEST_RUN with the kernel's rules for the program's type. */
  testRun(options: ProgramTestRunOptions = {}): TestRunResult {
    const rt = this.runtime;
    const o: TestRunOptions = { ...options, tailCall: rt.tailCall, nrCpus: rt.cpus };
    if (this.spec.attachType !== undefined) o.attachType = this.spec.attachType;
    const budget = options.budget ?? rt.budget;
    if (budget !== undefined) o.budget = budget;
    try {
      return testRun(rt.engine, this.image, this.type, o);
    } finally {
      rt.afterRun();
    }
  }

  /** Runs once with a host-supplied context (or raw arguments); returns r0 (64 bits). */
  run(options: ProgramRunOptions = {}): bigint {
    const rt = this.runtime;
    const budget = options.budget ?? rt.budget;
    try {
      if (options.ctx) {
        const o: Parameters<typeof runWithContext>[4] = { cpu: options.cpu ?? 0, tailCall: rt.tailCall };
        if (budget !== undefined) o.budget = budget;
        return runWithContext(rt.engine, this.image, this.type, options.ctx, o);
      }
      const o: Parameters<Engine["run"]>[1] = { args: options.args ?? [], context: { cpu: options.cpu ?? 0, progType: this.type.name }, tailCall: rt.tailCall };
      if (budget !== undefined) o.budget = budget;
      return rt.engine.run(this.image, o).r0;
    } finally {
      rt.afterRun();
    }
  }
}

/** A map loaded into a runtime, under the name it has in the object. */
export class LoadedMap {
  /** Pin path in the runtime's store, when pinned. */
  pinnedAt: string | undefined;

  constructor(
    readonly runtime: Runtime,
    /** The name in the object (".bss", "counts" …). */
    readonly name: string,
    readonly map: BpfMap,
    readonly fd: number,
    readonly spec: ObjectMapSpec | undefined,
  ) {}

  get id(): number {
    return this.map.info.id ?? 0;
  }

  lookup(key?: Uint8Array, flags?: number): Uint8Array | undefined {
    return this.map.lookup(key, flags);
  }
  update(key: Uint8Array | undefined, value: Uint8Array, flags?: number): void {
    this.map.update(key, value, flags);
    this.runtime.afterHostWrite(this);
  }
  delete(key: Uint8Array): boolean {
    const r = this.map.delete(key);
    this.runtime.afterHostWrite(this);
    return r;
  }
  entries(): Generator<[Uint8Array, Uint8Array]> {
    return this.map.entries();
  }
  /** The elements as `ebpf run --json` prints them. */
  dump(): DumpEntry[] {
    return dumpEntries({ type: this.map.info.type, keySize: this.map.info.keySize, valueSize: this.map.info.valueSize, cpus: this.map.cpus, entries: () => this.map.entries() });
  }
  /** Pins the map at `path` in the runtime's pin store (BPF_OBJ_PIN): saved now and after every change. */
  pin(path: string): void {
    this.runtime.pinMap(this, path);
  }
  unpin(): void {
    if (this.pinnedAt === undefined) return;
    this.runtime.pinStoreOrFail().remove(this.pinnedAt);
    this.runtime.forgetPin(this);
    this.pinnedAt = undefined;
  }
}

/** The maps and programs of one loaded object, by the names they have in the object. */
export class Collection {
  constructor(
    readonly runtime: Runtime,
    readonly spec: ObjectSpec,
    readonly maps: ReadonlyMap<string, LoadedMap>,
    readonly programs: ReadonlyMap<string, LoadedProgram>,
  ) {}

  map(name: string): LoadedMap {
    const m = this.maps.get(name);
    if (!m) throw new EbpfError("ENOENT", `no map named '${name}' in the object (maps: ${[...this.maps.keys()].join(", ") || "none"})`);
    return m;
  }

  program(name: string): LoadedProgram {
    const p = this.programs.get(name);
    if (!p) throw new EbpfError("ENOENT", `no program named '${name}' in the object (programs: ${[...this.programs.keys()].join(", ") || "none"})`);
    return p;
  }

  /** Every map's elements, by object name, in object order. */
  dumpMaps(): Record<string, DumpEntry[]> {
    const out: Record<string, DumpEntry[]> = {};
    for (const [name, m] of this.maps) out[name] = m.dump();
    return out;
  }
}

/** The kernel names maps with at most 15 characters of [A-Za-z0-9_.]. */
export function kernelMapName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, "_").slice(0, 15);
}

/** The object's map spec in the shape createMap takes. */
export function toMapSpec(s: ObjectMapSpec, btf: Btf | undefined, cpus = 1): MapSpec {
  // libbpf sizes a perf_event_array without max_entries to the possible CPUs
  const maxEntries = s.type === 4 && s.maxEntries === 0 ? cpus : s.maxEntries;
  const out: MapSpec = { type: s.type, keySize: s.keySize, valueSize: s.valueSize, maxEntries, flags: s.flags, name: kernelMapName(s.name) };
  if (s.mapExtra !== undefined) out.mapExtra = s.mapExtra;
  if (s.innerMap) out.innerMap = toMapSpec(s.innerMap, btf, cpus);
  const lock = spinLockOffset(btf, s.btfValueTypeId);
  if (lock !== undefined) out.spinLockOffset = lock;
  return out;
}

/** Offset of a top-level `struct bpf_spin_lock` member of the value type, if any. */
function spinLockOffset(btf: Btf | undefined, typeId: number | undefined): number | undefined {
  if (!btf || !typeId) return undefined;
  const t = btf.types[typeId];
  if (!t || (t.kind !== BtfKind.STRUCT && t.kind !== BtfKind.UNION)) return undefined;
  for (const m of t.members ?? []) {
    const mt = btf.types[m.type];
    if (mt && mt.kind === BtfKind.STRUCT && mt.name === "bpf_spin_lock") return (t.kflag ? m.offset & 0xffffff : m.offset) / 8;
  }
  return undefined;
}

/** Maps whose contents a pin file can hold (the others keep only their shape). */
function persistable(type: number): boolean {
  return [1, 2, 5, 6, 9, 10, 11].includes(type);
}

/**
 * Instructions with map references bound to handles: lddw src=1/2 get imm = the map's fd (imm2
 * stays the value offset). ksyms and kfunc calls have no userspace equivalent.
 */
export function bindMapReferences(prog: ProgramSpec, fdOf: (name: string) => number | undefined): Instruction[] {
  return prog.instructions.map((insn, i) => {
    if (insn.op === 0x85 && insn.src === BPF_PSEUDO_KFUNC_CALL) {
      throw new EbpfError("ENOTSUPP", `program ${prog.name}: instruction ${i} calls kernel function ${insn.meta?.reference ?? "?"} (kfuncs are not supported)`);
    }
    if (insn.op !== 0x18) return insn;
    if (insn.src === BPF_PSEUDO_BTF_ID) {
      throw new EbpfError("ENOTSUPP", `program ${prog.name}: instruction ${i} loads kernel symbol ${insn.meta?.reference ?? "?"} (ksyms are not supported)`);
    }
    if (insn.src !== BPF_PSEUDO_MAP_FD && insn.src !== BPF_PSEUDO_MAP_VALUE) return insn;
    const ref = insn.meta?.reference;
    const fd = ref === undefined ? undefined : fdOf(ref);
    if (fd === undefined) {
      throw new EbpfError("ENOENT", `program ${prog.name}: instruction ${i} refers to map ${ref === undefined ? "(unnamed)" : `'${ref}'`}, which the object does not define`);
    }
    return { ...insn, imm: fd };
  });
}

/** Bytes of a kconfig value of `size` bytes (little-endian integers, NUL-padded strings). */
function kconfigBytes(v: number | bigint | boolean | string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  if (typeof v === "string") {
    out.set(new TextEncoder().encode(v).subarray(0, Math.max(0, size - 1)));
    return out;
  }
  let n = BigInt.asUintN(64, typeof v === "boolean" ? (v ? 1n : 0n) : BigInt(v));
  for (let i = 0; i < size && i < 8; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** The contents of the .kconfig map: every extern the object reads, from `values`. */
export function kconfigContents(spec: ObjectSpec, m: ObjectMapSpec, values: Record<string, number | bigint | boolean | string>): Uint8Array {
  const data = new Uint8Array(m.valueSize);
  for (const ext of spec.externs) {
    if (ext.kind !== "kconfig") continue;
    const size = ext.typeId !== undefined && spec.btf ? resolveSize(spec.btf, ext.typeId) : 0;
    const v = values[ext.name];
    if (v === undefined) {
      if (ext.weak) continue;
      throw new EbpfError("ENOENT", `extern (kcfg) '${ext.name}': value not found (give it in the runtime's kconfig option)`);
    }
    if (size > 0 && ext.offset !== undefined && ext.offset + size <= data.length) data.set(kconfigBytes(v, size), ext.offset);
  }
  return data;
}

let runtimeSerial = 0;

export class Runtime {
  readonly space: AddressSpace;
  readonly maps: MapTable;
  readonly helpers: HelperRegistry;
  readonly engine: Engine;
  readonly cpus: number;
  readonly trace: TraceSink;
  readonly budget: number | undefined;
  readonly pinStore: PinStore | undefined;
  readonly tailCall: NonNullable<TestRunOptions["tailCall"]>;
  private readonly options: RuntimeOptions;
  private nextProgId = 1;
  private readonly programsById = new Map<number, LoadedProgram>();
  private readonly loadedMaps = new Set<LoadedMap>();
  private readonly pinned = new Map<string, LoadedMap>();
  private readonly dirty = new Set<LoadedMap>();
  private closed = false;
  /** Distinguishes runtimes in messages. */
  readonly serial = ++runtimeSerial;

  constructor(options: RuntimeOptions = {}) {
    this.options = options;
    const cpus = options.cpus ?? 1;
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > 8192) throw new EbpfError("EINVAL", `cpus must be an integer from 1 to 8192, not ${cpus}`);
    this.cpus = cpus;
    this.space = new AddressSpace(options.memory);
    this.maps = new MapTable(this.space, { cpus });
    this.trace = options.trace ?? new TraceSink();
    this.budget = options.budget;
    this.pinStore = options.pinStore;
    this.helpers = new HelperRegistry();
    const base: Parameters<typeof baseHelpers>[0] = { trace: this.trace };
    if (options.seed !== undefined) base.seed = options.seed;
    if (options.clock) base.clock = options.clock;
    if (options.task) base.task = options.task;
    for (const h of baseHelpers(base)) this.helpers.register(h);
    for (const h of mapHelpers(this.maps)) this.helpers.register(h);
    for (const h of ringbufHelpers(this.maps)) this.helpers.register(h);
    for (const h of perfHelpers(this.maps, { ctxBytes: packetBytes })) this.helpers.register(h);
    for (const h of options.helpers ?? []) this.helpers.register(h);
    const engine = options.engine ?? "interp";
    this.engine = engine === "interp" ? new Interpreter(this.space, this.helpers) : engine(this.space, this.helpers);
    this.tailCall = tailCallResolver(this.maps);
  }

  /** Adds (or replaces, by id) a helper; programs loaded before see it too. */
  registerHelper(def: HelperDef): this {
    this.helpers.register(def);
    return this;
  }

  /** Parses an ELF object and loads it. */
  loadBytes(bytes: Uint8Array, options: LoadOptions = {}): Collection {
    return this.load(loadObject(bytes), options);
  }

  program(id: number): LoadedProgram | undefined {
    return this.programsById.get(id);
  }

  /** Loads an object: maps (pinned ones reused), CO-RE, map references, context checks, verifier hook, images. */
  load(spec: ObjectSpec, options: LoadOptions = {}): Collection {
    if (this.closed) throw new EbpfError("EBADF", "this runtime is closed");
    const wanted = options.programs ? new Set(options.programs) : undefined;
    if (wanted) {
      for (const n of wanted) {
        if (!spec.programs.some((p) => p.name === n)) {
          throw new EbpfError("ENOENT", `no program named '${n}' in the object (programs: ${spec.programs.map((p) => p.name).join(", ") || "none"})`);
        }
      }
    }
    let progSpecs = spec.programs.filter((p) => (wanted ? wanted.has(p.name) : p.autoload));

    // CO-RE, before anything is created, so a failure leaves nothing behind.
    if (progSpecs.some((p) => p.coreRelos && p.coreRelos.length > 0)) {
      const target = options.targetBtf ?? this.options.targetBtf?.();
      if (!target) throw new EbpfError("ENOENT", "the object has CO-RE relocations but no target BTF is available (pass targetBtf; on Linux the default is /sys/kernel/btf/vmlinux)");
      const relocated = relocateObjectCore({ ...spec, programs: progSpecs }, target).programs;
      progSpecs = relocated;
    }

    const created: LoadedMap[] = [];
    const maps = new Map<string, LoadedMap>();
    try {
      // ---- maps ----
      for (const ms of spec.maps) {
        const lm = this.createObjectMap(spec, ms);
        created.push(lm);
        maps.set(ms.name, lm);
      }
      // map-in-map initial contents name other maps of the object
      for (const ms of spec.maps) {
        const lm = maps.get(ms.name)!;
        if (this.reusedPins.has(lm) || (ms.type !== 12 && ms.type !== 13)) continue;
        for (const c of ms.contents ?? []) {
          if (typeof c.value !== "string") continue;
          const inner = maps.get(c.value);
          if (!inner) throw new EbpfError("ENOENT", `map ${ms.name}: initial value ${c.key} names map '${c.value}', which the object does not define`);
          lm.map.update(u32(c.key), u32(inner.fd));
        }
      }

      // ---- programs ----
      const programs = new Map<string, LoadedProgram>();
      for (const ps of progSpecs) {
        const type = programType(ps.type);
        const insns = bindMapReferences(ps, (name) => maps.get(name)?.fd);
        checkContextAccesses(forContextCheck(insns, type, this.helpers), type, ps.attachType !== undefined ? { attachType: ps.attachType } : {});
        if (this.options.verify && options.verify !== false) {
          this.options.verify({ name: ps.name, type, attachType: ps.attachType, instructions: insns, mapByFd: (fd) => this.maps.byFd(fd), spec: ps });
        }
        const image = createImage(insns, { resolveLdImm64: this.maps.resolver(), name: ps.name, allowCallx: false });
        const prog = new LoadedProgram(this, ps.name, ps, type, image, this.nextProgId++);
        prog.fd = this.maps.addProgram(prog);
        this.programsById.set(prog.id, prog);
        programs.set(ps.name, prog);
      }

      // prog_array initial contents name programs
      for (const ms of spec.maps) {
        if (ms.type !== 3) continue;
        const lm = maps.get(ms.name)!;
        if (this.reusedPins.has(lm)) continue;
        for (const c of ms.contents ?? []) {
          if (typeof c.value !== "string") continue;
          const p = programs.get(c.value);
          if (!p) {
            if (spec.programs.some((x) => x.name === c.value)) continue; // not loaded (autoload off)
            throw new EbpfError("ENOENT", `map ${ms.name}: slot ${c.key} names program '${c.value}', which the object does not define`);
          }
          lm.map.update(u32(c.key), u32(p.fd));
        }
      }
      for (const lm of created) this.loadedMaps.add(lm);
      return new Collection(this, spec, maps, programs);
    } catch (e) {
      for (const lm of created) {
        if (lm.pinnedAt !== undefined) this.pinned.delete(lm.pinnedAt);
        this.dirty.delete(lm);
        this.maps.close(lm.fd);
      }
      throw e;
    }
  }

  private readonly reusedPins = new Set<LoadedMap>();

  /** Creates one map of an object, reusing its pin (LIBBPF_PIN_BY_NAME) when there is one. */
  private createObjectMap(spec: ObjectSpec, ms: ObjectMapSpec): LoadedMap {
    const mapSpec = toMapSpec(ms, spec.btf, this.cpus);
    const pinPath = ms.pinning === PIN_BY_NAME && this.pinStore ? normalizePinPath(ms.name) : undefined;
    if (pinPath !== undefined) {
      const existing = this.pinStore!.read(pinPath);
      if (existing) {
        const pin = decodePinnedMap(existing, `${this.pinStore!.description}: ${pinPath}`);
        const { map, fd } = this.maps.create(mapSpec);
        const lm = new LoadedMap(this, ms.name, map, fd, ms);
        try {
          this.checkPinCompat(pin, lm, pinPath);
          this.restorePin(pin, lm, pinPath);
        } catch (e) {
          this.maps.close(fd);
          throw e;
        }
        lm.pinnedAt = pinPath;
        this.pinned.set(pinPath, lm);
        this.reusedPins.add(lm);
        return lm;
      }
    }
    const { map, fd } = this.maps.create(mapSpec);
    const lm = new LoadedMap(this, ms.name, map, fd, ms);
    try {
      if (ms.name === ".kconfig" && ms.sectionName === ".kconfig") {
        map.update(u32(0), kconfigContents(spec, ms, this.options.kconfig ?? {}));
      }
      for (const c of ms.contents ?? []) {
        if (typeof c.value === "string") continue; // inner maps and programs: after everything exists
        const value = c.value;
        if (map instanceof ArrayMap && !PERCPU_MAP_TYPES.has(map.info.type) && value.length !== map.info.valueSize) {
          const padded = new Uint8Array(map.info.valueSize);
          padded.set(value.subarray(0, map.info.valueSize));
          map.update(u32(c.key), padded);
        } else {
          map.update(u32(c.key), value);
        }
      }
      if (ms.frozen) map.freeze();
      if (map instanceof PerfEventArrayMap && this.options.perfBuffers !== false) map.openAll();
      if (pinPath !== undefined) {
        lm.pinnedAt = pinPath;
        this.pinned.set(pinPath, lm);
        this.savePin(lm);
      }
    } catch (e) {
      this.maps.close(fd);
      throw e;
    }
    return lm;
  }

  private checkPinCompat(pin: PinnedMap, lm: LoadedMap, path: string): void {
    const info = lm.map.info;
    const diffs: string[] = [];
    const cmp = (what: string, pinned: unknown, want: unknown) => {
      if (pinned !== want) diffs.push(`${what} ${String(pinned)} pinned, ${String(want)} in the object`);
    };
    cmp("type", pin.typeName || pin.type, info.typeName || info.type);
    cmp("key_size", pin.keySize, info.keySize);
    cmp("value_size", pin.valueSize, info.valueSize);
    cmp("max_entries", pin.maxEntries, info.maxEntries);
    cmp("map_flags", pin.flags, info.flags);
    cmp("map_extra", pin.mapExtra, info.mapExtra.toString());
    if (PERCPU_MAP_TYPES.has(info.type)) cmp("CPUs", pin.cpus, lm.map.cpus);
    if (diffs.length) throw new PinMismatchError(path, diffs);
  }

  /** Fills a fresh map from a pin file; a damaged entry is an error naming the pin. */
  private restorePin(pin: PinnedMap, lm: LoadedMap, path: string): void {
    const m = lm.map;
    if (persistable(m.info.type)) {
      for (const [k, v] of pin.entries) {
        const key = fromHex(k);
        const value = fromHex(v);
        if (key.length !== m.info.keySize || value.length !== m.valueBytes) {
          throw new EbpfError("EINVAL", `pinned map at ${path}: an element has a ${key.length}-byte key and a ${value.length}-byte value; the map's are ${m.info.keySize} and ${m.valueBytes}`);
        }
        m.update(key, value);
      }
    }
    if (pin.frozen && !m.frozen) m.freeze();
  }

  /** The store, or ENOTSUPP when this runtime has none. */
  pinStoreOrFail(): PinStore {
    if (!this.pinStore) throw new EbpfError("ENOTSUPP", "this runtime has no pin store (pass RuntimeOptions.pinStore)");
    return this.pinStore;
  }

  /** BPF_OBJ_PIN for a map: EEXIST when the path is taken. */
  pinMap(lm: LoadedMap, path: string): void {
    const store = this.pinStoreOrFail();
    const p = normalizePinPath(path);
    if (lm.pinnedAt === p) return;
    if (store.read(p) !== undefined || this.pinned.has(p)) throw new EbpfError("EEXIST", `${store.description}: ${p} is already pinned`);
    lm.pinnedAt = p;
    this.pinned.set(p, lm);
    this.savePin(lm);
  }

  /**
   * BPF_OBJ_GET: the map pinned at `path`, recreated from the store (shape, contents, frozen
   * state). Within one runtime, a map pinned here is returned as is.
   */
  openPinnedMap(path: string): LoadedMap {
    const store = this.pinStoreOrFail();
    const p = normalizePinPath(path);
    const live = this.pinned.get(p);
    if (live) return live;
    const bytes = store.read(p);
    if (!bytes) throw new EbpfError("ENOENT", `${store.description}: nothing is pinned at ${p}`);
    const pin = decodePinnedMap(bytes, `${store.description}: ${p}`);
    const spec: MapSpec = { type: pin.type, keySize: pin.keySize, valueSize: pin.valueSize, maxEntries: pin.maxEntries, flags: pin.flags, name: pin.name, mapExtra: BigInt(pin.mapExtra) };
    const { map, fd } = this.maps.create(spec);
    const lm = new LoadedMap(this, pin.name, map, fd, undefined);
    try {
      this.checkPinCompat(pin, lm, p);
      this.restorePin(pin, lm, p);
    } catch (e) {
      this.maps.close(fd);
      throw e;
    }
    lm.pinnedAt = p;
    this.pinned.set(p, lm);
    this.loadedMaps.add(lm);
    return lm;
  }

  forgetPin(lm: LoadedMap): void {
    if (lm.pinnedAt !== undefined) this.pinned.delete(lm.pinnedAt);
    this.dirty.delete(lm);
  }

  private savePin(lm: LoadedMap): void {
    const m = lm.map;
    const info = m.info;
    const entries: [string, string][] = [];
    if (persistable(info.type)) for (const [k, v] of m.entries()) entries.push([toHex(k), toHex(v)]);
    const pin: PinnedMap = {
      type: info.type,
      typeName: info.typeName,
      keySize: info.keySize,
      valueSize: info.valueSize,
      maxEntries: info.maxEntries,
      flags: info.flags,
      mapExtra: info.mapExtra.toString(),
      name: info.name,
      cpus: m.cpus,
      frozen: m.frozen,
      entries,
    };
    this.pinStore!.write(lm.pinnedAt!, encodePinnedMap(pin));
    this.dirty.delete(lm);
  }

  /** Saves every pinned map now (after runs with autoSyncPins off, e.g. a long capture). */
  syncPins(): void {
    for (const lm of this.pinned.values()) this.savePin(lm);
  }

  /** Called after every program run: pinned maps may have changed. */
  afterRun(): void {
    if (this.pinned.size === 0) return;
    if (this.options.autoSyncPins === false) {
      for (const lm of this.pinned.values()) this.dirty.add(lm);
      return;
    }
    this.syncPins();
  }

  afterHostWrite(lm: LoadedMap): void {
    if (lm.pinnedAt === undefined) return;
    if (this.options.autoSyncPins === false) this.dirty.add(lm);
    else this.savePin(lm);
  }

  /** Saves what is pending and releases every map and program. */
  close(): void {
    if (this.closed) return;
    for (const lm of this.dirty) if (lm.pinnedAt !== undefined) this.savePin(lm);
    this.closed = true;
    for (const lm of this.loadedMaps) this.maps.close(lm.fd);
    this.loadedMaps.clear();
    this.pinned.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * The context check knows the kernel's helpers only; calls to helpers a host application
 * registered under ids the kernel does not use (and CO-RE poison calls) are shown to it as a
 * helper the type may call.
 */
function forContextCheck(insns: Instruction[], type: ProgramTypeSpec, registry: HelperRegistry): Instruction[] {
  let stand: number | undefined;
  return insns.map((insn) => {
    if (insn.op !== 0x85 || insn.src !== 0 || helperName(insn.imm >>> 0) !== undefined) return insn;
    // a CO-RE poison call (libbpf's 0xbad2310) faults only if reached, as the verifier refuses it only then
    if (!registry.has(insn.imm >>> 0) && insn.imm !== CORE_POISON_IMM) return insn;
    stand ??= [...type.helpers].map((n) => helperId(n)).find((id) => id !== undefined) ?? 0;
    return { ...insn, imm: stand };
  });
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

/** BPF_F_CTXLEN_MASK for perf_event_output: the first bytes of the run's packet. */
function packetBytes(call: { context: unknown; space: AddressSpace }, len: number): Uint8Array | undefined {
  const c = call.context;
  if (!isNetRunContext(c)) return undefined;
  const p = c.packet;
  if (p.dataEnd - p.data < len) return undefined;
  return call.space.u8.slice(p.data, p.data + len);
}
