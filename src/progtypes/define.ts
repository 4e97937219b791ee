import { KERNEL_HELPERS } from "./helper-table.js";
import type { ProgramTypeSpec } from "./types.js";

/** The helpers the kernel lets `type` call (see helper-table.ts). */
export function kernelHelpers(type: string): ReadonlySet<string> {
  return new Set(KERNEL_HELPERS[type] ?? []);
}

export function defineProgramType(spec: ProgramTypeSpec): ProgramTypeSpec {
  return Object.freeze(spec);
}
