/** BPF_PROG_TYPE_RAW_TRACEPOINT: ctx is `u64 args[]` (struct bpf_raw_tracepoint_args), at most 12. */
import { defineProgramType, kernelHelpers } from "./define.js";
import { invalidCtxAccess, SCALAR } from "./types.js";

/** MAX_BPF_FUNC_ARGS. */
export const MAX_RAW_TP_ARGS = 12;

export const rawTracepoint = defineProgramType({
  name: "raw_tracepoint",
  kernelType: 17,
  kernelName: "BPF_PROG_TYPE_RAW_TRACEPOINT",
  sections: ["raw_tracepoint", "raw_tp"],
  context: {
    struct: "struct bpf_raw_tracepoint_args",
    size: MAX_RAW_TP_ARGS * 8,
    fields: Array.from({ length: MAX_RAW_TP_ARGS }, (_, i) => ({ name: `args[${i}]`, offset: i * 8, size: 8, access: "r" as const })),
  },
  ldAbs: false,
  testRun: "raw_tp",
  helpers: kernelHelpers("raw_tracepoint"),
  // raw_tp_prog_is_valid_access / bpf_tracing_ctx_access
  checkAccess: ({ off, size, write }) => {
    if (off < 0 || off >= MAX_RAW_TP_ARGS * 8 || write || off % size !== 0) return invalidCtxAccess(off, size);
    return SCALAR;
  },
});
