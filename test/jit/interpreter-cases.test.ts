import { describe } from "vitest";
import { executeJit, JitEngine } from "../../src/jit/index.js";
import { engineCases } from "../vm/engine-cases.js";

// Every interpreter behaviour case, unchanged, on the JIT in checked mode (the default).
describe("JIT runs the interpreter's cases", () => {
  engineCases({ execute: (insns, options) => executeJit(insns, options), create: (space, helpers) => new JitEngine(space, helpers) });
});
