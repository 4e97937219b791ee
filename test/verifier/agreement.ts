/**
 * Agreement with the kernel on compiled objects: every program of an object is loaded into the
 * running kernel (src/runtime/kernel.ts's KernelCollection, which relocates as libbpf does) and
 * verified by us exactly as `ebpf run` does (the userspace Runtime's verify hook, with the
 * registry's helper prototypes and the object's map specs). Shared by corpus-agreement.ts (a
 * script that prints the table) and agreement.test.ts.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { relocateObjectCore } from "../../src/btf/core-apply.js";
import { loadObject } from "../../src/elf/index.js";
import type { ObjectSpec, ProgramSpec } from "../../src/elf/spec.js";
import { KernelError } from "../../src/kernel/errors.js";
import { PROGRAM_TYPES } from "../../src/progtypes/index.js";
import { KernelCollection } from "../../src/runtime/kernel.js";
import { hostBtfLoader, hostKconfig, tracingVerifyInput } from "../../src/runtime/node.js";
import { Runtime } from "../../src/runtime/runtime.js";
import { verifierMapFromSpec, verify, type VerifyProgram, type VerifyResult } from "../../src/verifier/index.js";
import { lastMessage } from "./oracle.js";

export interface Row {
  file: string;
  prog: string;
  type: string;
  /** ok / reject / skip (the kernel could not be asked: map creation failed …). */
  kernel: "ok" | "reject" | "skip";
  kernelMsg: string;
  ours: "ok" | "reject" | "skip" | "crash";
  oursMsg: string;
  oursPc?: number;
  processed?: number;
  /** Our verification time, ms. */
  ms?: number;
  note?: string;
}

const SUPPORTED = new Set(PROGRAM_TYPES.map((t) => t.name));

export function objectFiles(dirs: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (d: string, deep: boolean): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      if (d.endsWith(".o")) files.push(d); // a file named directly
      return;
    }
    for (const f of names) {
      const p = join(d, f);
      const st = statSync(p);
      if (st.isDirectory()) {
        if (deep && f !== "invalid") walk(p, deep);
      } else if (p.endsWith(".o")) files.push(p);
    }
  };
  for (const d of dirs) {
    const deep = d.endsWith("*");
    walk(deep ? d.slice(0, -1) : d, deep);
  }
  return [...new Set(files)].sort();
}

let btfLoader: ReturnType<typeof hostBtfLoader> | undefined;
const btf = (): ReturnType<ReturnType<typeof hostBtfLoader>> => (btfLoader ??= hostBtfLoader())();

/** What a tracing program's verification needs besides its instructions: the target and the kernel BTF. */
const tracingInputs = (p: ProgramSpec): Partial<VerifyProgram> => tracingVerifyInput(p, btf);

/** Our verdict on every program of the object, through the Runtime's verify hook as `ebpf run`. */
function oursOnObject(spec: ObjectSpec, names: readonly string[]): Map<string, { r?: VerifyResult; ms: number; err?: string }> {
  const out = new Map<string, { r?: VerifyResult; ms: number; err?: string }>();
  const maps = spec.maps.map(verifierMapFromSpec);
  for (const name of names) {
    let rt: Runtime | undefined;
    let got: { r?: VerifyResult; ms: number; err?: string } | undefined;
    try {
      rt = new Runtime({
        cpus: 2,
        perfBuffers: false,
        autoSyncPins: false,
        targetBtf: btf,
        kconfig: hostKconfig(),
        verify: (req) => {
          const t0 = performance.now();
          const r = verify(
            { insns: req.instructions, progType: req.type, maps, helpers: rt!.helpers, hasFuncInfo: (req.spec.funcInfo?.length ?? 0) > 0, license: req.spec.license, ...(req.attachType ? { attachType: req.attachType } : {}), ...tracingInputs(req.spec) },
            { logLevel: 1, nrCpus: 2 },
          );
          got = { r, ms: performance.now() - t0 };
        },
      });
      rt.load(spec, { programs: [name] });
    } catch (e) {
      if (!got) got = { ms: 0, err: `${(e as Error).name}: ${(e as Error).message}` };
      else if (!got.r) got.err = (e as Error).message;
      if (got.r === undefined && !(e instanceof Error && "code" in e)) got.err = `CRASH ${(e as Error).stack ?? String(e)}`;
    } finally {
      rt?.close();
    }
    if (!got || (!got.r && !got.err?.startsWith("CRASH"))) {
      // The userspace runtime refused the object before verifying (a map type it cannot create,
      // such as stack_trace or xskmap, or its own load-time helper check): verify directly as
      // `ebpf verify` does, with the CO-RE-relocated instructions.
      try {
        let p = spec.programs.find((x) => x.name === name)!;
        if (p.coreRelos?.length) p = relocateObjectCore({ ...spec, programs: [p] }, btf()!).programs[0]!;
        const t0 = performance.now();
        const r = verify({ insns: p.instructions, progType: p.type, maps, hasFuncInfo: (p.funcInfo?.length ?? 0) > 0, ...(p.attachType ? { attachType: p.attachType } : {}), ...tracingInputs(p) }, { logLevel: 1, nrCpus: 2 });
        got = { r, ms: performance.now() - t0 };
      } catch (e) {
        got = { ms: 0, err: `CRASH ${(e as Error).stack ?? String(e)}` };
      }
    }
    out.set(name, got);
  }
  return out;
}

