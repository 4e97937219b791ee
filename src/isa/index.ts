export * from "./opcodes.js";
export * from "./instruction.js";
export * from "./codec.js";
export * from "./validate.js";
export * as build from "./build.js";
