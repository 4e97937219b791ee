/**
 * PREVAIL's YAML cases (../shared/corpus/prevail): every case whose pre-state Linux's model can
 * express is verified; the table of agreement is printed (prevail-agreement.ts -v lists each
 * disagreement). PREVAIL is another verifier, not the kernel: disagreements are expected and
 * classified, so the test checks that the cases run, not that they agree.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { prevailDir, readCases, runCase, tabulatePrevail, yamlLoader } from "./prevail-agreement.js";

const loadAll = await yamlLoader();
const why = !existsSync(prevailDir) ? `${prevailDir} is not here` : !loadAll ? "js-yaml is not installed" : "";

describe("PREVAIL cases", () => {
  it.skipIf(why !== "")(`run every expressible case${why ? ` (skipped: ${why})` : ""}`, () => {
    const rows = readCases(loadAll!).map(runCase);
    const t = tabulatePrevail(rows);
    console.log(`PREVAIL: ${JSON.stringify({ cases: t.cases, run: t.run, agree: t.agree, oursOnlyOk: t.oursOnlyOk, prevailOnlyOk: t.prevailOnlyOk })}`);
    expect(t.cases).toBeGreaterThan(0);
    expect(t.run).toBeGreaterThan(0);
    expect(t.bothOk + t.bothReject + t.oursOnlyOk + t.prevailOnlyOk).toBe(t.run);
  });
});
