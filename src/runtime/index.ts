/**
 * The runtime: loads objects into collections of maps and programs, owns ids, helpers and the
 * pin store interface. Browser-safe; Node-only parts are `./node.js` (directory pin store, host
 * BTF and CPUs) and `./kernel.js` (the same objects loaded into the real kernel).
 */
export {
  Runtime,
  Collection,
  LoadedMap,
  LoadedProgram,
  toMapSpec,
  kernelMapName,
  bindMapReferences,
  kconfigContents,
  type RuntimeOptions,
  type LoadOptions,
  type Engine,
  type EngineFactory,
  type VerifyHook,
  type VerifyRequest,
  type ProgramTestRunOptions,
  type ProgramRunOptions,
} from "./runtime.js";
export {
  MemoryPinStore,
  PinMismatchError,
  normalizePinPath,
  encodePinnedMap,
  decodePinnedMap,
  toHex,
  fromHex,
  type PinStore,
  type PinnedMap,
} from "./pin-store.js";
export { dumpEntries, hexDump, PERCPU_MAP_TYPES, UNDUMPABLE_MAP_TYPES, HASHED_MAP_TYPES, type DumpEntry, type DumpSource } from "./dump.js";
export { encodeBtfForKernel } from "./btf-encode.js";
