import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bpfStatus } from "../../../src/kernel/status.js";
import { possibleCpus } from "../../../src/kernel/map.js";
import { createMap } from "../../../src/maps/create.js";
import { QueueStackMap } from "../../../src/maps/queue_stack.js";
import { AddressSpace } from "../../../src/vm/memory.js";
import { applyOps, cursorBytesFor, type Result, type Scenario, type Target } from "./ops.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../../..");

export interface Outcome {
  created: Result;
  results: Result[];
}

/** Why kernel differential tests cannot run here, or undefined when they can. */
export function kernelUnavailable(): string | undefined {
  const s = bpfStatus();
  if (!s.available) return s.reason;
  if (!existsSync(join(root, "node_modules/.bin/tsx"))) return "tsx is not installed";
  return undefined;
}

/** Runs the scenarios against the kernel in a child process pinned to CPU 0. */
export function runKernel(scenarios: Scenario[]): Outcome[] {
  const tsx = join(root, "node_modules/.bin/tsx");
  const args = [tsx, join(here, "kernel-runner.ts")];
  const pinned = spawnSync("taskset", ["-c", "0", ...args], { input: JSON.stringify(scenarios), encoding: "utf8", maxBuffer: 1 << 28 });
  const r = pinned.error ? spawnSync(args[0]!, args.slice(1), { input: JSON.stringify(scenarios), encoding: "utf8", maxBuffer: 1 << 28 }) : pinned;
  if (r.status !== 0) throw new Error(`kernel runner failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Outcome[];
}

/** The same scenarios against src/maps, with the kernel's CPU count. */
export function runOurs(scenarios: Scenario[], cpus = possibleCpus()): Outcome[] {
  return scenarios.map((s) => {
    const space = new AddressSpace();
    let m;
    try {
      m = createMap(s.spec, space, { cpus, hostCpu: 0 });
    } catch (e) {
      return { created: { err: (e as { code?: string }).code ?? String(e) }, results: [] };
    }
    const push = m instanceof QueueStackMap || m.info.type === 30 ? (v: Uint8Array, f: number) => m.update(undefined, v, f) : undefined;
    const results = applyOps(m as Target, s.ops, cursorBytesFor(s.spec.type, s.spec.keySize), push);
    return { created: { ok: { maxEntries: m.info.maxEntries, flags: m.info.flags } }, results };
  });
}
