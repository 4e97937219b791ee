/**
 * Errors from the kernel backend: a failed bpf(2) call becomes a KernelError carrying the errno
 * number and name, the command that failed and, for a rejected program, the verifier log.
 */
import { EbpfError } from "../errors.js";

/** Linux errno numbers (asm-generic, shared by x86_64 and aarch64) and the kernel-internal ones bpf(2) can leak. */
const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  3: "ESRCH",
  4: "EINTR",
  5: "EIO",
  6: "ENXIO",
  7: "E2BIG",
  8: "ENOEXEC",
  9: "EBADF",
  11: "EAGAIN",
  12: "ENOMEM",
  13: "EACCES",
  14: "EFAULT",
  16: "EBUSY",
  17: "EEXIST",
  19: "ENODEV",
  20: "ENOTDIR",
  21: "EISDIR",
  22: "EINVAL",
  23: "ENFILE",
  24: "EMFILE",
  25: "ENOTTY",
  27: "EFBIG",
  28: "ENOSPC",
  30: "EROFS",
  34: "ERANGE",
  38: "ENOSYS",
  40: "ELOOP",
  61: "ENODATA",
  71: "EPROTO",
  74: "EBADMSG",
  75: "EOVERFLOW",
  77: "EBADFD",
  90: "EMSGSIZE",
  95: "EOPNOTSUPP",
  110: "ETIMEDOUT",
  114: "EALREADY",
  115: "EINPROGRESS",
  122: "EDQUOT",
  // Kernel-internal codes that some bpf(2) paths return unchanged.
  512: "ERESTARTSYS",
  524: "ENOTSUPP",
};

const ERRNO_NUMBERS: Record<string, number> = Object.fromEntries(
  Object.entries(ERRNO_NAMES).map(([n, name]) => [name, Number(n)]),
);

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `E${errno}`;
}

export function errnoNumber(name: string): number | undefined {
  return ERRNO_NUMBERS[name];
}

/** Short human descriptions for the errnos bpf(2) users meet most. */
const ERRNO_TEXT: Record<string, string> = {
  EPERM: "operation not permitted",
  ENOENT: "no such entry",
  E2BIG: "argument too big",
  EBADF: "bad file descriptor",
  EAGAIN: "try again",
  ENOMEM: "out of memory",
  EACCES: "permission denied (verifier rejected the program)",
  EFAULT: "bad address",
  EBUSY: "busy",
  EEXIST: "entry exists",
  EINVAL: "invalid argument",
  ENOSPC: "no space left (buffer too small)",
  ERANGE: "out of range",
  ENOSYS: "bpf(2) not implemented",
  ELOOP: "too many levels",
  EOPNOTSUPP: "operation not supported",
  ENOTSUPP: "operation not supported",
};

export interface KernelErrorDetails {
  /** The bpf(2) command that failed, e.g. "BPF_PROG_LOAD". */
  command: string;
  errno: number;
  /** The verifier (or BTF) log when the kernel rejected a program or BTF blob. */
  log?: string;
  /** What was being done, to prefix the message ("loading program xdp_prog"). */
  context?: string;
}

/** A bpf(2) call that failed: `code` is the errno name (EINVAL, EACCES …). */
export class KernelError extends EbpfError {
  readonly errno: number;
  readonly command: string;
  readonly log: string | undefined;

  constructor(details: KernelErrorDetails) {
    const name = errnoName(details.errno);
    const what = details.context ? `${details.context}: ` : "";
    const text = ERRNO_TEXT[name] ?? "failed";
    let message = `${what}${details.command} failed: ${name} (${text})`;
    const log = details.log?.replace(/\0+$/, "").trimEnd();
    if (log) message += `\nverifier log:\n${log}`;
    super(name, message);
    this.errno = details.errno;
    this.command = details.command;
    this.log = log || undefined;
  }
}

/** The kernel backend cannot work here: no FFI library, or no bpf(2). */
export class KernelUnavailableError extends EbpfError {
  constructor(message: string, code = "ENOSYS", options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
