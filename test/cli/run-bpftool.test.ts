/**
 * `ebpf run --engine kernel` against bpftool itself: the same object loaded by bpftool (libbpf)
 * and test-run with `bpftool prog run … data_in … data_out …` gives the same return value and
 * data out as our loader does through bpf(2). Skipped visibly without bpf(2) or bpftool.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { noBpf } from "../kernel/support.js";
import { packetSet } from "../runtime/packets.js";
import { ebpf, ROOT } from "./helpers.js";

const haveBpftool = spawnSync("bpftool", ["version"]).status === 0;
if (!haveBpftool) console.warn("bpftool not installed: the bpftool comparison is skipped");
const dir = mkdtempSync(join(tmpdir(), "ebpf-bpftool-"));
const pin = `/sys/fs/bpf/ebpf-ts-test-${process.pid}`;
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  spawnSync("rm", ["-rf", pin]);
});

const OBJECTS = ["examples/sockex1.o", "test/fixtures/runtime/xdp_adjust.o", "test/fixtures/runtime/tc_csum.o", "test/fixtures/runtime/socket_ldabs.o"];
const PACKETS = ["udp 53", "vxlan (decap)", "tcp 80", "udp 9 (tag push)", "icmp echo"];

describe.skipIf(noBpf || !haveBpftool)("ebpf run --engine kernel matches bpftool prog run", () => {
  for (const obj of OBJECTS) {
    it(obj, () => {
      spawnSync("rm", ["-rf", pin]);
      const load = spawnSync("bpftool", ["prog", "loadall", join(ROOT, obj), pin], { encoding: "utf8" });
      expect(load.status, load.stderr).toBe(0);
      const progPin = join(pin, spawnSync("ls", [pin], { encoding: "utf8" }).stdout.trim().split("\n")[0]!);
      for (const name of PACKETS) {
        const pkt = packetSet().find((p) => p.name === name)!;
        const dataIn = join(dir, "in.bin");
        const dataOut = join(dir, "out.bin");
        writeFileSync(dataIn, pkt.data);
        const b = spawnSync("bpftool", ["prog", "run", "pinned", progPin, "data_in", dataIn, "data_out", dataOut], { encoding: "utf8" });
        const ours = ebpf(["run", obj, "--engine", "kernel", "--data-in", dataIn, "--json"]);
        expect(b.status, b.stderr).toBe(0);
        expect(ours.status, ours.stderr).toBe(0);
        const retval = Number(/Return value: (\d+)/.exec(b.stdout + b.stderr)![1]);
        const j = JSON.parse(ours.stdout) as { retval: number; data_out: string };
        expect(j.retval, `${obj} ${name}`).toBe(retval);
        expect(j.data_out, `${obj} ${name}`).toBe(readFileSync(dataOut).toString("hex"));
      }
    });
  }
});
