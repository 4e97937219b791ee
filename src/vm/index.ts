export * from "./memory.js";
export * from "./image.js";
export * from "./interpreter.js";
export * from "./execute.js";
