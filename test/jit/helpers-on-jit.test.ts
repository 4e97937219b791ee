/**
 * The helper and program-type suites, re-run with the JIT standing in for the interpreter: the
 * suites construct `new Interpreter(space, helpers)`, which this file maps to JitEngine (checked).
 * Their assertions are unchanged; the suites register under this file's name.
 */
import { afterAll, expect, vi } from "vitest";
import { JitEngine } from "../../src/jit/engine.js";

// doMock (not hoisted) after JitEngine has loaded the real interpreter module it builds on.
let engines = 0;
class CountedJit extends JitEngine {
  constructor(...args: ConstructorParameters<typeof JitEngine>) {
    super(...args);
    engines++;
  }
}
// doMock (not hoisted) after JitEngine has loaded the real interpreter module it builds on.
vi.doMock("../../src/vm/interpreter.js", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../src/vm/interpreter.js")>()),
  Interpreter: CountedJit,
}));
afterAll(() => expect(engines).toBeGreaterThan(10));

await import("../helpers/base.test.js");
await import("../helpers/maps.test.js");
await import("../progtypes/progtypes.test.js");
