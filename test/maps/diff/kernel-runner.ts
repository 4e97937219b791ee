/**
 * Child process of the differential tests: reads scenarios (JSON) on stdin, runs each against a
 * kernel map, prints [{created, results}] on stdout. Run pinned to one CPU (taskset -c 0) so
 * per-CPU state (LRU local lists, per-CPU values) is the CPU the userspace side models.
 */
import { readFileSync } from "node:fs";
import { KernelMap } from "../../../src/kernel/index.js";
import { applyOps, cursorBytesFor, type Scenario } from "./ops.js";

const scenarios = JSON.parse(readFileSync(0, "utf8")) as Scenario[];
const out = scenarios.map((s) => {
  let m: KernelMap;
  try {
    m = KernelMap.create({ ...s.spec, mapExtra: s.spec.mapExtra });
  } catch (e) {
    return { created: { err: (e as { code?: string }).code ?? String(e) }, results: [] };
  }
  try {
    const info = m.info();
    const results = applyOps(m, s.ops, cursorBytesFor(s.spec.type, s.spec.keySize), (v, f) => m.push(v, f));
    return { created: { ok: { maxEntries: info.maxEntries, flags: info.flags } }, results };
  } finally {
    m.close();
  }
});
process.stdout.write(JSON.stringify(out));
