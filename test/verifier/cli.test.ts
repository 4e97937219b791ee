/** `ebpf verify`: exit statuses and output for accepted, rejected and unreadable inputs. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { register } from "../../src/cli/commands/verify.js";
import { reportError } from "../../src/cli/main.js";

async function run(...args: string[]): Promise<{ status: number; out: string }> {
  const program = new Command("ebpf").exitOverride();
  register(program);
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    await program.parseAsync(args, { from: "user" });
    return { status: 0, out };
  } catch (e) {
    return { status: reportError(e), out };
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
}

const dir = mkdtempSync(join(tmpdir(), "ebpf-verify-"));
afterEach(() => vi.restoreAllMocks());

describe("ebpf verify", () => {
  it("accepts a safe object (exit 0)", async () => {
    const r = await run("verify", new URL("../fixtures/calls.o", import.meta.url).pathname);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/accepted/);
  });
  it("rejects with the kernel's log, the source line and a hint (exit 1)", async () => {
    const f = join(dir, "bad.s");
    writeFileSync(f, "r0 = *(u32 *)(r2 + 0)\nexit\n");
    const r = await run("verify", f);
    expect(r.status).toBe(1);
    expect(r.out).toContain("0: (61) r0 = *(u32 *)(r2 +0)\nR2 !read_ok\n");
    expect(r.out).toMatch(/hint: /);
  });
  it("prints JSON", async () => {
    const f = join(dir, "ok.s");
    writeFileSync(f, "r0 = 0\nexit\n");
    const r = await run("verify", f, "--json", "--log-level", "0");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.out)[0].ok).toBe(true);
  });
  it("exits 2 on bad input", async () => {
    expect((await run("verify", join(dir, "missing.o"))).status).toBe(2);
    expect((await run("verify", join(dir, "ok.s"), "--log-level", "7")).status).toBe(2);
  });
});
