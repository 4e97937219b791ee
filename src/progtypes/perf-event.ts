/**
 * BPF_PROG_TYPE_PERF_EVENT: `struct bpf_perf_event_data` { pt_regs regs; u64 sample_period;
 * u64 addr; }. Registers are read with 8-byte loads; sample_period and addr also narrower.
 */
import { defineProgramType, kernelHelpers } from "./define.js";
import { PT_REGS_SIZE, ptRegsFields } from "./kprobe.js";
import { invalidCtxAccess, narrowAccessOk, SCALAR } from "./types.js";

export const PERF_EVENT_DATA = { regs: 0, sample_period: PT_REGS_SIZE, addr: PT_REGS_SIZE + 8 } as const;
export const PERF_EVENT_DATA_SIZE = PT_REGS_SIZE + 16;

export const perfEvent = defineProgramType({
  name: "perf_event",
  kernelType: 7,
  kernelName: "BPF_PROG_TYPE_PERF_EVENT",
  sections: ["perf_event"],
  context: {
    struct: "struct bpf_perf_event_data",
    size: PERF_EVENT_DATA_SIZE,
    fields: [
      ...ptRegsFields("r"),
      { name: "sample_period", offset: PERF_EVENT_DATA.sample_period, size: 8, access: "r" },
      { name: "addr", offset: PERF_EVENT_DATA.addr, size: 8, access: "r" },
    ],
  },
  ldAbs: false,
  testRun: "none",
  helpers: kernelHelpers("perf_event"),
  // pe_prog_is_valid_access
  checkAccess: ({ off, size, write }) => {
    if (off < 0 || off >= PERF_EVENT_DATA_SIZE || write || off % size !== 0) return invalidCtxAccess(off, size);
    if (off >= PERF_EVENT_DATA.sample_period) {
      return narrowAccessOk(size, 8) ? SCALAR : invalidCtxAccess(off, size);
    }
    return size === 8 ? SCALAR : invalidCtxAccess(off, size);
  },
});
