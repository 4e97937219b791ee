/**
 * bpf_loop(nr_loops, callback_fn, callback_ctx, flags): calls the program's callback
 * `callback(i, ctx)` until it returns non-zero (result i + 1) or nr_loops iterations (result
 * nr_loops). At most 1 << 23 iterations (-E2BIG), flags must be 0 (-EINVAL). The callback runs
 * through the engine's HelperCall.callFunction.
 */
import { VmError } from "../errors.js";
import type { HelperCall, HelperDef } from "./registry.js";

export const BPF_MAX_LOOPS = 8 * 1024 * 1024;

export function bpfLoop(call: HelperCall): number | bigint {
  const nr = call.argU32(1);
  const fn = call.arg(2);
  const ctx = call.arg(3);
  const flags = call.arg(4);
  if (flags !== 0n) return -22;
  if (nr > BPF_MAX_LOOPS) return -7;
  if (!call.callFunction) throw new VmError("ENOTSUPP", "bpf_loop: this engine cannot call program functions from helpers", call.pc);
  for (let i = 0; i < nr; i++) {
    const ret = call.callFunction(fn, [BigInt(i), ctx, 0n, 0n, 0n]);
    if (ret !== 0n) return i + 1;
  }
  return nr;
}

export function loopHelpers(): HelperDef[] {
  return [{ id: 181, name: "loop", fn: bpfLoop, proto: { ret: "RET_INTEGER", args: ["ARG_ANYTHING", "ARG_PTR_TO_FUNC", "ARG_PTR_TO_STACK_OR_NULL", "ARG_ANYTHING"] } }];
}
