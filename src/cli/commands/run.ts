import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { loadObject, type ObjectSpec } from "../../elf/index.js";
import { EbpfError, isEbpfError } from "../../errors.js";
import { readCapture, type CapturedPacket } from "../../pcap/index.js";
import type { TestRunResult } from "../../progtypes/test-run.js";
import { hexDump, type DumpEntry } from "../../runtime/dump.js";
import { KernelCollection } from "../../runtime/kernel.js";
import { DirectoryPinStore, hostBtfLoader, hostCpuCount, hostKconfig, tracingVerifyInput } from "../../runtime/node.js";
import { toHex } from "../../runtime/pin-store.js";
import type { HelperRegistry } from "../../helpers/registry.js";
import { JitEngine } from "../../jit/engine.js";
import { Runtime, type EngineFactory, type VerifyHook } from "../../runtime/runtime.js";
import { describeError, verifierMapFromSpec, verify } from "../../verifier/index.js";
import { readInput } from "../io.js";
import { ExitStatus } from "../main.js";

interface RunOptions {
  prog?: string;
  dataIn?: string;
  dataOut?: string;
  ctxIn?: string;
  ctxOut?: string;
  repeat?: string;
  engine?: string;
  checked?: boolean;
  json?: boolean;
  pcap?: string;
  cpus?: string;
  pinDir?: string;
  verify: boolean;
  seed?: string;
  trace?: boolean;
}

/** One loaded object, whichever engine runs it. */
interface Loaded {
  run(input: { dataIn?: Uint8Array; ctxIn?: Uint8Array; repeat?: number }): TestRunResult;
  maps(): Record<string, DumpEntry[]>;
  mapTypes(): Record<string, { type: number; valueSize: number }>;
  close(): void;
}

function positiveInt(value: string | undefined, flag: string, max = 0x7fffffff): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new EbpfError("EINVAL", `${flag} must be an integer from 1 to ${max}, not '${value}'`);
  }
  return n;
}

/** The program to run: --prog, else the only one that loads by default. */
function chooseProgram(spec: ObjectSpec, name: string | undefined): string {
  const names = spec.programs.map((p) => p.name);
  if (name !== undefined) {
    if (!names.includes(name)) throw new EbpfError("ENOENT", `no program named '${name}' in the object (programs: ${names.join(", ") || "none"})`);
    return name;
  }
  const auto = spec.programs.filter((p) => p.autoload);
  if (auto.length === 1) return auto[0]!.name;
  if (auto.length === 0) throw new EbpfError("ENOENT", "the object has no program to run");
  throw new EbpfError("EINVAL", `the object has ${auto.length} programs; choose one with --prog (${auto.map((p) => `${p.name} [${p.sectionName}]`).join(", ")})`);
}

/** Programs to load: every autoload program (tail-call targets) plus the chosen one. */
function programsToLoad(spec: ObjectSpec, chosen: string): string[] {
  const set = new Set(spec.programs.filter((p) => p.autoload).map((p) => p.name));
  set.add(chosen);
  return [...set];
}

/** A program the verifier refused: the CLI prints the log and exits 1, as `ebpf verify` does. */
export class VerifierRejection extends EbpfError {
  constructor(readonly program: string, readonly log: string, readonly summary: string, errno: string) {
    super(errno, `program ${program} rejected by the verifier: ${summary.split("\n")[0]}`);
  }
}

/** The verifier hook: every program is verified (with the object's map specs) before it runs. */
function verifierHook(spec: ObjectSpec, helpers: () => HelperRegistry): VerifyHook {
  const maps = spec.maps.map(verifierMapFromSpec);
  return (req) => {
    const result = verify(
      { insns: req.instructions, progType: req.type, maps, helpers: helpers(), hasFuncInfo: (req.spec.funcInfo?.length ?? 0) > 0, license: req.spec.license, ...(req.attachType ? { attachType: req.attachType } : {}), ...tracingVerifyInput(req.spec) },
      { logLevel: 1 },
    );
    if (!result.ok) throw new VerifierRejection(req.name, result.log, describeError(result.error!), result.error!.errno);
  };
}

