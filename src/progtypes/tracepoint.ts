/**
 * BPF_PROG_TYPE_TRACEPOINT: ctx is the raw trace record (the format file of the event); the first
 * 8 bytes (common_type, common_flags, common_preempt_count, common_pid) are not readable, nor
 * anything at PERF_MAX_TRACE_SIZE and beyond; read-only, aligned to the access size.
 */
import { defineProgramType, kernelHelpers } from "./define.js";
import { invalidCtxAccess, SCALAR } from "./types.js";

export const PERF_MAX_TRACE_SIZE = 8192;

export const tracepoint = defineProgramType({
  name: "tracepoint",
  kernelType: 5,
  kernelName: "BPF_PROG_TYPE_TRACEPOINT",
  sections: ["tracepoint", "tp"],
  context: {
    struct: "trace event record",
    size: PERF_MAX_TRACE_SIZE,
    fields: [
      { name: "common_type", offset: 0, size: 2, access: "-" },
      { name: "common_flags", offset: 2, size: 1, access: "-" },
      { name: "common_preempt_count", offset: 3, size: 1, access: "-" },
      { name: "common_pid", offset: 4, size: 4, access: "-" },
    ],
  },
  ldAbs: false,
  testRun: "none",
  helpers: kernelHelpers("tracepoint"),
  // tp_prog_is_valid_access. Kernel quirk followed on purpose: its `off < sizeof(void *)` compares
  // as unsigned, so a negative offset passes that test (and `off >= PERF_MAX_TRACE_SIZE`, a signed
  // one): aligned negative offsets are accepted.
  checkAccess: ({ off, size, write }) => {
    if ((off >= 0 && off < 8) || off >= PERF_MAX_TRACE_SIZE || write || off % size !== 0) return invalidCtxAccess(off, size);
    return SCALAR;
  },
});
