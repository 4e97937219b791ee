import { describe, expect, it } from "vitest";
import { ebpf } from "./helpers.js";

// The bpf_conformance runner's encoding: two hex digits and two spaces per byte.
const enc = (hex: string) => hex.replace(/\s+/g, "").replace(/(..)/g, "$1  ");

describe("ebpf conformance-plugin", () => {
  it("reads the program from stdin, memory from the first argument, prints r0 in hex", () => {
    // r0 = *(u32 *)(r1 + 0) + r2
    const prog = enc("61 10 00 00 00 00 00 00 0f 20 00 00 00 00 00 00 95 00 00 00 00 00 00 00");
    const r = ebpf(["conformance-plugin", enc("01 00 00 00")], prog + "\n");
    expect(r.stdout).toBe("5\n");
    expect(r.status).toBe(0);
  });

  it("accepts the runner's empty memory argument and options passed as one string", () => {
    const prog = enc("b7 00 00 00 2a 00 00 00 95 00 00 00 00 00 00 00");
    expect(ebpf(["conformance-plugin", "", ""], prog).stdout).toBe("2a\n");
    expect(ebpf(["conformance-plugin", "--engine interp"], prog).stdout).toBe("2a\n");
  });

  it("provides helper 5 (unwind): a zero argument stops the program with r0 = 0", () => {
    // r1 = 0; call 5; r0 = 2; exit
    const prog = enc("b7 01 00 00 00 00 00 00 85 00 00 00 05 00 00 00 b7 00 00 00 02 00 00 00 95 00 00 00 00 00 00 00");
    expect(ebpf(["conformance-plugin"], prog).stdout).toBe("0\n");
  });

  it("fails with a message on stderr and a non-zero status", () => {
    const r = ebpf(["conformance-plugin"], enc("b7 00 00 00"));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/not a multiple of 8/);
    expect(r.stdout).toBe("");
  });
});

describe("ebpf conformance-plugin --elf", () => {
  it("takes the object's main function as the program", async () => {
    const { readFileSync } = await import("node:fs");
    const obj = readFileSync(new URL("../fixtures/plugin_main.o", import.meta.url));
    const r = ebpf(["conformance-plugin", enc("01 02 03 04"), "--elf"], enc(obj.toString("hex")));
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("a\n");
  });
});
