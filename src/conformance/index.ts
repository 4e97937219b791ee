export * from "./data-file.js";
export * from "./helpers.js";