/**
 * The JIT engine. Programs the verifier accepted run unchecked (the verifier proved their accesses,
 * as the kernel's JIT relies on its verifier); with --no-verify every access is checked.
 */
function jitFactory(verified: boolean, forceChecked: boolean): EngineFactory {
  const options = { checked: forceChecked || !verified };
  return (space, helpers) => new JitEngine(space, helpers, options);
}

async function loadUserspace(spec: ObjectSpec, prog: string, o: RunOptions, cpus: number, pcap: boolean): Promise<Loaded> {
  const engine = o.engine === "jit" ? jitFactory(o.verify, o.checked === true) : "interp";
  const seed = positiveInt(o.seed, "--seed", 0xffffffff);
  // The hook runs at load, after construction, with the runtime's own helper registry.
  const self: { rt?: Runtime } = {};
  const verify = o.verify ? verifierHook(spec, () => self.rt!.helpers) : undefined;
  const rt = (self.rt = new Runtime({
    cpus,
    engine,
    ...(seed !== undefined ? { seed } : {}),
    ...(o.pinDir ? { pinStore: new DirectoryPinStore(o.pinDir) } : {}),
    ...(verify ? { verify } : {}),
    autoSyncPins: !pcap,
    // as in a bare BPF_PROG_TEST_RUN: no perf event reader is attached
    perfBuffers: false,
    targetBtf: hostBtfLoader(),
    kconfig: hostKconfig(),
  }));
  if (o.trace) rt.trace.onLine((l) => process.stderr.write(`${l.line}\n`));
  let coll;
  try {
    coll = rt.load(spec, { programs: programsToLoad(spec, prog) });
  } catch (e) {
    rt.close();
    throw e;
  }
  const p = coll.program(prog);
  return {
    run: (i) => p.testRun({ ...(i.dataIn ? { dataIn: i.dataIn } : {}), ...(i.ctxIn ? { ctxIn: i.ctxIn } : {}), ...(i.repeat ? { repeat: i.repeat } : {}) }),
    maps: () => coll.dumpMaps(),
    mapTypes: () => Object.fromEntries([...coll.maps].map(([n, m]) => [n, { type: m.map.info.type, valueSize: m.map.info.valueSize }])),
    close: () => rt.close(),
  };
}

function loadKernel(spec: ObjectSpec, prog: string, o: RunOptions): Loaded {
  const kc = KernelCollection.load(spec, {
    programs: programsToLoad(spec, prog),
    targetBtf: hostBtfLoader(),
    kconfig: hostKconfig(),
    ...(o.pinDir ? { pinDir: o.pinDir } : {}),
  });
  return {
    run: (i) => kc.testRun(prog, { ...(i.dataIn ? { dataIn: i.dataIn } : {}), ...(i.ctxIn ? { ctxIn: i.ctxIn } : {}), repeat: i.repeat ?? 1 }),
    maps: () => kc.dumpMaps(),
    mapTypes: () => Object.fromEntries([...kc.maps].map(([n, m]) => [n, { type: m.type, valueSize: m.valueSize }])),
    close: () => kc.close(),
  };
}

function writeOut(path: string, bytes: Uint8Array): void {
  if (path === "-") {
    process.stdout.write(hexDump(bytes));
    return;
  }
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new EbpfError(err.code ?? "EIO", `cannot write ${path}: ${err.message.replace(/^[A-Z]+: /, "")}`);
  }
}

const spaced = (hex: string): string => hex.replace(/(..)(?!$)/g, "$1 ");

/** Map contents as text, bpftool map dump style; all-zero array elements are counted, not listed. */
function formatMaps(maps: Record<string, DumpEntry[]>, types: Record<string, { type: number; valueSize: number }>): string {
  let out = "";
  for (const [name, entries] of Object.entries(maps)) {
    out += `map ${name}:\n`;
    const isArray = types[name]?.type === 2 || types[name]?.type === 6;
    let zeros = 0;
    let shown = 0;
    for (const e of entries) {
      const vals = e.values ?? [e.value ?? ""];
      if (isArray && vals.every((v) => /^0*$/.test(v))) {
        zeros++;
        continue;
      }
      shown++;
      if (e.values) {
        out += `  key: ${spaced(e.key)}\n`;
        e.values.forEach((v, c) => (out += `    value (CPU ${String(c).padStart(2, "0")}): ${spaced(v)}\n`));
      } else {
        out += `  key: ${spaced(e.key)}  value: ${spaced(e.value ?? "")}\n`;
      }
    }
    if (zeros > 0) out += `  (${zeros} element${zeros === 1 ? "" : "s"} all zero, not shown)\n`;
    else if (shown === 0) out += "  (empty)\n";
  }
  return out;
}