export function guessType(file: string, section: string): string | undefined {
  if (section === ".text" || section.startsWith(".")) return undefined;
  const base = file.split("/").pop() ?? "";
  if (/\/(cilium|ovs)\//.test(file)) return /xdp/.test(base) ? "xdp" : "sched_cls";
  // Loaded with tc (samples/bpf's tc_l2_redirect, tcbpf1, test_cgrp2_tc; prototype-kernel's tc_bench*)
  if (/\/(linux|prototype-kernel)\/(tc_|tcbpf|test_cgrp2_tc)/.test(file)) return "sched_cls";
  // Suricata attaches its non-XDP filters to AF_PACKET sockets (SO_ATTACH_BPF, PACKET_FANOUT_EBPF)
  if (/\/suricata\//.test(file) && !/xdp/.test(base)) return "socket_filter";
  // samples/bpf's lwt_len_hist: `ip route … encap bpf xmit obj lwt_len_hist_kern.o section len_hist`
  if (/\/linux\/lwt_len_hist_kern\.o$/.test(file)) return "lwt_xmit";
  return undefined;
}

/** The kernel's verdict and ours for every supported program of one object. */
export function agreeOnObject(file: string, label = file): Row[] {
  let spec: ObjectSpec;
  try {
    spec = loadObject(new Uint8Array(readFileSync(file)));
  } catch {
    return [];
  }
  const rows: Row[] = [];
  // Objects loaded by tc/ip rather than libbpf name their sections freely ("2/7", "from-netdev"):
  // Cilium's and OVS's programs are tc classifiers, or XDP in the *xdp* objects.
  for (const p of spec.programs) {
    const guess = guessType(file, p.sectionName);
    if (p.type === "unspec" && guess) (p as { type: string }).type = guess;
  }
  const names = spec.programs.filter((p) => SUPPORTED.has(p.type)).map((p) => p.name);
  for (const p of spec.programs) {
    if (!SUPPORTED.has(p.type)) rows.push({ file: label, prog: p.name, type: p.type, kernel: "skip", kernelMsg: "", ours: "skip", oursMsg: "", note: "program type not in src/progtypes" });
  }
  const kernelRows = new Map<string, Row>();
  for (const name of names) {
    const p = spec.programs.find((x) => x.name === name)!;
    const row: Row = { file: label, prog: name, type: p.type, kernel: "skip", kernelMsg: "", ours: "skip", oursMsg: "" };
    kernelRows.set(name, row);
    try {
      KernelCollection.load(spec, { programs: [name], targetBtf: btf, kconfig: hostKconfig() }).close();
      row.kernel = "ok";
    } catch (e) {
      if (e instanceof KernelError && e.command === "BPF_PROG_LOAD") {
        row.kernel = "reject";
        row.kernelMsg = lastMessage(e.log ?? "") || `errno ${e.errno}`;
      } else {
        row.kernelMsg = (e as Error).message;
      }
    }
    if (p.type === "tracing" && p.attachType !== "trace_raw_tp" && row.kernel === "reject" && row.kernelMsg === "errno 1") {
      // EPERM with an empty log: the host refused the trampoline program before its verifier ran
      // (some sandboxes forbid fentry/fexit/fmod_ret), so the kernel's verdict is unknown.
      row.kernel = "skip";
      row.note = "this host refuses trampoline (fentry/fexit/fmod_ret) programs before verifying them (EPERM, empty log)";
    }
    if (spec.bigEndian && row.kernel === "reject" && row.kernelMsg === "missing btf func_info") {
      // The Linux backend cannot load a big-endian object's BTF, so the kernel sees no func_info.
      row.kernel = "skip";
      row.note = "big-endian object: its BTF cannot be loaded into this (little-endian) kernel";
    }
  }
  // Ours only where the kernel could be asked.
  const ours = oursOnObject(spec, names.filter((n) => kernelRows.get(n)!.kernel !== "skip"));
  for (const name of names) {
    const row = kernelRows.get(name)!;
    const o = ours.get(name);
    if (!o) {
      rows.push(row);
      continue;
    }
    row.ms = o.ms;
    if (o.r) {
      row.ours = o.r.ok ? "ok" : "reject";
      row.oursMsg = o.r.error?.message ?? "";
      row.oursPc = o.r.error?.pc;
      row.processed = o.r.stats.processedInsns;
    } else if (o.err?.startsWith("CRASH")) {
      row.ours = "crash";
      row.oursMsg = o.err;
    } else {
      row.oursMsg = o.err ?? "";
    }
    rows.push(row);
  }
  return rows;
}

export interface Table {
  programs: number;
  bothOk: number;
  bothReject: number;
  sameMessage: number;
  kernelOnlyOk: number;
  oursOnlyOk: number;
  skipped: number;
  crashes: number;
}

export function tabulate(rows: readonly Row[]): Table {
  const t: Table = { programs: 0, bothOk: 0, bothReject: 0, sameMessage: 0, kernelOnlyOk: 0, oursOnlyOk: 0, skipped: 0, crashes: 0 };
  for (const r of rows) {
    if (r.ours === "crash") t.crashes++;
    if (r.kernel === "skip" || r.ours === "skip" || r.ours === "crash") {
      t.skipped++;
      continue;
    }
    t.programs++;
    if (r.kernel === "ok" && r.ours === "ok") t.bothOk++;
    else if (r.kernel === "reject" && r.ours === "reject") {
      t.bothReject++;
      if (r.kernelMsg === r.oursMsg) t.sameMessage++;
    } else if (r.kernel === "ok") t.kernelOnlyOk++;
    else t.oursOnlyOk++;
  }
  return t;
}
