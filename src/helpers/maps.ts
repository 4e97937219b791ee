/**
 * Map helpers: lookup/update/delete, push/pop/peek, lookup_percpu, for_each_map_elem,
 * spin_lock/unlock, redirect_map and the tail-call resolver, each with the kernel's prototype
 * (enum bpf_return_type / bpf_arg_type names) for the verifier. Program-side map operations
 * return what the kernel's do: a value address or 0, 0 or -errno.
 */
import { EbpfError, VmError } from "../errors.js";
import { FdArrayMap, RedirectMap } from "../maps/fd_array.js";
import {
  BPF_F_BROADCAST,
  BPF_F_EXCLUDE_INGRESS,
  EINVAL,
  MapType,
  XDP_ABORTED,
  XDP_REDIRECT,
} from "../maps/constants.js";
import type { MapTable } from "../maps/table.js";
import type { BpfMap, ProgramRef } from "../maps/types.js";
import type { ProgramImage } from "../vm/image.js";
import { PERM_READ, PERM_RW, PERM_WRITE } from "../vm/memory.js";
import { runContext, type RunContext } from "./context.js";
import type { HelperCall, HelperDef, HelperProto } from "./registry.js";

/**
 * The engine hook for_each_map_elem (and later bpf_loop and friends) need: a re-entrant call
 * from a helper back into the running program. Engines that implement it add it to the
 * HelperCall they hand helpers.
 */
export interface CallbackCall extends HelperCall {
  /**
   * Runs the subprogram whose address is `fn` (a FUNC_PTR_HI-tagged value from lddw src=4) with
   * r1–r5 = `args` in a new stack frame and returns its r0 when it exits. r6–r9 and r10 of the
   * calling frame are preserved; faults propagate as VmError.
   */
  callFunction(fn: bigint, args: readonly (bigint | number)[]): bigint;
}

/** What bpf_redirect_map records in the run context (`context.redirect`). */
export interface RedirectRecord {
  map: BpfMap;
  mapId: number | undefined;
  key: number;
  /** devmap: ifindex; cpumap: the CPU (= key). Undefined for a broadcast. */
  target: number | undefined;
  broadcast: boolean;
  excludeIngress: boolean;
}

export const HELPER_IDS = {
  map_lookup_elem: 1,
  map_update_elem: 2,
  map_delete_elem: 3,
  tail_call: 12,
  redirect_map: 51,
  map_push_elem: 87,
  map_pop_elem: 88,
  map_peek_elem: 89,
  spin_lock: 93,
  spin_unlock: 94,
  for_each_map_elem: 164,
  map_lookup_percpu_elem: 195,
} as const;

const p = (ret: string, ...args: string[]): HelperProto => ({ ret, args });

/** The map behind ARG_CONST_MAP_PTR argument `i`, or a fault. */
export function mapArg(table: MapTable, call: HelperCall, i: number, helper: string): BpfMap {
  const m = table.byAddress(call.arg(i));
  if (!m) throw new VmError("EINVAL", `${helper}: r${i} (0x${call.arg(i).toString(16)}) is not a map pointer`, call.pc);
  return m;
}

/** Runs a map operation, turning a map's EbpfError (e.g. a write into a read-only map) into a fault here. */
export function atPc<T>(call: HelperCall, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof EbpfError && !(e instanceof VmError)) throw new VmError(e.code, e.message, call.pc);
    throw e;
  }
}

/** u64 flags as a number the map code compares (anything past 32 bits stays invalid). */
export function flagsArg(call: HelperCall, i: number): number {
  const f = call.arg(i);
  return f > 0xffffffffn ? 0xffffffff : Number(f);
}

function cpuOf(call: HelperCall): number {
  return runContext(call).cpu;
}

const heldLocks = new WeakMap<object, number>();

/** The map_lookup_elem definitions mapHelpers made, with their table (see mapLookupTable). */
const lookupTables = new WeakMap<HelperDef, MapTable>();

/**
 * The map table behind a map_lookup_elem definition when it is this module's own (not one a host
 * registered in its place): an engine may then run lookups its own faster way (the JIT inlines
 * array lookups and calls MapTable/BpfMap.lookupAddr directly), as long as results and faults
 * stay those of the helper.
 */
export function mapLookupTable(def: HelperDef | undefined): MapTable | undefined {
  return def ? lookupTables.get(def) : undefined;
}

