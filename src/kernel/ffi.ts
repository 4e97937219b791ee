/**
 * The only place that touches the FFI library. koffi is an optional dependency loaded lazily, so
 * a machine without it (or a browser) never evaluates it; what it offers here is three things:
 * the raw syscall(2) entry point with errno, native memory whose address can be put in a
 * bpf_attr, and close(2).
 */
import { createRequire } from "node:module";
import { EbpfError } from "../errors.js";
import { errnoName, KernelUnavailableError } from "./errors.js";

/** The subset of koffi this module uses, typed locally so koffi's types are never required. */
interface Koffi {
  load(path: string): { func(signature: string): (...args: unknown[]) => unknown };
  alloc(type: string, length: number): unknown;
  free(ptr: unknown): void;
  address(ptr: unknown): bigint;
  view(ptr: unknown, length: number): ArrayBuffer;
  decode(ptr: unknown, type: string): unknown;
}

interface Native {
  koffi: Koffi;
  syscall: (nr: number, a: number, b: unknown, c: number) => number | bigint;
  errnoLocation: () => unknown;
  close: (fd: number) => number;
  openat: (dirfd: number, path: string, flags: number) => number;
  mount: (source: string, target: string, fstype: string, flags: number, data: null) => number;
}

let native: Native | undefined;
let failure: KernelUnavailableError | undefined;
let requireKoffi: () => unknown = () => createRequire(import.meta.url)("koffi");

/** Test seam: forget the loaded library and, optionally, load koffi some other way (e.g. fail). */
export function resetNativeForTests(loader?: () => unknown): void {
  native = undefined;
  failure = undefined;
  requireKoffi = loader ?? (() => createRequire(import.meta.url)("koffi"));
}

/** bpf(2)'s syscall number for this architecture. */
export function bpfSyscallNumber(arch: string = process.arch): number | undefined {
  switch (arch) {
    case "x64":
      return 321;
    case "arm64":
      return 280;
    case "riscv64":
    case "loong64":
      return 280;
    case "s390x":
      return 351;
    case "ppc64":
      return 361;
    case "ia32":
      return 357;
    case "arm":
      return 386;
    default:
      return undefined;
  }
}

function loadNative(): Native {
  if (native) return native;
  if (failure) throw failure;
  if (process.platform !== "linux") {
    failure = new KernelUnavailableError(`the kernel backend needs Linux (this is ${process.platform})`);
    throw failure;
  }
  let koffi: Koffi;
  try {
    const mod = requireKoffi() as Koffi & { default?: Koffi };
    koffi = mod.default ?? mod;
  } catch (e) {
    failure = new KernelUnavailableError(
      "the kernel backend needs the optional dependency koffi, which is not installed (npm install koffi)",
      "ENOSYS",
      { cause: e },
    );
    throw failure;
  }
  try {
    const libc = koffi.load("libc.so.6");
    // Declared non-variadic: on x86_64 and aarch64 Linux integer arguments travel in the same
    // registers either way, and glibc's syscall() only forwards registers.
    const syscall = libc.func("long syscall(long nr, long a, void *b, unsigned long c)") as Native["syscall"];
    const errnoLocation = libc.func("int *__errno_location(void)") as Native["errnoLocation"];
    const close = libc.func("int close(int fd)") as Native["close"];
    const openat = libc.func("int openat(int dirfd, const char *path, int flags)") as Native["openat"];
    const mount = libc.func("int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)") as Native["mount"];
    native = { koffi, syscall, errnoLocation, close, openat, mount };
    return native;
  } catch (e) {
    failure = new KernelUnavailableError(`the kernel backend could not bind libc through koffi: ${(e as Error).message}`, "ENOSYS", {
      cause: e,
    });
    throw failure;
  }
}

/** True when koffi and libc load; does not say whether bpf(2) is permitted. */
export function ffiAvailable(): boolean {
  try {
    loadNative();
    return true;
  } catch {
    return false;
  }
}

/** Raw syscall: returns the result, or -errno (errno read right after the call). */
export function rawSyscall(nr: number, a: number, b: NativeMemory | null, c: number): number {
  const n = loadNative();
  const r = Number(n.syscall(nr, a, b === null ? null : b.ptr, c));
  if (r === -1) {
    const errno = n.koffi.decode(n.errnoLocation(), "int") as number;
    return -errno;
  }
  return r;
}

export function closeFd(fd: number): void {
  loadNative().close(fd);
}

/** openat(2) with O_RDONLY|O_CLOEXEC; returns the fd or -errno. Used to check file descriptors exist. */
export function openReadOnly(path: string): number {
  const n = loadNative();
  const AT_FDCWD = -100;
  const O_CLOEXEC = 0o2000000;
  const fd = n.openat(AT_FDCWD, path, O_CLOEXEC);
  if (fd < 0) return -(n.koffi.decode(n.errnoLocation(), "int") as number);
  return fd;
}

/** mount -t bpf bpf <target>; throws a typed error with the errno name on failure. */
export function mountBpffs(target: string): void {
  const n = loadNative();
  if (n.mount("bpf", target, "bpf", 0, null) !== 0) {
    const errno = n.koffi.decode(n.errnoLocation(), "int") as number;
    throw new EbpfError(errnoName(errno), `mounting bpffs at ${target} failed: ${errnoName(errno)}`);
  }
}

/**
 * A block of native memory (malloc'd by koffi) with a stable address, viewed as bytes. bpf_attr
 * and every buffer it points to (instructions, logs, keys, values, packets) live in one of these,
 * because a pointer inside an attr must be a real address.
 */
export class NativeMemory {
  readonly ptr: unknown;
  readonly address: bigint;
  readonly size: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  private freed = false;

  constructor(size: number) {
    const { koffi } = loadNative();
    this.size = Math.max(8, size);
    this.ptr = koffi.alloc("uint8_t", this.size);
    this.address = koffi.address(this.ptr);
    const ab = koffi.view(this.ptr, this.size);
    this.bytes = new Uint8Array(ab);
    this.view = new DataView(ab);
    this.bytes.fill(0);
  }

  free(): void {
    if (this.freed) return;
    this.freed = true;
    loadNative().koffi.free(this.ptr);
  }

  /** Address of byte `offset`, for putting in an attr. */
  at(offset = 0): bigint {
    return this.address + BigInt(offset);
  }
}

/**
 * A growable pool of scratch memory reused across calls, so hot paths (the difftest runs
 * thousands of loads) do not allocate native memory per call.
 */
export class Scratch {
  private mem: NativeMemory | undefined;

  /** Memory of at least `size` bytes, zero-filled over its first `size` bytes. */
  get(size: number): NativeMemory {
    if (!this.mem || this.mem.size < size) {
      this.mem?.free();
      let cap = 256;
      while (cap < size) cap *= 2;
      this.mem = new NativeMemory(cap);
    } else {
      this.mem.bytes.fill(0, 0, size);
    }
    return this.mem;
  }
}
