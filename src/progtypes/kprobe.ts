/** BPF_PROG_TYPE_KPROBE: ctx is `struct pt_regs` (x86_64), read-only; no test run in the kernel. */
import { defineProgramType, kernelHelpers } from "./define.js";
import { invalidCtxAccess, SCALAR, type ContextField } from "./types.js";

/** x86_64 struct pt_regs, 21 unsigned longs. */
export const PT_REGS_NAMES = [
  "r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx", "dx", "si", "di",
  "orig_ax", "ip", "cs", "flags", "sp", "ss",
] as const;
export const PT_REGS_SIZE = PT_REGS_NAMES.length * 8;
/** Offset of a pt_regs member ("di" → 112). */
export function ptRegsOffset(name: (typeof PT_REGS_NAMES)[number]): number {
  return PT_REGS_NAMES.indexOf(name) * 8;
}
/** Function-argument registers of the x86_64 calling convention, as PT_REGS_PARMn reads them. */
export const PT_REGS_PARM = ["di", "si", "dx", "cx", "r8", "r9"] as const;

export function ptRegsFields(access: "r" | "rw" = "r", base = 0): ContextField[] {
  return PT_REGS_NAMES.map((name, i) => ({ name, offset: base + i * 8, size: 8, access }));
}

export const kprobe = defineProgramType({
  name: "kprobe",
  kernelType: 2,
  kernelName: "BPF_PROG_TYPE_KPROBE",
  sections: ["kprobe", "kretprobe", "uprobe", "uretprobe", "ksyscall", "kretsyscall", "usdt", "kprobe.multi", "kretprobe.multi", "uprobe.multi", "uretprobe.multi"],
  context: { struct: "struct pt_regs", size: PT_REGS_SIZE, fields: ptRegsFields() },
  ldAbs: false,
  testRun: "none",
  helpers: kernelHelpers("kprobe"),
  // kprobe_prog_is_valid_access
  checkAccess: ({ off, size, write }) => {
    if (off < 0 || off >= PT_REGS_SIZE || write || off % size !== 0 || off + size > PT_REGS_SIZE) return invalidCtxAccess(off, size);
    return SCALAR;
  },
});
