/**
 * BPF_PROG_TYPE_SYSCALL: ctx is a copy of the caller's buffer (ctx_in), readable and writable at
 * any offset below U16_MAX; the test run copies it back. Programs must be loaded sleepable.
 */
import { defineProgramType, kernelHelpers } from "./define.js";
import { invalidCtxAccess, SCALAR } from "./types.js";

export const SYSCALL_CTX_MAX = 0xffff;

export const syscall = defineProgramType({
  name: "syscall",
  kernelType: 31,
  kernelName: "BPF_PROG_TYPE_SYSCALL",
  sections: ["syscall"],
  context: { struct: "user buffer (ctx_in)", size: SYSCALL_CTX_MAX, fields: [] },
  ldAbs: false,
  testRun: "syscall",
  helpers: kernelHelpers("syscall"),
  // syscall_prog_is_valid_access
  checkAccess: ({ off, size }) => {
    if (off < 0 || off >= SYSCALL_CTX_MAX || off % size !== 0) return invalidCtxAccess(off, size);
    return SCALAR;
  },
});
