import { HelperRegistry } from "../helpers/registry.js";

/** The id bpf_conformance and ubpf give the "unwind" helper. */
export const UNWIND_HELPER_ID = 5;

/**
 * Helpers the bpf_conformance suite expects of a plugin: helper 5 is ubpf's unwind — it returns
 * its argument, and when that is 0 the program stops at once with r0 = 0.
 */
export function conformanceHelpers(): HelperRegistry {
  return new HelperRegistry().register({
    id: UNWIND_HELPER_ID,
    name: "unwind",
    fn: (call) => {
      const v = call.arg(1);
      if (v === 0n) call.stop(0);
      return v;
    },
  });
}
