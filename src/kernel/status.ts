/**
 * Can this process use bpf(2)? One cheap probe (create and close a one-element array map), with
 * a one-sentence reason when the answer is no. Tests use it to skip visibly.
 */
import { readFileSync } from "node:fs";
import { isEbpfError } from "../errors.js";
import { KernelMap } from "./map.js";

export interface BpfStatus {
  available: boolean;
  /** Why not, in one sentence. */
  reason?: string;
}

let cached: BpfStatus | undefined;

export function bpfStatus(): BpfStatus {
  if (cached) return cached;
  try {
    KernelMap.create({ type: "array", keySize: 4, valueSize: 4, maxEntries: 1 }).close();
    cached = { available: true };
  } catch (e) {
    const reason = isEbpfError(e)
      ? e.code === "EPERM"
        ? "bpf(2) is not permitted for this process (needs root or CAP_BPF; see /proc/sys/kernel/unprivileged_bpf_disabled)"
        : e.message
      : String(e);
    cached = { available: false, reason };
  }
  return cached;
}

/** /proc/sys/net/core/bpf_jit_enable: 0 off, 1 on, 2 on with debug output; undefined when unreadable. */
export function jitEnabled(): number | undefined {
  try {
    return Number(readFileSync("/proc/sys/net/core/bpf_jit_enable", "utf8").trim());
  } catch {
    return undefined;
  }
}
