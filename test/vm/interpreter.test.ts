import { Interpreter, execute } from "../../src/vm/index.js";
import { engineCases } from "./engine-cases.js";

// The cases live in engine-cases.ts so the JIT runs the very same table (test/jit).
engineCases({ execute, create: (space, helpers) => new Interpreter(space, helpers) });
