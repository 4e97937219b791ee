import { KERNEL_HELPERS } from "./helper-table.js";
import type { ProgramTypeSpec } from "./types.js";

/** The helpers the kernel lets `type` call (see helper-table.ts). */
export function kernelHelpers(type: string): ReadonlySet<string> {
  return new Set(KERNEL_HELPERS[type] ?? []);
}

/**
 * The helpers the kernel lets `type` call with expected attach type `attachType` (the table holds a
 * "type:attach_type" entry where the set differs from the type's).
 */
export function kernelHelpersFor(type: string): (attachType: string | undefined) => ReadonlySet<string> {
  const cache = new Map<string, ReadonlySet<string>>();
  const base = kernelHelpers(type);
  return (attachType) => {
    if (attachType === undefined) return base;
    let s = cache.get(attachType);
    if (!s) {
      const list = KERNEL_HELPERS[`${type}:${attachType}`];
      s = list ? new Set(list) : base;
      cache.set(attachType, s);
    }
    return s;
  };
}

export function defineProgramType(spec: ProgramTypeSpec): ProgramTypeSpec {
  return Object.freeze(spec);
}

/** The helpers a type may call with the given expected attach type (the kernel's func_proto). */
export function helpersFor(spec: ProgramTypeSpec, attachType: string | undefined): ReadonlySet<string> {
  return spec.helpersFor ? spec.helpersFor(attachType ?? spec.defaultAttachType) : spec.helpers;
}

/** The range check_return_code enforces on r0 for the type and expected attach type. */
export function returnRangeFor(spec: ProgramTypeSpec, attachType: string | undefined): readonly [number, number] | undefined {
  return spec.returnRangeFor ? spec.returnRangeFor(attachType ?? spec.defaultAttachType) : spec.returnRange;
}
