import { EbpfError } from "../errors.js";
import { JitEngine } from "../jit/engine.js";
import type { ExecuteOptions } from "../vm/execute.js";

export const BARE_ENGINES = ["interp", "jit"] as const;

/** The engine factory for a bare-program run (`exec`, `conformance-plugin`): interp or jit. */
export function bareEngine(name: string): ExecuteOptions["engine"] {
  switch (name) {
    case "interp":
      return undefined;
    case "jit":
      return (space, helpers) => new JitEngine(space, helpers);
    default:
      throw new EbpfError("EINVAL", `unknown engine '${name}' (choose ${BARE_ENGINES.join(" or ")})`);
  }
}
