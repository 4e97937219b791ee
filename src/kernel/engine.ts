/**
 * The "kernel" engine: runs a program value in the real kernel through BPF_PROG_TEST_RUN with the
 * same inputs the interpreter takes, and returns the same shape of result.
 */
import type { Instruction } from "../isa/instruction.js";
import { KernelProgram } from "./program.js";

export interface KernelRunnable {
  instructions: readonly Instruction[] | Uint8Array;
  /** Program type (number or name); test runs need one the kernel can test-run (xdp, sched_cls, socket_filter, syscall …). */
  type: string | number;
  license?: string;
  name?: string;
  expectedAttachType?: string | number;
  flags?: number;
  /** Map fds referenced through fd_array (BPF_PSEUDO_MAP_IDX). */
  fdArray?: readonly number[];
}

export interface KernelRunInput {
  /** Packet / data_in. */
  data?: Uint8Array;
  /** Context in (struct xdp_md, struct __sk_buff …). */
  ctx?: Uint8Array;
  /** Size to reserve for ctx_out; default: the ctx length. */
  ctxOutSize?: number;
  repeat?: number;
  flags?: number;
}

export interface KernelRunResult {
  /** r0 as the kernel reports it: the low 32 bits, unsigned. */
  retval: number;
  dataOut: Uint8Array;
  ctxOut?: Uint8Array;
  durationNs: number;
}

/** Loads, test-runs once (or `repeat` times) and closes. Throws KernelError on rejection. */
export function runInKernel(program: KernelRunnable, input: KernelRunInput = {}): KernelRunResult {
  using prog = KernelProgram.load({
    type: program.type,
    instructions: program.instructions,
    license: program.license,
    name: program.name,
    expectedAttachType: program.expectedAttachType,
    flags: program.flags,
    fdArray: program.fdArray,
  });
  return runLoaded(prog, input);
}

/** Test-runs an already loaded program. */
export function runLoaded(prog: KernelProgram, input: KernelRunInput = {}): KernelRunResult {
  const res = prog.testRun({
    data: input.data,
    ctx: input.ctx,
    ctxOutSize: input.ctxOutSize,
    repeat: input.repeat,
    flags: input.flags,
  });
  const out: KernelRunResult = { retval: res.retval, dataOut: res.dataOut ?? new Uint8Array(0), durationNs: res.durationNs };
  if (res.ctxOut) out.ctxOut = res.ctxOut;
  return out;
}
