/**
 * Differential tests of whole objects: the C fixtures in test/fixtures/runtime (xdp with
 * adjust_head, tc with the checksum helpers, per-CPU maps, global data and bpf-to-bpf calls, a
 * socket filter with LD_ABS/LD_IND, bpf_loop and for_each_map_elem, tail calls) and the sockex1
 * example, loaded into the userspace runtime and into the kernel, run on the same packets (crafted ones,
 * some too short for the kernel, then every packet of examples/sample.pcap) one after the other: retval, data_out (or the errno) and every map must be
 * equal after every packet.
 *
 * Per-CPU maps: BPF_PROG_TEST_RUN runs skb and xdp programs on the caller's CPU, so the kernel side
 * pins the calling thread to CPU 0 for each run (KernelCollection.testRun) and the runtime runs on
 * its default CPU 0 with as many CPUs as the host has possible CPUs; per-CPU values are then
 * compared CPU by CPU, exactly.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadObject } from "../../src/elf/index.js";
import { possibleCpus } from "../../src/kernel/map.js";
import type { TestRunResult } from "../../src/progtypes/test-run.js";
import type { DumpEntry } from "../../src/runtime/dump.js";
import { KernelCollection } from "../../src/runtime/kernel.js";
import { hostKconfig } from "../../src/runtime/node.js";
import { Runtime } from "../../src/runtime/runtime.js";
import { noBpf } from "../kernel/support.js";
import { readCapture } from "../../src/pcap/index.js";
import { packetSet, type NamedPacket } from "./packets.js";

const FIX = join(import.meta.dirname, "../fixtures/runtime");
const ROOT = join(import.meta.dirname, "../..");

interface Fixture {
  file: string;
  prog: string;
  /** Maps whose values are object ids (prog_array): compared by keys only. */
  idMaps?: string[];
}

const FIXTURES: Fixture[] = [
  { file: join(FIX, "xdp_adjust.o"), prog: "xdp_rewrite" },
  { file: join(FIX, "tc_csum.o"), prog: "tc_nat" },
  { file: join(FIX, "socket_ldabs.o"), prog: "ldabs_filter" },
  { file: join(FIX, "callbacks.o"), prog: "loop_sum" },
  { file: join(FIX, "tailcall.o"), prog: "stage1", idMaps: ["jump"] },
  { file: join(FIX, "globals.o"), prog: "globals", idMaps: ["outer"] },
  { file: join(ROOT, "examples/sockex1.o"), prog: "count_by_protocol" },
];

type Outcome = { retval: number; dataOut: string; ctxOut?: string } | { errno: string };

function outcome(f: () => TestRunResult): Outcome {
  try {
    const r = f();
    const o: Outcome = { retval: r.retval, dataOut: Buffer.from(r.dataOut).toString("hex") };
    if (r.ctxOut) o.ctxOut = Buffer.from(r.ctxOut).toString("hex");
    return o;
  } catch (e) {
    const err = e as { code?: string; log?: string };
    if (err.log || typeof err.code !== "string") throw e; // a verifier rejection is a broken fixture
    return { errno: err.code };
  }
}

function normalize(maps: Record<string, DumpEntry[]>, idMaps: string[] = []): Record<string, DumpEntry[]> {
  const out: Record<string, DumpEntry[]> = {};
  for (const [k, v] of Object.entries(maps)) out[k] = idMaps.includes(k) ? v.map((e) => ({ key: e.key })) : v;
  return out;
}

/** The crafted packets, then every packet of the example capture. */
function allPackets(): NamedPacket[] {
  const capture = [...readCapture(new Uint8Array(readFileSync(join(ROOT, "examples/sample.pcap"))))];
  return [...packetSet(), ...capture.map((p, i) => ({ name: `sample.pcap #${i + 1}`, data: p.data }))];
}

const stats = { packets: 0, runs: 0, mapsCompared: 0 };

describe.skipIf(noBpf)("whole objects: userspace runtime vs kernel", () => {
  afterAll(() => {
    console.log(`runtime differential: ${stats.runs} runs over ${stats.packets} packets, ${stats.mapsCompared} map comparisons, 0 mismatches`);
  });

  for (const fx of FIXTURES) {
    it(`${fx.file.split("/").pop()} (${fx.prog}): every packet, every map`, () => {
      const spec = loadObject(new Uint8Array(readFileSync(fx.file)));
      using rt = new Runtime({ cpus: possibleCpus(), perfBuffers: false, seed: 1, kconfig: hostKconfig() });
      const coll = rt.load(spec);
      using kc = KernelCollection.load(spec);
      const ours = coll.program(fx.prog);
      let refused = 0;
      for (const pkt of allPackets()) {
        const a = outcome(() => ours.testRun({ dataIn: pkt.data }));
        const b = outcome(() => kc.testRun(fx.prog, { dataIn: pkt.data }));
        expect(a, `${pkt.name}: retval and data_out`).toEqual(b);
        if ("errno" in b) refused++;
        const ma = normalize(coll.dumpMaps(), fx.idMaps);
        const mb = normalize(kc.dumpMaps(), fx.idMaps);
        expect(ma, `${pkt.name}: maps`).toEqual(mb);
        stats.packets++;
        stats.runs += 2;
        stats.mapsCompared += Object.keys(mb).length;
      }
      expect(refused).toBeGreaterThanOrEqual(3); // the too-short packets were refused by both
    });
  }

  it("repeat runs the program n times in both (maps count every run)", () => {
    const spec = loadObject(new Uint8Array(readFileSync(join(FIX, "tc_csum.o"))));
    using rt = new Runtime({ cpus: possibleCpus() });
    const coll = rt.load(spec);
    using kc = KernelCollection.load(spec);
    const pkt = packetSet().find((p) => p.name === "tcp 80")!.data;
    const a = outcome(() => coll.program("tc_nat").testRun({ dataIn: pkt, repeat: 5 }));
    const b = outcome(() => kc.testRun("tc_nat", { dataIn: pkt, repeat: 5 }));
    expect(a).toEqual(b);
    expect(coll.dumpMaps()).toEqual(kc.dumpMaps());
    const counts = coll.dumpMaps().pkt_count!;
    expect(counts[1]!.values![0]).toBe("0500000000000000");
  });

  it("per-CPU values land on the CPU the run was pinned to", () => {
    if (possibleCpus() < 2) return;
    const spec = loadObject(new Uint8Array(readFileSync(join(FIX, "tc_csum.o"))));
    using kc = KernelCollection.load(spec);
    const pkt = packetSet().find((p) => p.name === "tcp 80")!.data;
    kc.testRun("tc_nat", { dataIn: pkt, cpu: 1 });
    const counts = kc.dumpMaps().pkt_count!;
    expect(counts[1]!.values).toEqual(["0000000000000000", "0100000000000000", ...Array(possibleCpus() - 2).fill("0000000000000000")]);
  });
});
