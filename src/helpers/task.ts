/**
 * The current task as helpers see it: get_current_pid_tgid, get_current_uid_gid,
 * get_current_comm. The task is a configurable fake: the run context's `task` field when present,
 * else the one given to taskHelpers().
 */
import { PERM_WRITE } from "../vm/memory.js";
import { runContext } from "./context.js";
import type { HelperCall, HelperDef } from "./registry.js";

export interface FakeTask {
  pid: number;
  tgid: number;
  uid: number;
  gid: number;
  /** TASK_COMM_LEN is 16: at most 15 characters are kept. */
  comm: string;
}

export const DEFAULT_TASK: FakeTask = { pid: 1000, tgid: 1000, uid: 0, gid: 0, comm: "ebpf-ts" };

/** A RunContext extension carrying the task (optional). */
export interface TaskRunContext {
  task?: FakeTask;
}

function currentTask(call: HelperCall, fallback: FakeTask): FakeTask {
  return runContext<{ cpu: number } & TaskRunContext>(call).task ?? fallback;
}

export function taskHelpers(task: FakeTask = DEFAULT_TASK): HelperDef[] {
  return [
    {
      id: 14,
      name: "get_current_pid_tgid",
      fn: (call) => {
        const t = currentTask(call, task);
        return (BigInt(t.tgid >>> 0) << 32n) | BigInt(t.pid >>> 0);
      },
      proto: { ret: "RET_INTEGER", args: [] },
    },
    {
      id: 15,
      name: "get_current_uid_gid",
      fn: (call) => {
        const t = currentTask(call, task);
        return (BigInt(t.gid >>> 0) << 32n) | BigInt(t.uid >>> 0);
      },
      proto: { ret: "RET_INTEGER", args: [] },
    },
    {
      id: 16,
      name: "get_current_comm",
      fn: (call) => {
        const buf = call.argNum(1);
        const size = call.argU32(2);
        call.checkMem(buf, size, PERM_WRITE, "get_current_comm buffer");
        const t = currentTask(call, task);
        const bytes = new TextEncoder().encode(t.comm).subarray(0, 15);
        const u8 = call.space.u8;
        // strscpy_pad: copy what fits, NUL-terminate, zero the rest.
        u8.fill(0, buf, buf + size);
        if (size > 0) u8.set(bytes.subarray(0, size - 1), buf);
        return 0;
      },
      proto: { ret: "RET_INTEGER", args: ["ARG_PTR_TO_UNINIT_MEM", "ARG_CONST_SIZE"] },
    },
  ];
}
