import { describe, expect, it } from "vitest";
import { kernelUnavailable, runKernel, runOurs } from "./diff/harness.js";
import { createScenarios, elementScenarios } from "./diff/scenarios.js";
import { possibleCpus } from "../../src/kernel/map.js";

const why = kernelUnavailable();
if (why) console.warn(`kernel differential tests skipped: ${why}`);

describe.skipIf(why !== undefined)("maps against the kernel (same operations, same results)", () => {
  it("BPF_MAP_CREATE: same errno for each bad spec, same stored max_entries and flags", () => {
    const sc = createScenarios();
    const k = runKernel(sc);
    const u = runOurs(sc);
    for (let i = 0; i < sc.length; i++) expect({ name: sc[i]!.name, ...u[i]!.created }).toEqual({ name: sc[i]!.name, ...k[i]!.created });
  });

  const sc = elementScenarios(possibleCpus());
  const kernel = why ? [] : runKernel(sc);
  const ours = why ? [] : runOurs(sc);
  sc.forEach((s, i) => {
    it(s.name, () => {
      expect(ours[i]!.created).toEqual(kernel[i]!.created);
      const k = kernel[i]!.results;
      const u = ours[i]!.results;
      expect(u.length).toBe(k.length);
      for (let j = 0; j < k.length; j++) expect({ op: j, what: s.ops[j], got: u[j] }).toEqual({ op: j, what: s.ops[j], got: k[j] });
    });
  });
});
