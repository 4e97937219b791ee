export * from "./registry.js";
export * from "./context.js";
export * from "./ids.js";
export { baseHelpers, type BaseHelperOptions } from "./base.js";
export { mapHelpers, tailCallResolver } from "./maps.js";
export { ringbufHelpers } from "./ringbuf.js";
export { perfHelpers } from "./perf.js";
export { TraceSink } from "./trace.js";
