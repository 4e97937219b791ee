import { join } from "node:path";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { register as registerBtf } from "../../src/cli/commands/btf.js";
import { register as registerProg } from "../../src/cli/commands/prog.js";
import { reportError } from "../../src/cli/main.js";
import { bpftool, FIXTURES, hasBpftool } from "../btf/oracle.js";

/** Runs the two commands in-process; returns stdout, stderr and the exit status main.ts would use. */
async function run(...args: string[]): Promise<{ out: string; err: string; status: number }> {
  const p = new Command("ebpf").exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerBtf(p);
  registerProg(p);
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => ((err += String(s)), true));
  let status = 0;
  try {
    await p.parseAsync(args, { from: "user" });
  } catch (x) {
    status = reportError(x);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { out, err, status };
}

const fx = (f: string) => join(FIXTURES, f);

describe("ebpf btf / ebpf prog", () => {
  beforeEach(() => vi.restoreAllMocks());
  afterEach(() => vi.restoreAllMocks());

  it.skipIf(!hasBpftool)("btf dump file F format c|raw prints what bpftool prints", async () => {
    for (const fmt of ["c", "raw"]) {
      const r = await run("btf", "dump", "file", fx("btf_kinds.o"), "format", fmt);
      expect(r.status).toBe(0);
      expect(r.out).toBe(bpftool(["btf", "dump", "file", fx("btf_kinds.o"), "format", fmt]));
    }
    const r = await run("btf", "dump", "f", fx("calls.o"));
    expect(r.out).toBe(bpftool(["btf", "dump", "file", fx("calls.o")]));
  });

  it("bad input exits 2 with a message, no stack", async () => {
    const r = await run("btf", "dump", "file", fx("Makefile"));
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/^ebpf: \w+: /);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect((await run("btf", "dump", "file", fx("calls.o"), "format", "xml")).status).toBe(2);
    expect((await run("btf", "dump", "id", "1")).status).toBe(2);
    expect((await run("prog", "dump", fx("calls.o"), "--prog", "nope")).status).toBe(2);
  });

  it("prog list names every program with its section, type and size", async () => {
    const r = await run("prog", "list", fx("legacy.o"));
    expect(r.out).toBe(
      "0: socket_filter  name prog_socket  section socket1  insns 12\n" +
        "1: kprobe  name prog_kprobe  section kprobe/sys_write  insns 12\n" +
        "2: cgroup_sock  name prog_cgroup_sock  section cgroup/sock1  attach_type cgroup_inet_sock_create  insns 2\n" +
        "3: sched_cls  name prog_optional  section tc  insns 2  autoload false\n",
    );
    const j = JSON.parse((await run("prog", "list", fx("btf_maps.o"), "--json")).out);
    expect(j.map((p: { name: string }) => p.name)).toEqual(["tail_a", "use_maps"]);
    expect(j[1]).toMatchObject({ section: "xdp", type: "xdp", attach_type: "xdp" });
  });

  it("prog dump shows signatures, source lines and maps by name", async () => {
    const r = await run("prog", "dump", fx("global_data.o"), "--linum", "--opcodes");
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^int data_user\(void \* ctx\):\n; /);
    expect(r.out).toMatch(/\[file:\S*global_data\.c line_num:\d+ line_col:\d+\]/);
    expect(r.out).toMatch(/ {3}0: \(18\) r1 = map\[name:\.rodata\]\[0\]\+0\n {7}18 21 00 00/);
    expect(r.out).toContain("map[name:.data][0]+4");
  });
});
