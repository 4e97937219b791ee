/** bpf_get_smp_processor_id (the run's cpu) and bpf_get_numa_node_id. */
import { runContext } from "./context.js";
import type { HelperDef } from "./registry.js";

export function cpuHelpers(options: { numaNode?: number } = {}): HelperDef[] {
  return [
    { id: 8, name: "get_smp_processor_id", fn: (call) => runContext(call).cpu, proto: { ret: "RET_INTEGER", args: [] } },
    { id: 42, name: "get_numa_node_id", fn: () => options.numaNode ?? 0, proto: { ret: "RET_INTEGER", args: [] } },
  ];
}
