/**
 * Typed errors shared by every module. Each carries a stable `code` (a kernel errno name where one
 * fits) and a message that says what went wrong and where. User-facing layers (CLI, plugin) print
 * `message` only — never a stack — for any EbpfError.
 */

export type ErrorCode =
  | "EINVAL"
  | "E2BIG"
  | "ENOENT"
  | "EEXIST"
  | "EACCES"
  | "EPERM"
  | "EFAULT"
  | "ENOSPC"
  | "ENOMEM"
  | "ENOTSUPP"
  | "EOPNOTSUPP"
  | "EBUSY"
  | "ENOEXEC"
  | "ELOOP"
  | "ERANGE"
  | "EBADF"
  | "EIO"
  | "ENOSYS"
  | (string & {});

export class EbpfError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bytecode that cannot be decoded or is not a valid instruction (pc counts 8-byte slots). */
export class DecodeError extends EbpfError {
  readonly pc: number | undefined;
  constructor(message: string, pc?: number, code: ErrorCode = "EINVAL") {
    super(code, pc === undefined ? message : `pc ${pc}: ${message}`);
    this.pc = pc;
  }
}

/** Assembly text that cannot be parsed; line and column are 1-based. */
export class AsmError extends EbpfError {
  readonly line: number;
  readonly column: number;
  readonly file: string | undefined;
  constructor(message: string, line: number, column: number, file?: string) {
    super("EINVAL", `${file ?? "<input>"}:${line}:${column}: ${message}`);
    this.line = line;
    this.column = column;
    this.file = file;
  }
}

/** A fault while a program runs: bad memory access, budget exhausted, bad call … */
export class VmError extends EbpfError {
  readonly pc: number;
  readonly address: bigint | undefined;
  constructor(code: ErrorCode, message: string, pc: number, address?: bigint) {
    super(code, `pc ${pc}: ${message}`);
    this.pc = pc;
    this.address = address;
  }
}

export function isEbpfError(e: unknown): e is EbpfError {
  return e instanceof EbpfError;
}
