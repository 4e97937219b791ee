/**
 * bpf(2) itself: one function that issues a command with an attr laid out in native memory and
 * turns a failure into a KernelError. Everything else in src/kernel goes through `bpf()`.
 */
import { KernelError, KernelUnavailableError } from "./errors.js";
import { bpfSyscallNumber, NativeMemory, rawSyscall, Scratch } from "./ffi.js";
import { cmdName, BPF_PROG_LOAD } from "./constants.js";
import { Struct, StructView } from "./layout.js";
import { MAX_ATTR_SIZE } from "./attr.js";

const EINTR = 4;
const EAGAIN = 11;
const ENOSYS = 38;

let nr: number | undefined;

function syscallNumber(): number {
  if (nr !== undefined) return nr;
  const n = bpfSyscallNumber();
  if (n === undefined) throw new KernelUnavailableError(`the kernel backend does not know bpf(2)'s syscall number on ${process.arch}`);
  nr = n;
  return n;
}

/** Result of a raw call: non-negative value, or -errno. */
export function bpfRaw(cmd: number, attr: NativeMemory, size: number): number {
  const n = syscallNumber();
  for (let attempt = 0; ; attempt++) {
    const r = rawSyscall(n, cmd, attr, size);
    // A signal or a transient verifier condition: the kernel asks to retry (libbpf does too).
    if ((r === -EINTR || (r === -EAGAIN && cmd === BPF_PROG_LOAD)) && attempt < 5) continue;
    if (r === -ENOSYS) throw new KernelUnavailableError("this kernel does not implement bpf(2) (ENOSYS)");
    return r;
  }
}

/** Issues a command; throws KernelError (with `context` and `log` when given) on failure. */
export function bpf(cmd: number, attr: NativeMemory, size: number, context?: string, log?: () => string | undefined): number {
  const r = bpfRaw(cmd, attr, size);
  if (r < 0) throw new KernelError({ command: cmdName(cmd), errno: -r, context, log: log?.() });
  return r;
}

/**
 * One attr being built: scratch native memory sized for the largest attr, plus extra
 * memory for the buffers it points to. Not reentrant: build, call, read, then reuse.
 */
export class AttrBuilder {
  private readonly attrScratch = new Scratch();
  private readonly dataScratch = new Scratch();
  attr!: NativeMemory;
  data!: NativeMemory;
  private used = 0;

  /** Starts a new attr of `struct` with `dataBytes` bytes of buffer space; returns a field view. */
  begin(struct: Struct, dataBytes = 0): StructView {
    this.attr = this.attrScratch.get(Math.max(MAX_ATTR_SIZE, struct.size));
    this.data = this.dataScratch.get(dataBytes);
    this.used = 0;
    return new StructView(struct, this.attr.view);
  }

  /** Reserves `size` bytes (8-aligned) in the data area, copying `init` there; returns its offset. */
  reserve(size: number, init?: Uint8Array): number {
    const at = this.used;
    this.used += Math.ceil(Math.max(size, 1) / 8) * 8;
    if (this.used > this.data.size) throw new Error(`internal: attr data area overflow (${this.used} > ${this.data.size})`);
    if (init) this.data.bytes.set(init.subarray(0, size), at);
    return at;
  }

  address(offset: number): bigint {
    return this.data.at(offset);
  }

  bytes(offset: number, size: number): Uint8Array {
    return this.data.bytes.slice(offset, offset + size);
  }

  call(cmd: number, size: number, context?: string, log?: () => string | undefined): number {
    return bpf(cmd, this.attr, size, context, log);
  }

  callRaw(cmd: number, size: number): number {
    return bpfRaw(cmd, this.attr, size);
  }
}

/** A shared builder for the synchronous calls of this module (JavaScript runs one call at a time). */
export const shared = new AttrBuilder();
