import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "../btf/oracle.js";

const hasClang = spawnSync("clang", ["--version"], { stdio: "ignore" }).status === 0;
const hasMake = spawnSync("make", ["--version"], { stdio: "ignore" }).status === 0;

describe.skipIf(!hasClang || !hasMake)("committed fixture objects", () => {
  it("are what test/fixtures/Makefile builds from the sources (run `make -C test/fixtures` if not)", () => {
    const dir = mkdtempSync(join(tmpdir(), "ebpf-fixtures-"));
    try {
      for (const f of readdirSync(FIXTURES)) if (f.endsWith(".c") || f === "Makefile") copyFileSync(join(FIXTURES, f), join(dir, f));
      const r = spawnSync("make", ["-s", "-C", dir], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const built = readdirSync(dir).filter((f) => f.endsWith(".o")).sort();
      expect(readdirSync(FIXTURES).filter((f) => f.endsWith(".o")).sort()).toEqual(built);
      for (const f of built) {
        // -fdebug-prefix-map makes the build independent of the directory
        expect(Buffer.compare(readFileSync(join(dir, f)), readFileSync(join(FIXTURES, f))), `${f} is stale`).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
