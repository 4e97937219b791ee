/**
 * BPF_OBJ_PIN / BPF_OBJ_GET: objects live on as files of a bpffs. The default mount point
 * /sys/fs/bpf is mounted when it is not (as bpftool does); any other directory must already be
 * on a bpffs.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { EbpfError } from "../errors.js";
import { BPF_OBJ_GET, BPF_OBJ_PIN } from "./constants.js";
import { OBJ_ATTR } from "./attr.js";
import { mountBpffs } from "./ffi.js";
import { shared } from "./syscall.js";

export const DEFAULT_BPFFS = "/sys/fs/bpf";

/** Mount points of bpffs, from /proc/self/mounts. */
export function bpffsMounts(): string[] {
  let text: string;
  try {
    text = readFileSync("/proc/self/mounts", "utf8");
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const [, target, fstype] = line.split(" ");
    if (fstype === "bpf" && target) out.push(target.replace(/\\040/g, " "));
  }
  return out;
}

/** Makes sure `dir` is on a bpffs, mounting one at /sys/fs/bpf when that is where it should be. */
export function ensureBpffs(dir: string = DEFAULT_BPFFS): void {
  const abs = resolve(dir);
  const mounts = bpffsMounts();
  if (mounts.some((m) => abs === m || abs.startsWith(m.endsWith("/") ? m : `${m}/`))) return;
  if (abs === DEFAULT_BPFFS || abs.startsWith(`${DEFAULT_BPFFS}/`)) {
    mkdirSync(DEFAULT_BPFFS, { recursive: true });
    mountBpffs(DEFAULT_BPFFS);
    return;
  }
  throw new EbpfError("EINVAL", `${dir} is not on a bpf file system (mount one with: mount -t bpf bpf ${dir})`);
}

function pathAttr(path: string): ReturnType<typeof shared.begin> {
  const bytes = new TextEncoder().encode(`${path}\0`);
  const attr = shared.begin(OBJ_ATTR, bytes.length);
  attr.set("pathname", shared.address(shared.reserve(bytes.length, bytes)));
  return attr;
}

export function pinObject(fd: number, path: string): void {
  ensureBpffs(dirname(resolve(path)));
  const attr = pathAttr(resolve(path));
  attr.set("bpf_fd", fd);
  shared.call(BPF_OBJ_PIN, OBJ_ATTR.endOf("file_flags"), `pinning at ${path}`);
}

/** Opens the object pinned at `path`; returns its fd (the caller takes ownership). */
export function getPinned(path: string, flags = 0): number {
  const attr = pathAttr(resolve(path));
  attr.set("file_flags", flags);
  return shared.call(BPF_OBJ_GET, OBJ_ATTR.endOf("file_flags"), `opening pinned object ${path}`);
}
