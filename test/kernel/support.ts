/** Shared by the kernel tests: whether bpf(2) works here, and a visible reason when it does not. */
import { bpfStatus } from "../../src/kernel/status.js";

const status = bpfStatus();

/** True when these tests cannot use bpf(2); they are skipped with the reason printed once. */
export const noBpf = !status.available;

if (noBpf) console.warn(`kernel tests skipped: ${status.reason}`);

/** Number of open file descriptors of this process. */
export async function openFdCount(): Promise<number> {
  const { readdirSync } = await import("node:fs");
  return readdirSync("/proc/self/fd").length;
}
