/**
 * File descriptor ownership. Every kernel object (program, map, link, BTF) holds exactly one fd
 * and releases it with close() or `using`; closing twice is harmless, using a closed object is a
 * typed EBADF error rather than a call on a recycled fd number.
 */
import { EbpfError } from "../errors.js";
import { readlinkSync } from "node:fs";
import { closeFd } from "./ffi.js";

export type ObjectKind = "prog" | "map" | "link" | "btf" | "other";

/** What kind of bpf object an fd refers to, from its anon inode name (as bpftool tells them apart). */
export function objectKind(fd: number): ObjectKind {
  let target: string;
  try {
    target = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return "other";
  }
  if (target === "anon_inode:bpf-prog") return "prog";
  if (target === "anon_inode:bpf-map") return "map";
  if (target === "anon_inode:bpf_link" || target === "anon_inode:bpf-link") return "link";
  if (target === "anon_inode:btf") return "btf";
  return "other";
}

/** Throws EINVAL (after closing the fd) unless `fd` is a bpf object of `kind`. */
export function expectKind(fd: number, kind: ObjectKind, what: string): void {
  const actual = objectKind(fd);
  if (actual === kind) return;
  closeFd(fd);
  throw new EbpfError("EINVAL", `${what} is a ${actual === "other" ? "non-bpf object" : `bpf ${actual}`}, not a bpf ${kind}`);
}

export abstract class KernelObject {
  #fd: number;

  constructor(fd: number) {
    this.#fd = fd;
  }

  /** What this is, for error messages ("program xdp_prog", "map counts"). */
  abstract get description(): string;

  /** The open fd; throws EBADF once closed. */
  get fd(): number {
    if (this.#fd < 0) throw new EbpfError("EBADF", `${this.description} is closed`);
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    closeFd(fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
