/** bpf_perf_event_output with the kernel's prototype and flag rules. */
import { BPF_F_CURRENT_CPU, BPF_F_INDEX_MASK, EINVAL } from "../maps/constants.js";
import { PerfEventArrayMap } from "../maps/perf_event_array.js";
import type { MapTable } from "../maps/table.js";
import { PERM_READ } from "../vm/memory.js";
import { runContext } from "./context.js";
import { mapArg } from "./maps.js";
import type { HelperCall, HelperDef } from "./registry.js";

/** Bits 32–51 of the flags: how many bytes of the packet to append (skb and xdp programs). */
export const BPF_F_CTXLEN_MASK = 0xfffffn << 32n;

export interface PerfHelperOptions {
  /**
   * Supplies the first `len` bytes of the packet for BPF_F_CTXLEN_MASK (the program type knows
   * where its packet is). Without it a non-zero ctx length gives -EINVAL.
   */
  ctxBytes?: (call: HelperCall, len: number) => Uint8Array | undefined;
}

export function perfHelpers(table: MapTable, options: PerfHelperOptions = {}): HelperDef[] {
  return [
    {
      id: 25,
      name: "perf_event_output",
      proto: { ret: "RET_INTEGER", args: ["ARG_PTR_TO_CTX", "ARG_CONST_MAP_PTR", "ARG_ANYTHING", "ARG_PTR_TO_MEM|MEM_RDONLY", "ARG_CONST_SIZE_OR_ZERO"] },
      fn: (call) => {
        const m = mapArg(table, call, 2, "bpf_perf_event_output");
        const flags = call.arg(3);
        if (flags & ~(BPF_F_INDEX_MASK | BPF_F_CTXLEN_MASK)) return EINVAL;
        if (!(m instanceof PerfEventArrayMap)) return EINVAL;
        const size = call.argNum(5);
        const a = call.checkMem(call.argNum(4), size, PERM_READ, "bpf_perf_event_output data");
        let bytes = call.space.u8.slice(a, a + size);
        const ctxLen = Number((flags & BPF_F_CTXLEN_MASK) >> 32n);
        if (ctxLen > 0) {
          const extra = options.ctxBytes?.(call, ctxLen);
          if (!extra || extra.length < ctxLen) return EINVAL;
          const all = new Uint8Array(size + ctxLen);
          all.set(bytes);
          all.set(extra.subarray(0, ctxLen), size);
          bytes = all;
        }
        const cpu = runContext(call).cpu;
        const idx = flags & BPF_F_INDEX_MASK;
        return m.output(idx === BPF_F_CURRENT_CPU ? cpu : Number(idx), cpu, bytes);
      },
    },
  ];
}
