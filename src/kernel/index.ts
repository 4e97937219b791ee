/**
 * The Linux backend: bpf(2) through koffi (an optional dependency, loaded on first use).
 * Node-only; the browser-safe core never imports this module.
 */
export * from "./errors.js";
export * from "./constants.js";
export { ffiAvailable, bpfSyscallNumber } from "./ffi.js";
export { bpf, bpfRaw } from "./syscall.js";
export { KernelObject } from "./fd.js";
export { KernelProgram, type ProgramLoadOptions, type TestRunOptions, type TestRunResult, type BtfExtRecords } from "./program.js";
export { KernelMap, possibleCpus, type MapCreateOptions, type BatchResult } from "./map.js";
export { KernelLink, type LinkCreateOptions } from "./link.js";
export { KernelBtf } from "./btf.js";
export { ensureBpffs, bpffsMounts, DEFAULT_BPFFS } from "./pin.js";
export { programIds, mapIds, btfIds, linkIds, nextProgramId, nextMapId } from "./ids.js";
export { programInfo, mapInfo, btfInfo, linkInfo, type ProgramInfo, type MapInfo, type BtfInfo, type LinkInfo } from "./info.js";
export { runInKernel, runLoaded, type KernelRunnable, type KernelRunInput, type KernelRunResult } from "./engine.js";
export { bpfStatus, jitEnabled, type BpfStatus } from "./status.js";
