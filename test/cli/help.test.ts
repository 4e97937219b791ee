import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands/index.js";
import { ebpf } from "./helpers.js";

describe("every command loads and prints its help", () => {
  it("ebpf --help lists them all", () => {
    const r = ebpf(["--help"]);
    expect(r.status).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(r.stdout).toContain(name);
  });
  for (const name of Object.keys(COMMANDS).filter((n) => n !== "conformance-plugin")) {
    it(name, () => {
      const r = ebpf([name, "--help"]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^Usage: ebpf /);
    });
  }
  it("an unknown command is bad input", () => {
    expect(ebpf(["frobnicate"]).status).toBe(2);
  });
});
