export { JitEngine, type JitOptions, type JitProgram } from "./engine.js";
export { executeJit } from "./execute.js";
export { compileToWasm, type CompiledWasm, type JitLayout } from "./codegen.js";
