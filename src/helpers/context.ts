/**
 * What the runtime hands every run as `RunOptions.context`, so helpers can see which CPU they run
 * on and what program is running. Program types extend it with their own fields (packet bounds,
 * the skb/xdp state …); helpers narrow it with `runContext(call)`.
 */
export interface RunContext {
  /** bpf_get_smp_processor_id(); per-CPU maps index their values with it. */
  cpu: number;
  /** Program type name as libbpf spells it ("xdp", "sched_cls", "socket_filter" …). */
  progType?: string;
  /** VM address of the context (r1 at entry). */
  ctx?: number;
}

import type { HelperCall } from "./registry.js";

const DEFAULT_CONTEXT: RunContext = { cpu: 0 };

/** The run's context, or CPU 0 with nothing else when the host passed none. */
export function runContext<T extends RunContext = RunContext>(call: HelperCall): T {
  return ((call.context as T | undefined) ?? DEFAULT_CONTEXT) as T;
}
