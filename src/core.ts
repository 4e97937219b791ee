// The browser-safe core: no Node-only imports may appear below this module.
export * from "./errors.js";
export * as isa from "./isa/index.js";
export * from "./vm/index.js";
export * from "./helpers/registry.js";