function progress(done: number, total: number): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} packets`);
}

function runCapture(loaded: Loaded, packets: CapturedPacket[], o: RunOptions): void {
  const retvals = new Map<number, number>();
  const errors = new Map<string, number>();
  let bytes = 0;
  let totalNs = 0;
  let ran = 0;
  const bar = process.stderr.isTTY === true && packets.length >= 1000;
  const step = Math.max(1, Math.floor(packets.length / 100));
  packets.forEach((pkt, i) => {
    bytes += pkt.data.length;
    try {
      const r = loaded.run({ dataIn: pkt.data });
      retvals.set(r.retval, (retvals.get(r.retval) ?? 0) + 1);
      totalNs += r.durationNs;
      ran++;
    } catch (e) {
      if (!isEbpfError(e)) throw e;
      errors.set(e.code, (errors.get(e.code) ?? 0) + 1);
      if ((errors.get(e.code) ?? 0) === 1 && !o.json) process.stderr.write(`${bar ? "\n" : ""}ebpf: packet ${i + 1}: ${e.code}: ${e.message}\n`);
    }
    if (bar && (i % step === 0 || i === packets.length - 1)) progress(i + 1, packets.length);
  });
  if (bar) process.stderr.write("\n");
  const maps = loaded.maps();
  const sortedRet = [...retvals].sort((a, b) => a[0] - b[0]);
  if (o.json) {
    const out = {
      packets: packets.length,
      bytes,
      retvals: Object.fromEntries(sortedRet.map(([k, v]) => [String(k), v])),
      errors: Object.fromEntries([...errors].sort()),
      duration_ns: ran ? Math.round(totalNs / ran) : 0,
      maps,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  let text = `Packets: ${packets.length} (${bytes} bytes)\n`;
  text += "Return values:\n";
  for (const [k, v] of sortedRet) text += `  ${k}: ${v} packet${v === 1 ? "" : "s"}\n`;
  for (const [k, v] of [...errors].sort()) text += `  refused (${k}): ${v} packet${v === 1 ? "" : "s"}\n`;
  text += `Duration (average): ${ran ? Math.round(totalNs / ran) : 0}ns\n`;
  text += formatMaps(maps, loaded.mapTypes());
  process.stdout.write(text);
}

/**
 * `ebpf run FILE.o`: load an object (maps, global data, CO-RE, tail-call slots) into the userspace
 * runtime — or, with --engine kernel, into the kernel — and test-run one program as
 * BPF_PROG_TEST_RUN does: on --data-in (and --ctx-in), or on every packet of a capture (--pcap).
 */
export function register(program: Command): void {
  program
    .command("run")
    .description("test-run a program of an object file (like bpftool prog run), on data or on every packet of a capture")
    .argument("<file>", "BPF object file (.o)")
    .option("--prog <name>", "program to run (default: the object's only program)")
    .option("--data-in <file>", "packet (data_in)")
    .option("--data-out <file>", "write data_out to a file ('-': hex dump on stdout)")
    .option("--ctx-in <file>", "context (ctx_in: struct __sk_buff, struct xdp_md …)")
    .option("--ctx-out <file>", "write ctx_out to a file ('-': hex dump on stdout)")
    .option("--repeat <n>", "run n times; the duration is the average")
    .option("--engine <engine>", "interp, jit or kernel (default: jit for verified programs, interp with --no-verify)")
    .option("--checked", "keep the JIT's memory checks even for verified programs")
    .option("--json", "print retval, duration, data_out and every map as JSON")
    .option("--pcap <file>", "run on every packet of a pcap or pcapng capture; print the return values counted and the maps")
    .option("--cpus <n>", "CPUs of the userspace runtime (per-CPU maps keep one value each; default: the host's)")
    .option("--pin-dir <dir>", "pin store for maps pinned by name (a bpffs directory with --engine kernel)")
    .option("--no-verify", "do not run the verifier before running")
    .option("--seed <n>", "seed of bpf_get_prandom_u32 (userspace engines)")
    .option("--trace", "print bpf_trace_printk output on stderr (userspace engines)")
    .action(async (file: string, o: RunOptions) => {
      o.engine ??= o.verify ? "jit" : "interp";
      if (!["interp", "jit", "kernel"].includes(o.engine)) throw new EbpfError("EINVAL", `--engine must be interp, jit or kernel, not '${o.engine}'`);
      const repeat = positiveInt(o.repeat, "--repeat");
      let cpus = positiveInt(o.cpus, "--cpus", 8192);
      if (o.engine === "kernel" && cpus !== undefined && cpus !== hostCpuCount()) {
        throw new EbpfError("EINVAL", `--cpus ${cpus}: the kernel has ${hostCpuCount()} possible CPUs and per-CPU maps follow it`);
      }
      cpus ??= hostCpuCount();
      if (o.pcap && (o.dataIn || o.ctxIn || o.dataOut || o.ctxOut || repeat)) {
        throw new EbpfError("EINVAL", "--pcap runs once per packet: it cannot be combined with --data-in, --ctx-in, --data-out, --ctx-out or --repeat");
      }
      if (o.ctxOut && !o.ctxIn) throw new EbpfError("EINVAL", "--ctx-out needs --ctx-in");
      // Read every input before loading anything, so bad input leaves pinned maps untouched.
      const spec = loadObject(readInput(file));
      const prog = chooseProgram(spec, o.prog);
      let packets: CapturedPacket[] | undefined;
      if (o.pcap) {
        packets = [...readCapture(readInput(o.pcap))];
        const other = packets.find((p) => p.linkType !== 1);
        if (other) throw new EbpfError("EINVAL", `${o.pcap}: link type ${other.linkType} is not Ethernet (1); test runs take Ethernet frames`);
      }
      const dataIn = o.dataIn ? readInput(o.dataIn) : undefined;
      const ctxIn = o.ctxIn ? readInput(o.ctxIn) : undefined;

      let loaded: Loaded;
      try {
        loaded = o.engine === "kernel" ? loadKernel(spec, prog, o) : await loadUserspace(spec, prog, o, cpus, packets !== undefined);
      } catch (e) {
        if (!(e instanceof VerifierRejection)) throw e;
        // A negative verdict, not bad input: the log and the reason, then exit 1 (as `ebpf verify`).
        process.stderr.write(`${e.log}${e.log.endsWith("\n") ? "" : "\n"}program ${e.program}: ${e.summary}\n(run with --no-verify to run it unverified under runtime checks)\n`);
        throw new ExitStatus(1);
      }
      try {
        if (packets) {
          runCapture(loaded, packets, o);
          return;
        }
        const r = loaded.run({ ...(dataIn ? { dataIn } : {}), ...(ctxIn ? { ctxIn } : {}), ...(repeat ? { repeat } : {}) });
        if (o.json) {
          const out: Record<string, unknown> = { retval: r.retval, duration_ns: r.durationNs, data_out: toHex(r.dataOut) };
          if (r.ctxOut) out.ctx_out = toHex(r.ctxOut);
          out.maps = loaded.maps();
          if (o.dataOut && o.dataOut !== "-") writeOut(o.dataOut, r.dataOut);
          if (o.ctxOut && o.ctxOut !== "-" && r.ctxOut) writeOut(o.ctxOut, r.ctxOut);
          process.stdout.write(`${JSON.stringify(out)}\n`);
          return;
        }
        // bpftool prog run: data_out, then ctx_out, then the return value line.
        if (o.dataOut) writeOut(o.dataOut, r.dataOut);
        if (o.ctxOut && r.ctxOut) writeOut(o.ctxOut, r.ctxOut);
        process.stdout.write(`Return value: ${r.retval}, duration${(repeat ?? 1) > 1 ? " (average)" : ""}: ${r.durationNs}ns\n`);
      } finally {
        loaded.close();
      }
    });
}
