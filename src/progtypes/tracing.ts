/**
 * BPF_PROG_TYPE_TRACING (fentry, fexit, fmod_ret, tp_btf): the context is the traced function's
 * arguments as u64 slots (fexit: then its return value), typed by the kernel's BTF. Which slot
 * holds what — a scalar, or a PTR_TO_BTF_ID to a kernel struct — is decided by the verifier
 * against the attach target (src/verifier/btf-access.ts, the kernel's btf_ctx_access); what this
 * spec checks alone is tracing_prog_is_valid_access's shape rule: read-only, aligned, within
 * MAX_BPF_FUNC_ARGS slots. The helper set depends on the attach type (bpf_get_func_arg & co. need
 * a trampoline); it is what the kernel answers (tracing-helpers.ts). BPF_PROG_TEST_RUN of fentry
 * programs runs the kernel's bpf_fentry_test* functions, which has no userspace counterpart: no
 * test run here.
 */
import { defineProgramType } from "./define.js";
import { TRACING_HELPERS } from "./tracing-helpers.js";
import { invalidCtxAccess, SCALAR } from "./types.js";

/** MAX_BPF_FUNC_ARGS. */
export const MAX_TRACING_ARGS = 12;

/** Expected attach type libbpf gives each section prefix. */
export const TRACING_ATTACH_TYPES: Readonly<Record<string, string>> = {
  fentry: "trace_fentry",
  fexit: "trace_fexit",
  fmod_ret: "modify_return",
  tp_btf: "trace_raw_tp",
};

const sets = new Map<string, ReadonlySet<string>>();
function helpersFor(attachType: string | undefined): ReadonlySet<string> {
  const key = attachType ?? "trace_fentry";
  let s = sets.get(key);
  if (!s) {
    s = new Set(TRACING_HELPERS[key] ?? TRACING_HELPERS.trace_fentry ?? []);
    sets.set(key, s);
  }
  return s;
}

export const tracing = defineProgramType({
  name: "tracing",
  kernelType: 26,
  kernelName: "BPF_PROG_TYPE_TRACING",
  sections: ["fentry", "fexit", "fmod_ret", "tp_btf", "fentry.s", "fexit.s", "fmod_ret.s", "tp_btf.s"],
  context: {
    struct: "u64 args[]",
    size: MAX_TRACING_ARGS * 8,
    fields: Array.from({ length: MAX_TRACING_ARGS }, (_, i) => ({ name: `args[${i}]`, offset: i * 8, size: 8, access: "r" as const })),
  },
  ldAbs: false,
  testRun: "none",
  helpers: helpersFor("trace_fentry"),
  defaultAttachType: "trace_fentry",
  helpersFor,
  // tracing_prog_is_valid_access (the BTF part is the verifier's)
  checkAccess: ({ off, size, write }) => {
    if (off < 0 || off >= MAX_TRACING_ARGS * 8 || write || off % size !== 0) return invalidCtxAccess(off, size);
    return SCALAR;
  },
});
