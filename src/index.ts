// The whole package for Node: the browser-safe core plus the edges that need Node (the Linux
// backend through bpf(2), a directory pin store, the host's BTF and CPUs).
export * from "./core.js";
export * as kernel from "./kernel/index.js";
export { DirectoryPinStore, hostBtfLoader, hostCpuCount, hostKconfig } from "./runtime/node.js";
export { KernelCollection } from "./runtime/kernel.js";
