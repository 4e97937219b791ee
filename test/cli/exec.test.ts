import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ebpf } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "ebpf-cli-"));

describe("ebpf exec", () => {
  it("runs the README's example on memory and prints r0", () => {
    const r = ebpf(["exec", "examples/checksum.s", "--mem-hex", "01 02 03 04 05 06 07 08"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("0x24\n");
    expect(r.status).toBe(0);
  });

  it("runs the ubpf-dialect example with a local call", () => {
    expect(ebpf(["exec", "examples/fib.s"]).stdout).toBe(`0x${(102334155).toString(16)}\n`);
  });

  it("runs raw bytecode and hex files, and prints JSON", () => {
    const bin = join(tmp, "p.bin");
    writeFileSync(bin, Buffer.from("b7000000070000009500000000000000", "hex"));
    expect(ebpf(["exec", bin]).stdout).toBe("0x7\n");
    const hex = join(tmp, "p.hex");
    writeFileSync(hex, "b7 00 00 00 ff ff ff ff\n95 00 00 00 00 00 00 00\n");
    const j = JSON.parse(ebpf(["exec", hex, "--json"]).stdout);
    expect(j).toMatchObject({ r0: "0xffffffffffffffff", r0_signed: "-1", steps: 2 });
  });

  it("reports bad input with exit 2, a code, a place, and no stack trace", () => {
    const cases: [string[], RegExp][] = [
      [["exec", join(tmp, "missing.s")], /ebpf: ENOENT: cannot read .*missing\.s/],
      [["exec", "--hex", writeTmp("trunc.hex", "b7 00 00 00 00 00 00")], /not a multiple of 8/],
      [["exec", "--hex", writeTmp("lddw.hex", "18 00 00 00 00 00 00 00")], /pc 0: lddw is missing its second half/],
      [["exec", "--hex", writeTmp("op.hex", "ff 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00")], /pc 0: unknown opcode ff/],
      [["exec", "--hex", writeTmp("jmp.hex", "05 00 05 00 00 00 00 00 95 00 00 00 00 00 00 00")], /pc 0: jump out of range/],
      [["exec", "--hex", writeTmp("reg.hex", "b7 0c 00 00 00 00 00 00 95 00 00 00 00 00 00 00")], /R12 is invalid/],
      [["exec", "--hex", writeTmp("helper.hex", "85 00 00 00 63 00 00 00 95 00 00 00 00 00 00 00")], /unknown helper id 99/],
      [["exec", writeTmp("bad.s", "r0 = 1\nr0 +== 2\nexit\n")], /bad\.s:2:\d+: /],
      [["exec", "--hex", writeTmp("fault.hex", "61 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00")], /pc 0: invalid read of 4 bytes at 0x0/],
      [["exec", "--budget", "100", "--hex", writeTmp("loop.hex", "05 00 ff ff 00 00 00 00 95 00 00 00 00 00 00 00")], /instruction budget of 100 exhausted/],
    ];
    for (const [args, msg] of cases) {
      const r = ebpf(args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

function writeTmp(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

describe("ebpf exec on objects", () => {
  it("runs the only program of an ELF object, or the one --prog names", () => {
    expect(ebpf(["exec", "test/fixtures/plugin_main.o", "--mem-hex", "01 02 03"]).stdout).toBe("0x6\n");
    const r = ebpf(["exec", "test/fixtures/runtime/tailcall.o"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/has 3 programs \(stage2, stage3, stage1\): choose one with --prog/);
    expect(ebpf(["exec", "examples/sockex1.o"]).stderr).toMatch(/refers to a map: load the object with a runtime \(ebpf run\)/);
  });
});