export function mapHelpers(table: MapTable): HelperDef[] {
  const key = (call: HelperCall, m: BpfMap, i: number, helper: string): number =>
    call.checkMem(call.argNum(i), m.info.keySize, PERM_READ, `${helper} key`);
  const value = (call: HelperCall, m: BpfMap, i: number, perm: number, helper: string): number =>
    call.checkMem(call.argNum(i), m.info.valueSize, perm, `${helper} value`);

  const lookup: HelperDef = {
    id: 1,
    name: "map_lookup_elem",
    proto: p("RET_PTR_TO_MAP_VALUE_OR_NULL", "ARG_CONST_MAP_PTR", "ARG_PTR_TO_MAP_KEY"),
    fn: (call) => {
      const m = mapArg(table, call, 1, "bpf_map_lookup_elem");
      return m.lookupAddr(key(call, m, 2, "bpf_map_lookup_elem"), cpuOf(call));
    },
  };
  lookupTables.set(lookup, table);

  return [
    lookup,
    {
      id: 2,
      name: "map_update_elem",
      proto: p("RET_INTEGER", "ARG_CONST_MAP_PTR", "ARG_PTR_TO_MAP_KEY", "ARG_PTR_TO_MAP_VALUE", "ARG_ANYTHING"),
      fn: (call) => {
        const m = mapArg(table, call, 1, "bpf_map_update_elem");
        const k = key(call, m, 2, "bpf_map_update_elem");
        const v = value(call, m, 3, PERM_READ, "bpf_map_update_elem");
        return atPc(call, () => m.updateFromVm(k, v, flagsArg(call, 4), cpuOf(call)));
      },
    },
    {
      id: 3,
      name: "map_delete_elem",
      proto: p("RET_INTEGER", "ARG_CONST_MAP_PTR", "ARG_PTR_TO_MAP_KEY"),
      fn: (call) => {
        const m = mapArg(table, call, 1, "bpf_map_delete_elem");
        const k = key(call, m, 2, "bpf_map_delete_elem");
        return atPc(call, () => m.deleteFromVm(k, cpuOf(call)));
      },
    },
    {
      id: 87,
      name: "map_push_elem",
      proto: p("RET_INTEGER", "ARG_CONST_MAP_PTR", "ARG_PTR_TO_MAP_VALUE", "ARG_ANYTHING"),
      fn: (call) => {
        const m = mapArg(table, call, 1, "bpf_map_push_elem");
        const v = value(call, m, 2, PERM_READ, "bpf_map_push_elem");
        return atPc(call, () => m.pushFromVm(v, flagsArg(call, 3), cpuOf(call)));
      },
    },
    {
      id: 88,
      name: "map_pop_elem",
      proto: p("RET_INTEGER", "ARG_CONST_MAP_PTR", "ARG_PTR_TO_MAP_VALUE|MEM_UNINIT|MEM_WRITE"),
      fn: (call) => {
        const m = mapArg(table, call, 1, "bpf_map_pop_elem");
        const v = value(call, m, 2, PERM_WRITE, "bpf_map_pop_elem");
        return atPc(call, () => m.popToVm(v, cpuOf(call)));
      },
    },
    {
      id: 89,
      name: "map_peek_elem",
      proto: p("RET_INTEGER", "ARG_CONST_MAP_PTR", "ARG_PTR_TO_MAP_VALUE|MEM_UNINIT|MEM_WRITE"),
      fn: (call) => {
        const m = mapArg(table, call, 1, "bpf_map_peek_elem");
        // Bloom filters read the value (a membership test); queues and stacks write it.
        const perm = m.info.type === MapType.BLOOM_FILTER ? PERM_READ : PERM_WRITE;
        const v = value(call, m, 2, perm, "bpf_map_peek_elem");
        return atPc(call, () => m.peekToVm(v, cpuOf(call)));
      },
    },
    {
      id: 195,
      name: "map_lookup_percpu_elem",
      proto: p("RET_PTR_TO_MAP_VALUE_OR_NULL", "ARG_CONST_MAP_PTR", "ARG_PTR_TO_MAP_KEY", "ARG_ANYTHING"),
      fn: (call) => {
        const m = mapArg(table, call, 1, "bpf_map_lookup_percpu_elem");
        return m.lookupPercpuAddr(key(call, m, 2, "bpf_map_lookup_percpu_elem"), call.argU32(3));
      },
    },
    {
      id: 164,
      name: "for_each_map_elem",
      proto: p("RET_INTEGER", "ARG_CONST_MAP_PTR", "ARG_PTR_TO_FUNC", "ARG_PTR_TO_STACK_OR_NULL", "ARG_ANYTHING"),
      fn: (call) => {
        const m = mapArg(table, call, 1, "bpf_for_each_map_elem");
        if (call.arg(4) !== 0n) return EINVAL;
        const cb = call.arg(2);
        const ctx = call.arg(3);
        const engine = call as Partial<CallbackCall>;
        if (typeof engine.callFunction !== "function") {
          throw new VmError("ENOTSUPP", "bpf_for_each_map_elem: this engine cannot call back into the program (HelperCall.callFunction missing)", call.pc);
        }
        const callFn = engine.callFunction.bind(call);
        const ident = BigInt(m.identity);
        return m.forEachElem(cpuOf(call), (k, v) => callFn(cb, [ident, k, v, ctx, 0]) !== 0n);
      },
    },
    {
      id: 93,
      name: "spin_lock",
      proto: p("RET_VOID", "ARG_PTR_TO_SPIN_LOCK"),
      fn: (call) => {
        const a = call.checkMem(call.argNum(1), 4, PERM_RW, "bpf_spin_lock");
        const owner = lockOwner(call);
        if (heldLocks.has(owner)) throw new VmError("EINVAL", "bpf_spin_lock: a lock is already held (only one at a time; it would deadlock)", call.pc);
        const view = call.space.view;
        if (view.getUint32(a, true) !== 0) throw new VmError("EINVAL", `bpf_spin_lock: lock at 0x${a.toString(16)} is already taken (deadlock)`, call.pc);
        view.setUint32(a, 1, true);
        heldLocks.set(owner, a);
      },
    },
    {
      id: 94,
      name: "spin_unlock",
      proto: p("RET_VOID", "ARG_PTR_TO_SPIN_LOCK"),
      fn: (call) => {
        const a = call.checkMem(call.argNum(1), 4, PERM_RW, "bpf_spin_unlock");
        const owner = lockOwner(call);
        if (heldLocks.get(owner) !== a) throw new VmError("EINVAL", `bpf_spin_unlock: lock at 0x${a.toString(16)} is not held by this program`, call.pc);
        call.space.view.setUint32(a, 0, true);
        heldLocks.delete(owner);
      },
    },
    {
      id: 51,
      name: "redirect_map",
      proto: p("RET_INTEGER", "ARG_CONST_MAP_PTR", "ARG_ANYTHING", "ARG_ANYTHING"),
      fn: (call) => {
        const m = mapArg(table, call, 1, "bpf_redirect_map");
        const flags = call.arg(3);
        if (flags & ~(3n | BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS)) return XDP_ABORTED;
        if (!(m instanceof RedirectMap)) return Number(flags & 3n);
        const k = call.argU32(2);
        const broadcast = (flags & BPF_F_BROADCAST) !== 0n && !m.isCpumap;
        const e = m.get(k);
        if (!e && !broadcast) return Number(flags & 3n);
        const rec: RedirectRecord = {
          map: m,
          mapId: m.info.id,
          key: k,
          target: broadcast ? undefined : m.isCpumap ? k : e!.value,
          broadcast,
          excludeIngress: (flags & BPF_F_EXCLUDE_INGRESS) !== 0n,
        };
        const ctx = runContext(call) as RunContext & { redirect?: RedirectRecord };
        if (ctx !== (call.context as unknown)) throw new VmError("EINVAL", "bpf_redirect_map needs a run context to record the target in", call.pc);
        ctx.redirect = rec;
        return XDP_REDIRECT;
      },
      progTypes: ["xdp"],
    },
    {
      id: 12,
      name: "tail_call",
      proto: p("RET_VOID", "ARG_PTR_TO_CTX", "ARG_CONST_MAP_PTR", "ARG_ANYTHING"),
      fn: (call) => {
        throw new VmError("ENOTSUPP", "bpf_tail_call: run the program with RunOptions.tailCall = tailCallResolver(table)", call.pc);
      },
    },
  ];
}

function lockOwner(call: HelperCall): object {
  const c = call.context;
  return typeof c === "object" && c !== null ? c : call;
}

/**
 * The function a runtime passes as RunOptions.tailCall: the program in slot `index` of the
 * prog_array `map`, or undefined (empty slot, index out of range, not a prog_array) so the
 * program falls through as the kernel's does. The 33-call limit is the engine's.
 */
export function tailCallResolver(table: MapTable): (call: HelperCall, map: bigint, index: number) => ProgramImage | undefined {
  return (_call, map, index) => {
    const m = table.byAddress(map);
    if (!(m instanceof FdArrayMap) || m.info.type !== MapType.PROG_ARRAY) return undefined;
    return (m.get(index) as ProgramRef | undefined)?.image;
  };
}
