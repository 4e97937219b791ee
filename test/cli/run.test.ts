/** `ebpf run`: the README's main command, output shapes, pins, errors (exit 2, no stack trace). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ebpf, ROOT } from "./helpers.js";
import { eth, ipv4, tcp, udp } from "../runtime/packets.js";

const FIX = "test/fixtures/runtime";
const dir = mkdtempSync(join(tmpdir(), "ebpf-run-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const udp53 = file("udp53.bin", eth(0x0800, ipv4(17, udp(53))));
const short = file("short.bin", new Uint8Array(9));

function expectBadInput(r: ReturnType<typeof ebpf>, code: string, pattern: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(new RegExp(`^ebpf: ${code}: `));
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe("ebpf run", () => {
  it("the README's main command: sockex1 over the sample capture", () => {
    const r = ebpf(["run", "examples/sockex1.o", "--pcap", "examples/sample.pcap"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.replace(/Duration \(average\): \d+ns/, "Duration (average): Nns")).toBe(
      [
        "Packets: 40 (14143 bytes)",
        "Return values:",
        "  0: 40 packets",
        "Duration (average): Nns",
        "map proto_stats:",
        "  key: 01 00 00 00  value: 05 00 00 00 00 00 00 00 a4 01 00 00 00 00 00 00",
        "  key: 06 00 00 00  value: 14 00 00 00 00 00 00 00 a6 27 00 00 00 00 00 00",
        "  key: 11 00 00 00  value: 0a 00 00 00 00 00 00 00 55 0a 00 00 00 00 00 00",
        "  (253 elements all zero, not shown)",
        "",
      ].join("\n"),
    );
  });

  it("--pcap --json: return values counted and every map", () => {
    const r = ebpf(["run", "examples/sockex1.o", "--pcap", "examples/sample.pcap", "--json"]);
    expect(r.status).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(Object.keys(o)).toEqual(["packets", "bytes", "retvals", "errors", "duration_ns", "maps"]);
    expect(o).toMatchObject({ packets: 40, bytes: 14143, retvals: { "0": 40 }, errors: {} });
    expect(o.maps.proto_stats).toHaveLength(256);
    expect(o.maps.proto_stats[6]).toEqual({ key: "06000000", value: "1400000000000000a627000000000000" });
  });

  it("--json after exactly one run: retval, duration_ns, data_out and every map by its object name", () => {
    const r = ebpf(["run", `${FIX}/tc_csum.o`, "--data-in", udp53, "--json", "--cpus", "2"]);
    expect(r.stderr).toBe("");
    const o = JSON.parse(r.stdout);
    expect(Object.keys(o)).toEqual(["retval", "duration_ns", "data_out", "maps"]);
    expect(o.retval).toBe(7);
    expect(typeof o.duration_ns).toBe("number");
    expect(o.data_out).toMatch(/^0200000000020200000000010800/);
    expect(Object.keys(o.maps).sort()).toEqual([".bss", ".data", ".rodata", "bytes_by_daddr", "pkt_count"]);
    expect(o.maps.pkt_count[2]).toEqual({ key: "02000000", values: ["0100000000000000", "0000000000000000"] });
    expect(o.maps[".bss"]).toEqual([{ key: "00000000", value: "01000000000000002f00000000000000" }]);
  });

  it("plain output is bpftool prog run's, with data_out as its hex dump", () => {
    const one = ebpf(["run", `${FIX}/socket_ldabs.o`, "--data-in", udp53]);
    expect(one.stdout).toMatch(/^Return value: 33, duration: \d+ns\n$/);
    const rep = ebpf(["run", `${FIX}/socket_ldabs.o`, "--data-in", udp53, "--repeat", "3", "--data-out", "-"]);
    expect(rep.stdout).toMatch(/^0000000\t0000 0000 0000 0000 0000 0000 0000 4500 \| \.\.\.\.\.\.\.\. \.\.\.\.\.\.E\.\n/);
    expect(rep.stdout).toMatch(/\nReturn value: 33, duration \(average\): \d+ns\n$/);
    const out = join(dir, "out.bin");
    expect(ebpf(["run", `${FIX}/xdp_adjust.o`, "--data-in", udp53, "--data-out", out]).status).toBe(0);
    expect(readFileSync(out).subarray(0, 6)).toEqual(Buffer.from([2, 0, 0, 0, 0, 1])); // MACs swapped (XDP_TX)
  });

  it("--ctx-in / --ctx-out", () => {
    const len = eth(0x0800, ipv4(17, udp(53))).length;
    const md = new Uint8Array(24); // struct xdp_md: data 0, data_end = the whole packet
    new DataView(md.buffer).setUint32(4, len, true);
    const r = ebpf(["run", `${FIX}/xdp_adjust.o`, "--data-in", udp53, "--ctx-in", file("ctx.bin", md), "--json"]);
    const o = JSON.parse(r.stdout);
    expect(o.retval).toBe(3);
    expect(o.ctx_out).toBe(`00000000${len.toString(16)}000000${"00".repeat(16)}`);
    const out = join(dir, "ctx_out.bin");
    expect(ebpf(["run", `${FIX}/xdp_adjust.o`, "--data-in", udp53, "--ctx-in", join(dir, "ctx.bin"), "--ctx-out", out]).status).toBe(0);
    expect(readFileSync(out)).toEqual(Buffer.from(md));
    expectBadInput(ebpf(["run", `${FIX}/xdp_adjust.o`, "--data-in", udp53, "--ctx-out", "-"]), "EINVAL", /--ctx-out needs --ctx-in/);
  });

  it("--engine jit runs the same program, or says clearly that the JIT is not there", () => {
    const r = ebpf(["run", "examples/sockex1.o", "--data-in", udp53, "--json", "--engine", "jit"]);
    if (r.status === 0) {
      const ref = JSON.parse(ebpf(["run", "examples/sockex1.o", "--data-in", udp53, "--json"]).stdout);
      const o = JSON.parse(r.stdout);
      expect({ ...o, duration_ns: 0 }).toEqual({ ...ref, duration_ns: 0 });
    } else {
      expectBadInput(r, "ENOTSUPP", /--engine jit/);
    }
  });

  it("maps pinned by name persist between runs in --pin-dir; a mismatched pin is refused and kept", () => {
    const pins = join(dir, "pins");
    const args = ["run", `${FIX}/tailcall.o`, "--prog", "stage1", "--data-in", udp53, "--json", "--pin-dir", pins];
    expect(JSON.parse(ebpf(args).stdout).maps.pinned_counts[0].value).toBe("0100000000000000");
    expect(JSON.parse(ebpf(args).stdout).maps.pinned_counts[0].value).toBe("0200000000000000");
    const pinned = readFileSync(join(pins, "pinned_counts"), "utf8");
    writeFileSync(join(pins, "pinned_counts"), pinned.replace('"valueSize":8', '"valueSize":4'));
    const bad = readFileSync(join(pins, "pinned_counts"));
    expectBadInput(ebpf(args), "EINVAL", /pinned map at pinned_counts does not match.*value_size 4 pinned, 8 in the object/);
    expect(readFileSync(join(pins, "pinned_counts"))).toEqual(bad);
  });

  it("a packet the kernel would refuse is EINVAL; in a capture it is counted", () => {
    expectBadInput(ebpf(["run", `${FIX}/xdp_adjust.o`, "--data-in", short]), "EINVAL", /needs at least 14/);
    expectBadInput(ebpf(["run", `${FIX}/tc_csum.o`, "--data-in", file("ipshort.bin", eth(0x0800, new Uint8Array(10)))]), "EINVAL", /network header/);
    // a capture with a 9-byte packet in it
    const pcap = new Uint8Array(24 + 16 + 9 + 16 + 54);
    const v = new DataView(pcap.buffer);
    v.setUint32(0, 0xa1b2c3d4, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, 65535, true);
    v.setUint32(20, 1, true);
    v.setUint32(24 + 8, 9, true);
    v.setUint32(24 + 12, 9, true);
    const second = 24 + 16 + 9;
    v.setUint32(second + 8, 54, true);
    v.setUint32(second + 12, 54, true);
    pcap.set(eth(0x0800, ipv4(6, tcp(80))), second + 16);
    const r = ebpf(["run", `${FIX}/xdp_adjust.o`, "--pcap", file("mixed.pcap", pcap), "--json"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ packets: 2, retvals: { "3": 1 }, errors: { EINVAL: 1 } });
  });

  it("bad input: typed errors, exit status 2, no stack trace", () => {
    expectBadInput(ebpf(["run", "examples/sockex1.o", "--prog", "nope", "--data-in", udp53]), "ENOENT", /no program named 'nope'.*count_by_protocol/);
    expectBadInput(ebpf(["run", `${FIX}/tailcall.o`, "--data-in", udp53]), "EINVAL", /3 programs; choose one with --prog/);
    expectBadInput(ebpf(["run", "nothere.o"]), "ENOENT", /cannot read nothere\.o/);
    expectBadInput(ebpf(["run", "examples/sockex1.o", "--data-in", "nothere.bin"]), "ENOENT", /nothere\.bin/);
    expectBadInput(ebpf(["run", "examples/sockex1.c"]), "ENOEXEC|EINVAL", /./);
    expectBadInput(ebpf(["run", "examples/sockex1.o", "--pcap", "examples/sockex1.c"]), "EINVAL", /not a pcap or pcapng file/);
    const truncated = file("trunc.pcap", readFileSync(join(ROOT, "examples/sample.pcap")).subarray(0, 100));
    expectBadInput(ebpf(["run", "examples/sockex1.o", "--pcap", truncated]), "EINVAL", /truncated/);
    expectBadInput(ebpf(["run", "examples/sockex1.o", "--engine", "vm"]), "EINVAL", /--engine must be/);
    expectBadInput(ebpf(["run", "examples/sockex1.o", "--repeat", "0", "--data-in", udp53]), "EINVAL", /--repeat/);
    expectBadInput(ebpf(["run", "examples/sockex1.o", "--pcap", "examples/sample.pcap", "--data-in", udp53]), "EINVAL", /cannot be combined/);
  });
});
