/**
 * What the running kernel supports, gathered the way `bpftool feature probe kernel` does:
 * system settings from /proc, then probes of program types, map types and helpers.
 */
import { readFileSync } from "node:fs";
import { arch, release } from "node:os";
import { MAP_TYPE_NAMES, PROG_TYPE_NAMES } from "./constants.js";
import { probeHelpers, probeMapType, probeProgramType } from "./probe.js";
import { bpfStatus, jitEnabled } from "./status.js";

export interface KernelFeatures {
  kernelRelease: string;
  arch: string;
  bpfPermitted: boolean;
  /** Why bpf(2) cannot be used, when it cannot. */
  reason?: string;
  /** /proc/sys/kernel/unprivileged_bpf_disabled (0 allowed, 1/2 disabled). */
  unprivilegedBpfDisabled?: number;
  jit: { enabled?: number; harden?: number; kallsyms?: number; limit?: number };
  /** Program type name → loads. */
  programTypes: Record<string, boolean>;
  mapTypes: Record<string, boolean>;
  /** Program type name → helpers it may call (only for types that load, when asked). */
  helpers?: Record<string, string[]>;
}

function sysctl(path: string): number | undefined {
  try {
    const v = Number(readFileSync(path, "utf8").trim());
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export interface FeatureOptions {
  /** Probe helpers (a few thousand loads, well under a second); default true. */
  helpers?: boolean;
  /** Only these program types for the helper probe (default: every type that loads). */
  helperProgramTypes?: readonly string[];
}

export function kernelFeatures(o: FeatureOptions = {}): KernelFeatures {
  const status = bpfStatus();
  const f: KernelFeatures = {
    kernelRelease: release(),
    arch: arch(),
    bpfPermitted: status.available,
    jit: {
      enabled: jitEnabled(),
      harden: sysctl("/proc/sys/net/core/bpf_jit_harden"),
      kallsyms: sysctl("/proc/sys/net/core/bpf_jit_kallsyms"),
      limit: sysctl("/proc/sys/net/core/bpf_jit_limit"),
    },
    programTypes: {},
    mapTypes: {},
  };
  const unpriv = sysctl("/proc/sys/kernel/unprivileged_bpf_disabled");
  if (unpriv !== undefined) f.unprivilegedBpfDisabled = unpriv;
  if (!status.available) {
    f.reason = status.reason;
    return f;
  }
  for (const name of PROG_TYPE_NAMES.slice(1)) f.programTypes[name] = probeProgramType(name);
  for (const name of MAP_TYPE_NAMES.slice(1)) f.mapTypes[name] = probeMapType(name);
  if (o.helpers !== false) {
    f.helpers = {};
    const types = o.helperProgramTypes ?? PROG_TYPE_NAMES.slice(1).filter((n) => f.programTypes[n]);
    for (const t of types) f.helpers[t] = probeHelpers(t);
  }
  return f;
}
