/**
 * Clock helpers: ktime_get_ns (CLOCK_MONOTONIC), ktime_get_boot_ns (CLOCK_BOOTTIME),
 * ktime_get_coarse_ns, ktime_get_tai_ns (CLOCK_TAI), jiffies64. The clock is injectable so tests
 * can pin time; the default reads performance.now() (works in Node and browsers).
 */
import type { HelperDef } from "./registry.js";

export interface Clock {
  /** CLOCK_MONOTONIC in ns. */
  monotonicNs(): bigint;
  /** CLOCK_BOOTTIME in ns (monotonic plus time suspended). */
  bootNs(): bigint;
  /** CLOCK_MONOTONIC_COARSE in ns (tick resolution). */
  coarseNs(): bigint;
  /** CLOCK_TAI in ns (realtime plus the TAI offset). */
  taiNs(): bigint;
  /** jiffies (64-bit). */
  jiffies(): bigint;
}

/** CONFIG_HZ assumed by the default clock. */
export const DEFAULT_HZ = 250;
/** INITIAL_JIFFIES: jiffies start 5 minutes before a 32-bit wrap. */
const INITIAL_JIFFIES = BigInt((2 ** 32 - 300 * DEFAULT_HZ) >>> 0);
/** TAI − UTC (37 s since 2017). */
const TAI_OFFSET_NS = 37_000_000_000n;

/** A clock on the host's monotonic timer; `startNs` is the monotonic time at creation. */
export function systemClock(startNs = 1_000_000_000n): Clock {
  const t0 = performance.now();
  const wall0 = BigInt(Date.now()) * 1_000_000n;
  const mono = (): bigint => startNs + BigInt(Math.round((performance.now() - t0) * 1e6));
  const tick = 1_000_000_000n / BigInt(DEFAULT_HZ);
  return {
    monotonicNs: mono,
    bootNs: mono,
    coarseNs: () => (mono() / tick) * tick,
    taiNs: () => wall0 + (mono() - startNs) + TAI_OFFSET_NS,
    jiffies: () => INITIAL_JIFFIES + mono() / tick,
  };
}

/** A clock that only moves when told to (tests). */
export class ManualClock implements Clock {
  constructor(
    public ns = 1_000_000_000n,
    public readonly hz = DEFAULT_HZ,
    public bootOffsetNs = 0n,
    public realtimeNs = 1_700_000_000_000_000_000n,
  ) {}
  advance(ns: bigint | number): void {
    this.ns += BigInt(ns);
  }
  monotonicNs(): bigint {
    return this.ns;
  }
  bootNs(): bigint {
    return this.ns + this.bootOffsetNs;
  }
  coarseNs(): bigint {
    const tick = 1_000_000_000n / BigInt(this.hz);
    return (this.ns / tick) * tick;
  }
  taiNs(): bigint {
    return this.realtimeNs + this.ns + TAI_OFFSET_NS;
  }
  jiffies(): bigint {
    return BigInt((2 ** 32 - 300 * this.hz) >>> 0) + this.ns / (1_000_000_000n / BigInt(this.hz));
  }
}

export function timeHelpers(clock: Clock = systemClock()): HelperDef[] {
  const noArgs = { ret: "RET_INTEGER", args: [] };
  return [
    { id: 5, name: "ktime_get_ns", fn: () => clock.monotonicNs(), proto: noArgs },
    { id: 125, name: "ktime_get_boot_ns", fn: () => clock.bootNs(), proto: noArgs },
    { id: 160, name: "ktime_get_coarse_ns", fn: () => clock.coarseNs(), proto: noArgs },
    { id: 208, name: "ktime_get_tai_ns", fn: () => clock.taiNs(), proto: noArgs },
    { id: 118, name: "jiffies64", fn: () => clock.jiffies(), proto: noArgs },
  ];
}
