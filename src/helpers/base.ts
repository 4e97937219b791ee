/**
 * The non-map helpers in one list: clock, random, cpu, task, probe_read*, trace_printk/snprintf,
 * skb and xdp packet helpers, bpf_loop, strings. The lead aggregates it with the map helpers.
 */
import { cpuHelpers } from "./cpu.js";
import { loopHelpers } from "./loop.js";
import { probeHelpers } from "./probe.js";
import { Prandom, randomHelpers } from "./random.js";
import type { HelperDef } from "./registry.js";
import { skbHelpers } from "./skb.js";
import { stringHelpers } from "./string.js";
import { DEFAULT_TASK, taskHelpers, type FakeTask } from "./task.js";
import { systemClock, timeHelpers, type Clock } from "./time.js";
import { TraceSink, traceHelpers } from "./trace.js";
import { xdpHelpers } from "./xdp.js";

export interface BaseHelperOptions {
  clock?: Clock;
  /** Seed for bpf_get_prandom_u32 (default: time-based). */
  seed?: number;
  task?: FakeTask;
  numaNode?: number;
  /** Where trace_printk lines go (default: a new TraceSink, reachable as options.trace). */
  trace?: TraceSink;
}

export function baseHelpers(options: BaseHelperOptions = {}): HelperDef[] {
  const task = options.task ?? DEFAULT_TASK;
  const clock = options.clock ?? systemClock();
  return [
    ...timeHelpers(clock),
    ...randomHelpers(new Prandom(options.seed ?? Date.now() >>> 0)),
    ...cpuHelpers({ numaNode: options.numaNode ?? 0 }),
    ...taskHelpers(task),
    ...probeHelpers(),
    ...traceHelpers({ sink: options.trace ?? new TraceSink(), task, now: () => clock.monotonicNs() }),
    ...skbHelpers,
    ...xdpHelpers,
    ...loopHelpers(),
    ...stringHelpers(),
  ];
}
