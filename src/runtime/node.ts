/**
 * The Node-only parts of the runtime: a pin store in a directory (the userspace bpffs), the
 * host's BTF for CO-RE, the host's CPU count and kernel version. The browser-safe core never
 * imports this module.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from "node:fs";
import { availableParallelism, release } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { parseBtf } from "../btf/parse.js";
import type { Btf } from "../btf/types.js";
import { EbpfError } from "../errors.js";
import { normalizePinPath, TEMP_MARK, type PinStore } from "./pin-store.js";

/** Test seams for the directory store: a hook between writing the temporary file and renaming it. */
export interface DirectoryPinStoreHooks {
  /** Called after the temporary file is written and synced, before the rename (a throw = a crash there). */
  beforeRename?: (tempPath: string, finalPath: string) => void;
}

let tempSerial = 0;

/**
 * Pins as files under a directory. A write goes to a temporary file in the same directory, is
 * fsynced, renamed over the pin and the directory fsynced, so a crash at any point leaves either
 * the old pin or the new one. Leftover temporary files are ignored (and removed by `clean()`).
 */
export class DirectoryPinStore implements PinStore {
  readonly root: string;

  constructor(root: string, private readonly hooks: DirectoryPinStoreHooks = {}) {
    this.root = root;
    try {
      mkdirSync(root, { recursive: true });
    } catch (e) {
      throw fsError(e, `cannot create pin directory ${root}`);
    }
    if (!statSync(root).isDirectory()) throw new EbpfError("ENOTDIR", `pin directory ${root} is not a directory`);
  }

  get description(): string {
    return `pin directory ${this.root}`;
  }

  private file(path: string): string {
    return join(this.root, ...normalizePinPath(path).split("/"));
  }

  read(path: string): Uint8Array | undefined {
    const f = this.file(path);
    try {
      return new Uint8Array(readFileSync(f));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return undefined;
      throw fsError(e, `cannot read pin ${f}`);
    }
  }

  write(path: string, bytes: Uint8Array): void {
    const f = this.file(path);
    const dir = dirname(f);
    const tmp = join(dir, `${TEMP_MARK}${process.pid}-${++tempSerial}`);
    try {
      mkdirSync(dir, { recursive: true });
      const fd = openSync(tmp, "wx", 0o600);
      try {
        let at = 0;
        while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      this.hooks.beforeRename?.(tmp, f);
      renameSync(tmp, f);
      syncDir(dir);
    } catch (e) {
      if (e instanceof EbpfError) throw e;
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
      throw fsError(e, `cannot write pin ${f}`);
    }
  }

  remove(path: string): boolean {
    const f = this.file(path);
    try {
      unlinkSync(f);
      syncDir(dirname(f));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw fsError(e, `cannot remove pin ${f}`);
    }
  }

  list(): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const ent of readdirSync(dir, { withFileTypes: true })) {
        if (ent.name.includes(TEMP_MARK)) continue;
        const p = join(dir, ent.name);
        if (ent.isDirectory()) walk(p);
        else out.push(relative(this.root, p).split(sep).join("/"));
      }
    };
    walk(this.root);
    return out.sort();
  }

  /** Removes temporary files a crash left behind. */
  clean(): number {
    let n = 0;
    const walk = (dir: string) => {
      for (const ent of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, ent.name);
        if (ent.isDirectory()) walk(p);
        else if (ent.name.includes(TEMP_MARK)) {
          rmSync(p, { force: true });
          n++;
        }
      }
    };
    walk(this.root);
    return n;
  }
}

function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // some file systems cannot fsync a directory; the rename is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function fsError(e: unknown, what: string): EbpfError {
  const err = e as NodeJS.ErrnoException;
  return new EbpfError(err.code ?? "EIO", `${what}: ${(err.message ?? String(e)).replace(/^[A-Z]+: /, "")}`, { cause: e });
}

export const VMLINUX_BTF = "/sys/kernel/btf/vmlinux";

let hostBtf: Btf | null | undefined;

/** The running kernel's BTF (parsed once), or undefined when the host has none. */
export function hostBtfLoader(path = VMLINUX_BTF): () => Btf | undefined {
  return () => {
    if (path !== VMLINUX_BTF) return existsSync(path) ? parseBtf(new Uint8Array(readFileSync(path)), { section: path }) : undefined;
    if (hostBtf === undefined) hostBtf = existsSync(path) ? parseBtf(new Uint8Array(readFileSync(path)), { section: path }) : null;
    return hostBtf ?? undefined;
  };
}

/** Possible CPUs of the host, as the kernel sizes per-CPU values (/sys/devices/system/cpu/possible). */
export function hostCpuCount(): number {
  try {
    const text = readFileSync("/sys/devices/system/cpu/possible", "utf8").trim();
    let n = 0;
    for (const part of text.split(",")) {
      const [a, b] = part.split("-").map(Number);
      n += b === undefined ? 1 : b - a! + 1;
    }
    if (n > 0) return n;
  } catch {
    // not Linux
  }
  return availableParallelism();
}

/** LINUX_KERNEL_VERSION as libbpf computes it (KERNEL_VERSION(a, b, c), c capped at 255). */
export function hostKernelVersion(): number {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release());
  if (!m) return 0;
  return (Number(m[1]) << 16) + (Number(m[2]) << 8) + Math.min(255, Number(m[3] ?? 0));
}

/** kconfig values libbpf provides without /proc/config.gz. */
export function hostKconfig(): Record<string, number | bigint | boolean | string> {
  return { LINUX_KERNEL_VERSION: hostKernelVersion(), LINUX_HAS_BPF_COOKIE: true, LINUX_HAS_SYSCALL_WRAPPER: true };
}

const BPF_F_SLEEPABLE = 1 << 4;

/**
 * What verify() needs besides the instructions for a tracing program (fentry/fexit/fmod_ret/
 * tp_btf): its attach target, the host's vmlinux BTF to resolve it and walk kernel structs in,
 * and whether it is sleepable. Empty for every other program type.
 */
export function tracingVerifyInput(p: { type: string; attachTo?: string; flags?: number }, btf: () => Btf | undefined = hostBtfLoader()): { attachTo?: string; kernelBtf?: Btf; sleepable?: boolean } {
  if (p.type !== "tracing") return {};
  const kernelBtf = btf();
  return { ...(p.attachTo !== undefined ? { attachTo: p.attachTo } : {}), ...(kernelBtf ? { kernelBtf } : {}), sleepable: ((p.flags ?? 0) & BPF_F_SLEEPABLE) !== 0 };
}
