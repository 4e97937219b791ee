/** Ring buffer helpers: output, reserve, submit, discard, query, with the kernel's prototypes. */
import { VmError } from "../errors.js";
import { EINVAL } from "../maps/constants.js";
import { RingbufMap } from "../maps/ringbuf.js";
import type { MapTable } from "../maps/table.js";
import { PERM_READ } from "../vm/memory.js";
import { mapArg } from "./maps.js";
import type { HelperCall, HelperDef, HelperProto } from "./registry.js";

const p = (ret: string, ...args: string[]): HelperProto => ({ ret, args });

function ringOf(table: MapTable, call: HelperCall, helper: string): RingbufMap | undefined {
  const m = mapArg(table, call, 1, helper);
  return m instanceof RingbufMap ? m : undefined;
}

/** The ring that reserved `sample`, or a fault (the verifier only lets reserved pointers through). */
function ringOwning(table: MapTable, call: HelperCall, sample: number, helper: string): RingbufMap {
  for (const m of table.list()) if (m instanceof RingbufMap && m.isReserved(sample)) return m;
  throw new VmError("EINVAL", `${helper}: 0x${sample.toString(16)} is not a reserved ring buffer record`, call.pc);
}

export function ringbufHelpers(table: MapTable): HelperDef[] {
  return [
    {
      id: 130,
      name: "ringbuf_output",
      proto: p("RET_INTEGER", "ARG_CONST_MAP_PTR", "ARG_PTR_TO_MEM|MEM_RDONLY", "ARG_CONST_SIZE_OR_ZERO", "ARG_ANYTHING"),
      fn: (call) => {
        const rb = ringOf(table, call, "bpf_ringbuf_output");
        if (!rb) return EINVAL;
        const size = call.argNum(3);
        const a = call.checkMem(call.argNum(2), size, PERM_READ, "bpf_ringbuf_output data");
        return rb.output(call.space.u8.slice(a, a + size), call.arg(4));
      },
    },
    {
      id: 131,
      name: "ringbuf_reserve",
      proto: p("RET_PTR_TO_MEM|PTR_MAYBE_NULL|MEM_RINGBUF", "ARG_CONST_MAP_PTR", "ARG_CONST_ALLOC_SIZE_OR_ZERO", "ARG_ANYTHING"),
      fn: (call) => {
        const rb = ringOf(table, call, "bpf_ringbuf_reserve");
        return rb ? rb.reserve(call.argNum(2), call.arg(3)) : 0;
      },
    },
    {
      id: 132,
      name: "ringbuf_submit",
      proto: p("RET_VOID", "ARG_PTR_TO_MEM|MEM_RINGBUF|OBJ_RELEASE", "ARG_ANYTHING"),
      fn: (call) => {
        const s = call.argNum(1);
        ringOwning(table, call, s, "bpf_ringbuf_submit").commit(s, call.arg(2), false);
      },
    },
    {
      id: 133,
      name: "ringbuf_discard",
      proto: p("RET_VOID", "ARG_PTR_TO_MEM|MEM_RINGBUF|OBJ_RELEASE", "ARG_ANYTHING"),
      fn: (call) => {
        const s = call.argNum(1);
        ringOwning(table, call, s, "bpf_ringbuf_discard").commit(s, call.arg(2), true);
      },
    },
    {
      id: 134,
      name: "ringbuf_query",
      proto: p("RET_INTEGER", "ARG_CONST_MAP_PTR", "ARG_ANYTHING"),
      fn: (call) => ringOf(table, call, "bpf_ringbuf_query")?.query(call.arg(2)) ?? 0,
    },
  ];
}
