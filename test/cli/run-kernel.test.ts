/**
 * `ebpf run --json` through the CLI with --engine interp and --engine kernel: the same object on the
 * same packet gives the same retval, data_out and maps (durations aside; prog_array and map-in-map
 * values are object ids, compared by key). Skipped visibly where bpf(2) is not permitted.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { noBpf } from "../kernel/support.js";
import { packetSet } from "../runtime/packets.js";
import { ebpf } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "ebpf-run-kernel-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASES: { file: string; prog?: string; idMaps?: string[]; noVerify?: string }[] = [
  { file: "test/fixtures/runtime/xdp_adjust.o" },
  { file: "test/fixtures/runtime/tc_csum.o" },
  { file: "test/fixtures/runtime/socket_ldabs.o" },
  { file: "test/fixtures/runtime/callbacks.o" },
  { file: "test/fixtures/runtime/tailcall.o", prog: "stage1", idMaps: ["jump"] },
  { file: "test/fixtures/runtime/globals.o", idMaps: ["outer"] },
  { file: "test/fixtures/runtime/tc_reshape.o" },
  { file: "test/fixtures/runtime/xdp_bytes.o" },
];

const PACKETS = ["udp 53", "vxlan (decap)", "udp 9 (tag push)", "13 bytes"];

function normalized(stdout: string, idMaps: string[] = []): unknown {
  const o = JSON.parse(stdout) as { duration_ns: number; maps: Record<string, { key: string }[]> };
  o.duration_ns = 0;
  for (const m of idMaps) o.maps[m] = o.maps[m]!.map((e) => ({ key: e.key }));
  return o;
}

describe.skipIf(noBpf)("ebpf run: --engine interp and --engine kernel agree", () => {
  for (const c of CASES) {
    it(c.file.split("/").pop()!, () => {
      for (const name of PACKETS) {
        const pkt = join(dir, `${name.replace(/\W+/g, "_")}.bin`);
        writeFileSync(pkt, packetSet().find((p) => p.name === name)!.data);
        const args = ["run", c.file, "--data-in", pkt, "--json", ...(c.prog ? ["--prog", c.prog] : [])];
        const a = ebpf([...args, "--engine", "interp", ...(c.noVerify ? ["--no-verify"] : [])]);
        const b = ebpf([...args, "--engine", "kernel"]);
        expect(a.status, `${name}: ${a.stderr}`).toBe(b.status);
        if (b.status === 0) {
          expect(normalized(a.stdout, c.idMaps), name).toEqual(normalized(b.stdout, c.idMaps));
        } else {
          expect(b.status).toBe(2);
          expect(a.stderr.split(":")[1], name).toBe(b.stderr.split(":")[1]); // the same errno name
        }
      }
    });
  }

  it("the sample capture gives the same counts and maps", () => {
    const a = ebpf(["run", "examples/sockex1.o", "--pcap", "examples/sample.pcap", "--json"]);
    const b = ebpf(["run", "examples/sockex1.o", "--pcap", "examples/sample.pcap", "--json", "--engine", "kernel"]);
    expect(normalized(a.stdout)).toEqual(normalized(b.stdout));
  });
});
