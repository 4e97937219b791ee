/**
 * The helper registry's prototypes (src/helpers, written for the runtime) override the verifier's
 * built-in table when present, so the two must say the same thing: for every helper id in both,
 * the return type and the argument types agree after normalisation (names parsed to the kernel's
 * enum values, trailing ARG_DONTCARE dropped).
 */
import { describe, expect, it } from "vitest";
import { baseHelpers } from "../../src/helpers/base.js";
import { mapHelpers } from "../../src/helpers/maps.js";
import { perfHelpers } from "../../src/helpers/perf.js";
import { ringbufHelpers } from "../../src/helpers/ringbuf.js";
import type { HelperDef } from "../../src/helpers/registry.js";
import { MapTable } from "../../src/maps/index.js";
import { AddressSpace } from "../../src/vm/memory.js";
import { BUILTIN_PROTOS, parseProto, type ParsedProto } from "../../src/verifier/protos.js";

function normalise(p: ParsedProto | undefined): ParsedProto | undefined {
  if (!p) return undefined;
  const args = [...p.args];
  while (args.length && args[args.length - 1] === 0) args.pop();
  return { ret: p.ret, args };
}

const table = new MapTable(new AddressSpace());
const defs: HelperDef[] = [...baseHelpers(), ...mapHelpers(table), ...ringbufHelpers(table), ...perfHelpers(table)];

describe("registry prototypes agree with the verifier's built-in table", () => {
  const shared = defs.filter((d) => d.proto && BUILTIN_PROTOS[d.id]);
  it("covers the helpers both define", () => {
    expect(shared.length).toBeGreaterThan(30);
  });
  for (const d of shared) {
    it(`${d.name}#${d.id}`, () => {
      const fromRegistry = normalise(parseProto(d.proto!));
      expect(fromRegistry, `registry proto of ${d.name} parses`).toBeDefined();
      expect(fromRegistry).toEqual(normalise(parseProto(BUILTIN_PROTOS[d.id]!)));
    });
  }
});
