/**
 * Calls and returns: helper calls checked against their prototypes (check_helper_call,
 * check_func_arg, check_reg_type), reference tracking (ringbuf reserve/submit), spin locks,
 * map/helper compatibility, bpf-to-bpf calls and callbacks (bpf_loop, for_each_map_elem),
 * function exit and the program's return value.
 */
import type { Instruction } from "../isa/instruction.js";
import { helperName } from "../helpers/ids.js";
import { helpersFor, returnRangeFor } from "../progtypes/define.js";
import { markRegKnownZero, markRegNotInit, markRegUnknown, regBoundsSync, registerIsNull, S32_MIN, S32_MAX, S64_MAX, S64_MIN } from "./bounds.js";
import { checkBtfArg, helperRetBtfId } from "./btf-access.js";
import { subprogOf } from "./cfg.js";
import { markChainPrecision, markSlotPrecision } from "./precision.js";
import { VerifyError, type Env } from "./env.js";
import { printVerifierState } from "./log.js";
import { checkHelperMemAccess, checkMemAccess, checkMemSizeReg, checkPtrOffReg, type RawMeta } from "./mem.js";
import {
  ARG_ANYTHING,
  ARG_CONST_ALLOC_SIZE_OR_ZERO,
  ARG_CONST_MAP_PTR,
  ARG_CONST_SIZE,
  ARG_CONST_SIZE_OR_ZERO,
  ARG_DONTCARE,
  ARG_PTR_TO_BTF_ID,
  ARG_PTR_TO_BTF_ID_SOCK_COMMON,
  ARG_PTR_TO_CONST_STR,
  ARG_PTR_TO_CTX,
  ARG_PTR_TO_FUNC,
  ARG_PTR_TO_INT,
  ARG_PTR_TO_LONG,
  ARG_PTR_TO_MAP_KEY,
  ARG_PTR_TO_MAP_VALUE,
  ARG_PTR_TO_MEM,
  ARG_PTR_TO_RINGBUF_MEM_BASE,
  ARG_PTR_TO_SOCK_COMMON,
  ARG_PTR_TO_SOCKET,
  ARG_PTR_TO_SPIN_LOCK,
  ARG_PTR_TO_STACK,
  ARG_PTR_TO_TIMER,
  CHANGES_PKT_DATA,
  F_FIXED_SIZE,
  F_MAYBE_NULL,
  F_RDONLY,
  F_RELEASE,
  F_UNINIT,
  F_WRITE,
  FUNC_FOR_EACH_MAP_ELEM,
  FUNC_GET_LOCAL_STORAGE,
  FUNC_GET_SMP_PROCESSOR_ID,
  FUNC_GET_STACK,
  FUNC_GET_TASK_STACK,
  FUNC_LOOP,
  FUNC_MAP_LOOKUP_ELEM,
  FUNC_PROBE_READ_KERNEL_STR,
  FUNC_PROBE_READ_STR,
  FUNC_PROBE_READ_USER_STR,
  FUNC_RINGBUF_RESERVE,
  FUNC_SPIN_LOCK,
  FUNC_SPIN_UNLOCK,
  FUNC_TAIL_CALL,
  RET_INTEGER,
  RET_PTR_TO_BTF_ID,
  RET_PTR_TO_MAP_VALUE,
  RET_PTR_TO_MEM,
  RET_PTR_TO_SOCK_COMMON,
  RET_PTR_TO_SOCKET,
  RET_PTR_TO_TCP_SOCK,
  RET_VOID,
  argBase,
} from "./protos.js";
import { copyReg } from "./bounds.js";
import { forEachReg, IdMap, isSpilledScalarReg, newFuncState, regsExactScalar, slotForWrite, statesMaybeLooping } from "./state.js";
import { tnumIsConst } from "./tnum.js";
import {
  BPF_REG_SIZE,
  CONST_PTR_TO_MAP,
  MAX_CALL_FRAMES,
  MEM_ALLOC,
  MEM_RCU,
  MEM_RDONLY,
  MEM_RINGBUF,
  PTR_MAYBE_NULL,
  PTR_TO_BTF_ID,
  PTR_TO_BUF,
  PTR_TO_CTX,
  PTR_TO_FUNC,
  PTR_TO_MAP_KEY,
  PTR_TO_MAP_VALUE,
  PTR_TO_MEM,
  PTR_TO_PACKET,
  PTR_TO_PACKET_META,
  PTR_TO_SOCK_COMMON,
  PTR_TO_SOCKET,
  PTR_TO_STACK,
  PTR_TO_TCP_SOCK,
  PTR_TO_XDP_SOCK,
  PTR_TRUSTED,
  SCALAR_VALUE,
  STACK_SPILL,
  STACK_ZERO,
  regTypeStr,
  type MapDesc,
  type Reg,
  type VState,
  slotType,
} from "./types.js";

export function funcIdName(id: number): string {
  const n = helperName(id);
  return n === undefined || id === 0 ? "unknown" : `bpf_${n}`;
}

const FUNC_GET_FUNC_IP = 173;
const FUNC_D_PATH = 147;
/** Helpers whose proto has might_sleep: only sleepable programs may call them. */
const MIGHT_SLEEP = new Set([148 /* copy_from_user */, 191 /* copy_from_user_task */]);
/** btf_allowlist_d_path: the functions whose fentry/fexit programs may call bpf_d_path. */
const D_PATH_TARGETS = new Set(["security_file_permission", "security_inode_getattr", "security_file_open", "security_path_truncate", "vfs_truncate", "vfs_fallocate", "dentry_open", "vfs_getattr", "filp_close"]);

function dPathAllowed(env: Env): boolean {
  const t = env.options.tracing;
  if (env.options.attachType === "trace_iter") return true;
  return t !== undefined && !t.rawTp && D_PATH_TARGETS.has(t.funcName);
}

const MAP_KEY_VALUE_TYPES = [PTR_TO_STACK, PTR_TO_PACKET, PTR_TO_PACKET_META, PTR_TO_MAP_KEY, PTR_TO_MAP_VALUE];
const MEM_TYPES = [
  PTR_TO_STACK,
  PTR_TO_PACKET,
  PTR_TO_PACKET_META,
  PTR_TO_MAP_KEY,
  PTR_TO_MAP_VALUE,
  PTR_TO_MEM,
  PTR_TO_MEM | MEM_RINGBUF,
  PTR_TO_BUF,
  PTR_TO_BTF_ID | PTR_TRUSTED,
];
const COMPATIBLE: Record<number, number[]> = {
  [ARG_PTR_TO_MAP_KEY]: MEM_TYPES,
  [ARG_PTR_TO_MAP_VALUE]: MEM_TYPES,
  [ARG_CONST_SIZE]: [SCALAR_VALUE],
  [ARG_CONST_SIZE_OR_ZERO]: [SCALAR_VALUE],
  [ARG_CONST_ALLOC_SIZE_OR_ZERO]: [SCALAR_VALUE],
  [ARG_CONST_MAP_PTR]: [CONST_PTR_TO_MAP],
  [ARG_PTR_TO_CTX]: [PTR_TO_CTX],
  [ARG_PTR_TO_SOCK_COMMON]: [PTR_TO_SOCK_COMMON, PTR_TO_SOCKET, PTR_TO_TCP_SOCK, PTR_TO_XDP_SOCK],
  [ARG_PTR_TO_SOCKET]: [PTR_TO_SOCKET],
  [ARG_PTR_TO_MEM]: MEM_TYPES,
  [ARG_PTR_TO_RINGBUF_MEM_BASE]: [PTR_TO_MEM | MEM_RINGBUF],
  [ARG_PTR_TO_INT]: MAP_KEY_VALUE_TYPES,
  [ARG_PTR_TO_LONG]: MAP_KEY_VALUE_TYPES,
  [ARG_PTR_TO_FUNC]: [PTR_TO_FUNC],
  [ARG_PTR_TO_STACK]: [PTR_TO_STACK],
  [ARG_PTR_TO_CONST_STR]: [PTR_TO_MAP_VALUE],
  [ARG_PTR_TO_TIMER]: [PTR_TO_MAP_VALUE],
  [ARG_PTR_TO_SPIN_LOCK]: [PTR_TO_MAP_VALUE, PTR_TO_BTF_ID | MEM_ALLOC],
  [ARG_PTR_TO_BTF_ID]: [PTR_TO_BTF_ID, PTR_TO_BTF_ID | PTR_TRUSTED, PTR_TO_BTF_ID | MEM_RCU],
  [ARG_PTR_TO_BTF_ID_SOCK_COMMON]: [PTR_TO_SOCK_COMMON, PTR_TO_SOCKET, PTR_TO_TCP_SOCK, PTR_TO_XDP_SOCK, PTR_TO_BTF_ID, PTR_TO_BTF_ID | PTR_TRUSTED],
};

interface CallMeta extends RawMeta {
  map: MapDesc | null;
  msizeMax: bigint;
  refObjId: number;
  releaseRegno: number;
  memSize: number;
  subprogno: number;
  constMapKey: bigint;
  funcId: number;
}

function checkRegType(env: Env, regno: number, argType: number): void {
  const reg = env.regs[regno]!;
  const compatible = COMPATIBLE[argBase(argType)];
  if (!compatible) env.fail(`verifier bug: unsupported arg type ${argType}`, "EFAULT");
  let type = reg.type;
  if (argType & F_RDONLY) type &= ~MEM_RDONLY;
  if (argType & F_MAYBE_NULL) type &= ~PTR_MAYBE_NULL;
  if (compatible.includes(type)) return;
  env.fail(`R${regno} type=${regTypeStr(reg.type)} expected=${compatible.map(regTypeStr).join(", ")}`);
}

function checkFuncArgRegOff(env: Env, reg: Reg, regno: number, argType: number): void {
  if (argType & F_RELEASE) {
    if (reg.off) env.fail(`R${regno} must have zero offset when passed to release func or trusted arg to kfunc`, "EINVAL");
    checkPtrOffReg(env, reg, regno, false);
    return;
  }
  switch (reg.type) {
    case PTR_TO_STACK:
    case PTR_TO_PACKET:
    case PTR_TO_PACKET_META:
    case PTR_TO_MAP_KEY:
    case PTR_TO_MAP_VALUE:
    case PTR_TO_MEM:
    case PTR_TO_MEM | MEM_RDONLY:
    case PTR_TO_MEM | MEM_RINGBUF:
    case PTR_TO_BUF:
    case PTR_TO_BUF | MEM_RDONLY:
    case SCALAR_VALUE:
      return;
    case PTR_TO_BTF_ID:
    case PTR_TO_BTF_ID | PTR_TRUSTED:
    case PTR_TO_BTF_ID | MEM_RCU:
      checkPtrOffReg(env, reg, regno, true);
      return;
    default:
      checkPtrOffReg(env, reg, regno, false);
  }
}

/** get_constant_map_key: a constant key on the stack lets array lookups skip the null check. */
function constantMapKey(env: Env, key: Reg, keySize: number): bigint {
  if (!env.privileged || key.type !== PTR_TO_STACK || !tnumIsConst(key.varOff)) return -1n;
  const stackOff = key.off + Number(BigInt.asIntN(64, key.varOff.value));
  const slotIdx = -stackOff - 1;
  const spi = Math.floor(slotIdx / BPF_REG_SIZE);
  const off = slotIdx % BPF_REG_SIZE;
  const slot = env.frameOf(key).stack[spi];
  if (!slot) return -1n;
  let zero = 0;
  for (let i = off; i >= 0 && slotType(slot, i) === STACK_ZERO; i--) zero++;
  if (zero >= keySize) return 0n;
  if (!isSpilledScalarReg(slot)) return -1n;
  markSlotPrecision(env, key.frameno, spi);
  let spill = 0;
  for (let i = off; i >= 0 && slotType(slot, i) === STACK_SPILL; i--) spill++;
  if (spill !== keySize) return -1n;
  if (!tnumIsConst(slot.spilled.varOff)) return -1n;
  return slot.spilled.varOff.value;
}

function checkRegConstStr(env: Env, reg: Reg, regno: number): void {
  const map = reg.map!;
  if (!map.readOnly) env.fail(`R${regno} does not point to a readonly map'`);
  if (!tnumIsConst(reg.varOff)) env.fail(`R${regno} is not a constant address'`);
  const off = reg.off + Number(reg.varOff.value);
  if (map.frozenValue) {
    const bytes = map.frozenValue;
    let ok = false;
    for (let i = off; i < bytes.length; i++) if (bytes[i] === 0) ok = true;
    if (!ok) env.fail("string is not zero-terminated", "EINVAL");
  }
}

/** check_func_arg. */
function checkFuncArg(env: Env, arg: number, meta: CallMeta, args: number[]): void {
  const regno = arg + 1;
  const argType = args[arg] ?? ARG_DONTCARE;
  if (argType === ARG_DONTCARE) return;
  env.checkRegArg(regno, "src");
  const reg = env.regs[regno]!;
  if (argType === ARG_ANYTHING) {
    if (env.isPointerValue(regno)) env.fail(`R${regno} leaks addr into helper function`);
    return;
  }
  if ((reg.type === PTR_TO_PACKET || reg.type === PTR_TO_PACKET_META) && !mayAccessPktData(env, meta.funcId)) {
    env.fail("helper access to the packet is not allowed");
  }
  const base = argBase(argType);
  const skipType = registerIsNull(reg) && (argType & F_MAYBE_NULL) !== 0;
  if (!skipType) {
    checkRegType(env, regno, argType);
    checkBtfArg(env, env.options.tracing, meta.funcId, arg, (argType & F_MAYBE_NULL) !== 0);
    checkFuncArgRegOff(env, reg, regno, argType);
  }
  if (argType & F_RELEASE) {
    if (!reg.refObjId && !registerIsNull(reg)) env.fail(`R${regno} must be referenced when passed to release function`, "EINVAL");
    meta.releaseRegno = regno;
  }
  if (reg.refObjId) {
    if (meta.refObjId) env.fail(`more than one arg with ref_obj_id R${regno} ${reg.refObjId} ${meta.refObjId}`);
    meta.refObjId = reg.refObjId;
  }
  switch (base) {
    case ARG_CONST_MAP_PTR:
      meta.map = reg.map;
      break;
    case ARG_PTR_TO_MAP_KEY: {
      if (!meta.map) env.fail("invalid map_ptr to access map->key", "EFAULT");
      checkHelperMemAccess(env, regno, meta.map.keySize, "read", false, null);
      if (meta.map.type === 2 || meta.map.type === 6) meta.constMapKey = constantMapKey(env, reg, meta.map.keySize);
      break;
    }
    case ARG_PTR_TO_MAP_VALUE: {
      if (argType & F_MAYBE_NULL && registerIsNull(reg)) return;
      if (!meta.map) env.fail("invalid map_ptr to access map->value", "EFAULT");
      meta.rawMode = (argType & F_UNINIT) !== 0;
      checkHelperMemAccess(env, regno, meta.map.valueSize, argType & F_WRITE ? "write" : "read", false, meta);
      break;
    }
    case ARG_PTR_TO_FUNC:
      meta.subprogno = reg.subprogno;
      break;
    case ARG_PTR_TO_MEM:
      meta.rawMode = (argType & F_UNINIT) !== 0;
      if (argType & F_FIXED_SIZE) env.fail("fixed-size memory arguments are not supported", "EINVAL");
      break;
    case ARG_CONST_SIZE:
    case ARG_CONST_SIZE_OR_ZERO: {
      const prev = args[arg - 1] ?? 0;
      if (skipType) break;
      checkMemSizeReg(env, regno, prev & F_WRITE ? "write" : "read", base === ARG_CONST_SIZE_OR_ZERO, meta);
      break;
    }
    case ARG_CONST_ALLOC_SIZE_OR_ZERO:
      if (!tnumIsConst(reg.varOff)) env.fail(`R${regno} is not a known constant'`);
      meta.memSize = Number(reg.varOff.value);
      markChainPrecision(env, regno);
      break;
    case ARG_PTR_TO_INT:
    case ARG_PTR_TO_LONG: {
      const size = base === ARG_PTR_TO_INT ? 4 : 8;
      checkHelperMemAccess(env, regno, size, "read", false, meta);
      break;
    }
    case ARG_PTR_TO_CONST_STR:
      checkRegConstStr(env, reg, regno);
      break;
    case ARG_PTR_TO_SPIN_LOCK:
      if (meta.funcId === FUNC_SPIN_LOCK) processSpinLock(env, regno, true);
      else if (meta.funcId === FUNC_SPIN_UNLOCK) processSpinLock(env, regno, false);
      break;
  }
}

function processSpinLock(env: Env, regno: number, isLock: boolean): void {
  const reg = env.regs[regno]!;
  if (!tnumIsConst(reg.varOff)) env.fail(`R${regno} doesn't have constant offset. bpf_spin_lock has to be at the constant offset`, "EINVAL");
  const map = reg.map!;
  if (map.spinLockOff === undefined) env.fail(`map '${map.name}' has no valid bpf_spin_lock`, "EINVAL");
  const off = Number(reg.varOff.value) + reg.off;
  if (map.spinLockOff !== off) env.fail(`off ${off} doesn't point to 'struct bpf_spin_lock' that is at ${map.spinLockOff}`, "EINVAL");
  const cur = env.cur;
  if (isLock) {
    if (cur.activeLockId) env.fail("Locking two bpf_spin_locks are not allowed", "EINVAL");
    cur.activeLockId = reg.id;
    cur.activeLockMapUid = map.uid;
    cur.refs.push({ id: reg.id, insnIdx: env.insnIdx, kind: "lock" });
  } else {
    if (!cur.activeLockId) env.fail("bpf_spin_unlock without taking a lock", "EINVAL");
    if (cur.activeLockId !== reg.id || cur.activeLockMapUid !== map.uid) env.fail("bpf_spin_unlock of different lock", "EINVAL");
    cur.activeLockId = 0;
    cur.refs = cur.refs.filter((r) => r.kind !== "lock");
  }
}

function mayAccessPktData(env: Env, funcId: number): boolean {
  void funcId;
  switch (env.progType?.name) {
    case "socket_filter":
    case "cgroup_skb":
    case "kprobe":
    case "tracepoint":
    case "raw_tracepoint":
    case "perf_event":
    case "syscall":
    case "sock_ops":
    case "cgroup_sock":
    case "cgroup_sock_addr":
      return false;
    default:
      return true;
  }
}

/** release_reference: drop the reference and invalidate every register that holds it. */
function releaseReference(env: Env, refObjId: number): boolean {
  const st = env.cur;
  const i = st.refs.findIndex((r) => r.id === refObjId && r.kind === "ptr");
  if (i < 0) return false;
  st.refs.splice(i, 1);
  // mark_reg_invalid: privileged programs keep an unknown scalar, others an unreadable register.
  forEachReg(st, (r) => {
    if (r.refObjId === refObjId) {
      if (env.allowPtrLeaks) markRegUnknown(r);
      else markRegNotInit(r);
    }
  });
  return true;
}

/** check_reference_leak / check_resource_leak. */
export function checkResourceLeak(env: Env, checkLock: boolean, prefix: string): void {
  const st = env.cur;
  if (checkLock && st.activeLockId) env.fail(`${prefix} cannot be used inside bpf_spin_lock-ed region`, "EINVAL");
  if (env.cur.curframe) return;
  let leaked = false;
  for (const r of st.refs) {
    if (r.kind !== "ptr") continue;
    env.note(`Unreleased reference id=${r.id} alloc_insn=${r.insnIdx}\n`);
    leaked = true;
  }
  if (leaked) env.fail(`${prefix} would lead to reference leak`, "EINVAL");
}

const MT = { HASH: 1, ARRAY: 2, PROG_ARRAY: 3, PERF_EVENT_ARRAY: 4, PERCPU_HASH: 5, PERCPU_ARRAY: 6, STACK_TRACE: 7, CGROUP_ARRAY: 8, LRU_HASH: 9, LRU_PERCPU_HASH: 10, ARRAY_OF_MAPS: 12, HASH_OF_MAPS: 13, DEVMAP: 14, CPUMAP: 16, XSKMAP: 17, CGROUP_STORAGE: 19, PERCPU_CGROUP_STORAGE: 21, QUEUE: 22, STACK: 23, DEVMAP_HASH: 25, RINGBUF: 27, BLOOM_FILTER: 30 };

function checkMapFuncCompatibility(env: Env, map: MapDesc | null, funcId: number): void {
  if (!map) return;
  const t = map.type;
  const err = (): never => env.fail(`cannot pass map_type ${t} into func ${funcIdName(funcId)}#${funcId}`, "EINVAL");
  const is = (...ids: number[]): boolean => ids.includes(funcId);
  switch (t) {
    case MT.PROG_ARRAY:
      if (!is(12)) err();
      break;
    case MT.PERF_EVENT_ARRAY:
      if (!is(22, 25, 111, 55, 121)) err();
      break;
    case MT.RINGBUF:
      if (!is(130, 131, 134, 198, 199, 200)) err();
      break;
    case MT.STACK_TRACE:
      if (!is(27)) err();
      break;
    case MT.CGROUP_ARRAY:
      if (!is(33, 37)) err();
      break;
    case MT.CGROUP_STORAGE:
    case MT.PERCPU_CGROUP_STORAGE:
      if (!is(81)) err();
      break;
    case MT.DEVMAP:
    case MT.DEVMAP_HASH:
      if (!is(51, 1)) err();
      break;
    case MT.CPUMAP:
      if (!is(51)) err();
      break;
    case MT.XSKMAP:
      if (!is(51, 1)) err();
      break;
    case MT.ARRAY_OF_MAPS:
    case MT.HASH_OF_MAPS:
      if (!is(1)) err();
      break;
    case MT.QUEUE:
    case MT.STACK:
      if (!is(87, 88, 89)) err();
      break;
    case MT.BLOOM_FILTER:
      if (!is(87, 89)) err();
      break;
  }
  switch (funcId) {
    case 12:
      if (t !== MT.PROG_ARRAY) err();
      break;
    case 22:
    case 25:
    case 55:
    case 111:
    case 121:
      if (t !== MT.PERF_EVENT_ARRAY) err();
      break;
    case 130:
    case 131:
    case 134:
      if (t !== MT.RINGBUF) err();
      break;
    case 27:
      if (t !== MT.STACK_TRACE) err();
      break;
    case 33:
    case 37:
      if (t !== MT.CGROUP_ARRAY) err();
      break;
    case 51:
      if (t !== MT.DEVMAP && t !== MT.DEVMAP_HASH && t !== MT.CPUMAP && t !== MT.XSKMAP) err();
      break;
    case 88:
      if (t !== MT.QUEUE && t !== MT.STACK) err();
      break;
    case 87:
    case 89:
      if (t !== MT.QUEUE && t !== MT.STACK && t !== MT.BLOOM_FILTER) err();
      break;
    case 195:
      if (t !== MT.PERCPU_ARRAY && t !== MT.PERCPU_HASH && t !== MT.LRU_PERCPU_HASH) err();
      break;
  }
}

/** Clears r0–r5 after a call (mark_reg_not_init on the caller-saved registers). */
function clearCallerSaved(env: Env, regs: Reg[]): void {
  for (let i = 0; i <= 5; i++) {
    markRegNotInit(regs[i]!);
    env.scratch.markReg(i);
  }
}

/** check_helper_call. Returns the next instruction index. */
export function checkHelperCall(env: Env, insn: Instruction, insnIdx: number): number {
  const funcId = insn.imm | 0; // int32 already; `| 0` keeps meta.funcId a small integer, not a boxed double
  const helper = env.helpers.get(funcId);
  const name = helperName(funcId);
  if (name === undefined || funcId <= 0) env.fail(`invalid func ${funcIdName(funcId)}#${funcId}`, "EINVAL");
  const allowed = env.progType ? helpersFor(env.progType, env.options.attachType).has(name) : true;
  if (!allowed || !helper) env.fail(`program of this type cannot use helper ${funcIdName(funcId)}#${funcId}`, "EINVAL");
  // fn->allowed and fn->might_sleep, checked before the arguments.
  if (funcId === FUNC_D_PATH && !dPathAllowed(env)) env.fail("helper call is not allowed in probe", "EINVAL");
  if (MIGHT_SLEEP.has(funcId) && !env.options.sleepable) env.fail("helper call might sleep in a non-sleepable prog", "EINVAL");
  const proto = helper.proto;
  if (!proto) env.fail(`no prototype known for helper ${funcIdName(funcId)}#${funcId}; cannot verify the call`, "EINVAL");
  const meta: CallMeta = {
    map: null,
    msizeMax: 0n,
    refObjId: 0,
    releaseRegno: 0,
    memSize: 0,
    subprogno: 0,
    constMapKey: -1n,
    funcId,
    rawMode: false,
    accessSize: 0,
    regno: 0,
  };
  const args = proto.args;
  for (let i = 0; i < 5; i++) checkFuncArg(env, i, meta, args);
  // record_func_map (the kernel prints this one without a newline).
  if (funcId === FUNC_TAIL_CALL && meta.map && meta.map.type !== MT.PROG_ARRAY) {
    env.note("expected prog array map for tail call");
    throw new VerifyError("EINVAL", "expected prog array map for tail call");
  }
  // record_func_key: a constant in-range tail-call index is remembered, so it must be precise
  if (funcId === FUNC_TAIL_CALL && meta.map) {
    const key = env.regs[3]!;
    if (key.type === SCALAR_VALUE && tnumIsConst(key.varOff) && key.varOff.value < BigInt(meta.map.maxEntries)) markChainPrecision(env, 3);
  }

  for (let i = 0; i < meta.accessSize; i++) {
    checkMemAccess(env, { insnIdx, regno: meta.regno, off: i, size: 1, access: "write", valueRegno: -1, strictOnce: false, isLdsx: false });
  }
  const regs = env.regs;
  if (meta.releaseRegno) {
    let ok = false;
    if (meta.refObjId) ok = releaseReference(env, meta.refObjId);
    else if (registerIsNull(regs[meta.releaseRegno]!)) ok = true;
    if (!ok) env.fail(`func ${funcIdName(funcId)}#${funcId} reference has not been acquired before`, "EINVAL");
  }

  let next = insnIdx + 1;
  switch (funcId) {
    case FUNC_GET_FUNC_IP:
      // check_get_func_ip: only programs with a trampoline know the traced function's address.
      if (env.progType?.name === "tracing" && env.options.attachType === "trace_raw_tp") {
        env.fail(`func ${funcIdName(funcId)}#${funcId} supported only for fentry/fexit/fmod_ret programs`, "ENOTSUPP");
      }
      break;
    case FUNC_TAIL_CALL:
      checkResourceLeak(env, true, "tail_call");
      break;
    case FUNC_GET_LOCAL_STORAGE:
      markChainPrecision(env, 2);
      if (!registerIsNull(regs[2]!)) env.fail("get_local_storage() doesn't support non-zero flags", "EINVAL");
      break;
    case FUNC_FOR_EACH_MAP_ELEM:
      next = pushCallbackCall(env, insnIdx, meta.subprogno, "map_elem", meta.map);
      break;
    case FUNC_LOOP: {
      const f = env.frame;
      // update_loop_inline_state: inlining depends on flags being 0, so a zero flags is precise
      const flags = regs[4]!;
      if (flags.type === SCALAR_VALUE && tnumIsConst(flags.varOff) && flags.varOff.value === 0n) markChainPrecision(env, 4);
      markChainPrecision(env, 1);
      if (BigInt(f.callbackDepth) < regs[1]!.umax) next = pushCallbackCall(env, insnIdx, meta.subprogno, "loop", null);
      else {
        f.callbackDepth = 0;
        if (env.log.level >= 2) env.verbose(`frame${env.cur.curframe} bpf_loop iteration limit reached\n`);
      }
      break;
    }
  }

  clearCallerSaved(env, regs);
  const r0 = regs[0]!;
  const ret = proto.ret;
  const retFlag = ret & ~0xff & ~0;
  switch (ret & 0xff) {
    case RET_INTEGER:
      markRegUnknown(r0);
      break;
    case RET_VOID:
      r0.type = 0;
      break;
    case RET_PTR_TO_MAP_VALUE: {
      markRegUnknown(r0);
      markRegKnownZero(r0);
      if (!meta.map) env.fail("verifier bug: unexpected null map_ptr", "EFAULT");
      let flag = retFlag & (F_MAYBE_NULL | MEM_RDONLY);
      if (funcId === FUNC_MAP_LOOKUP_ELEM && (meta.map.type === 2 || meta.map.type === 6) && meta.constMapKey >= 0n && meta.constMapKey < BigInt(meta.map.maxEntries)) {
        flag &= ~PTR_MAYBE_NULL;
      }
      r0.map = meta.map;
      r0.type = PTR_TO_MAP_VALUE | flag;
      if (!(flag & PTR_MAYBE_NULL) && meta.map.spinLockOff !== undefined) r0.id = env.newId();
      break;
    }
    case RET_PTR_TO_MEM:
      markRegUnknown(r0);
      markRegKnownZero(r0);
      r0.type = PTR_TO_MEM | (retFlag & (F_MAYBE_NULL | MEM_RINGBUF | MEM_RDONLY));
      r0.memSize = meta.memSize;
      break;
    case RET_PTR_TO_BTF_ID: {
      const id = helperRetBtfId(env.options.tracing, funcId);
      if (id < 0) env.fail(`helper ${funcIdName(funcId)}#${funcId} returns a kernel object this verifier has no BTF for`, "EINVAL");
      markRegUnknown(r0);
      markRegKnownZero(r0);
      r0.type = PTR_TO_BTF_ID | (retFlag & (F_MAYBE_NULL | PTR_TRUSTED | MEM_RCU));
      r0.memSize = id;
      break;
    }
    case RET_PTR_TO_SOCKET:
    case RET_PTR_TO_TCP_SOCK:
    case RET_PTR_TO_SOCK_COMMON: {
      markRegUnknown(r0);
      markRegKnownZero(r0);
      const base = (ret & 0xff) === RET_PTR_TO_SOCKET ? PTR_TO_SOCKET : (ret & 0xff) === RET_PTR_TO_TCP_SOCK ? PTR_TO_TCP_SOCK : PTR_TO_SOCK_COMMON;
      r0.type = base | (retFlag & F_MAYBE_NULL);
      break;
    }
    default:
      env.fail(`helper ${funcIdName(funcId)}#${funcId} returns a type this verifier does not model`, "EINVAL");
  }
  if (r0.type & PTR_MAYBE_NULL) r0.id = env.newId();
  if (funcId === FUNC_RINGBUF_RESERVE) {
    const id = env.newId();
    env.cur.refs.push({ id, insnIdx, kind: "ptr" });
    r0.id = id;
    r0.refObjId = id;
  }
  // do_refine_retval_range
  if ((ret & 0xff) === RET_INTEGER) {
    switch (funcId) {
      case FUNC_GET_STACK:
      case FUNC_GET_TASK_STACK:
      case FUNC_PROBE_READ_STR:
      case FUNC_PROBE_READ_KERNEL_STR:
      case FUNC_PROBE_READ_USER_STR:
        r0.smax = meta.msizeMax > S64_MAX ? S64_MAX : meta.msizeMax;
        r0.s32max = BigInt.asIntN(32, meta.msizeMax);
        r0.smin = -4095n;
        r0.s32min = -4095n;
        regBoundsSync(r0);
        break;
      case FUNC_GET_SMP_PROCESSOR_ID: {
        const n = BigInt(env.options.nrCpus - 1);
        r0.umax = r0.u32max = r0.smax = r0.s32max = n;
        r0.umin = r0.u32min = r0.smin = r0.s32min = 0n;
        regBoundsSync(r0);
        break;
      }
    }
  }
  checkMapFuncCompatibility(env, meta.map, funcId);
  if (CHANGES_PKT_DATA.has(funcId)) clearAllPktPointers(env);
  void S32_MIN;
  void S32_MAX;
  void S64_MIN;
  return next;
}

function clearAllPktPointers(env: Env): void {
  forEachReg(env.cur, (r) => {
    if (r.type === PTR_TO_PACKET || r.type === PTR_TO_PACKET_META || r.type === (PTR_TO_PACKET + 1)) {
      markRegUnknown(r);
    }
  });
}

// ---- bpf-to-bpf calls and callbacks -------------------------------------------------------------

function setupFuncEntry(env: Env, subprog: number, callsite: number, kind: "call" | "loop" | "map_elem", map: MapDesc | null, st = env.cur): void {
  if (st.curframe + 1 >= MAX_CALL_FRAMES) env.fail(`the call stack of ${st.curframe + 2} frames is too deep`, "E2BIG");
  const caller = st.frames[st.curframe]!;
  const callee = newFuncState(st.curframe + 1, callsite, subprog);
  if (kind === "call") {
    for (let i = 1; i <= 5; i++) callee.regs[i] = copyReg(caller.regs[i]!);
  } else if (kind === "loop") {
    // set_loop_callback_state: r1 = index, r2 = ctx.
    callee.regs[1] = copyReg(caller.regs[1]!);
    markRegUnknown(callee.regs[1]!);
    callee.regs[2] = copyReg(caller.regs[3]!);
    callee.inCallbackFn = true;
    callee.callbackRetRange = [0n, 1n];
  } else {
    // set_map_elem_callback_state: r1 = map, r2 = key, r3 = value, r4 = ctx.
    const m = map!;
    // Only hash and array maps (and their per-CPU and LRU forms) have map_for_each_callback.
    if (![MT.HASH, MT.ARRAY, MT.PERCPU_HASH, MT.PERCPU_ARRAY, MT.LRU_HASH, MT.LRU_PERCPU_HASH].includes(m.type)) {
      env.fail("callback function not allowed for map", "ENOTSUPP");
    }
    const r1 = copyReg(caller.regs[1]!);
    const key = copyReg(caller.regs[1]!);
    markRegUnknown(key);
    markRegKnownZero(key);
    key.type = PTR_TO_MAP_KEY;
    key.map = m;
    const val = copyReg(key);
    val.type = PTR_TO_MAP_VALUE;
    callee.regs[1] = r1;
    callee.regs[2] = key;
    callee.regs[3] = val;
    callee.regs[4] = copyReg(caller.regs[3]!);
    callee.inCallbackFn = true;
    callee.callbackRetRange = [0n, 1n];
  }
  st.frames[st.curframe + 1] = callee;
  st.curframe++;
  // init_reg_state marks every register of the new frame, which scratches them all: the next
  // state line of the log shows every initialised register.
  for (let i = 0; i <= 10; i++) env.scratch.markReg(i);
}

function pushCallbackCall(env: Env, insnIdx: number, subprog: number, kind: "loop" | "map_elem", map: MapDesc | null): number {
  if (!env.options.hasFuncInfo) {
    // check_ld_imm already refused the function pointer without func_info.
  }
  const start = env.info.subprogStarts[subprog]!;
  const cb = env.pushStack(start, insnIdx);
  setupFuncEntry(env, subprog, insnIdx, kind, map, cb);
  cb.callbackUnrollDepth++;
  cb.frames[cb.curframe - 1]!.callbackDepth++;
  env.frame.callbackDepth = 0;
  return insnIdx + 1;
}

/** check_func_call: a bpf-to-bpf call; continues at the callee's first instruction. */
export function checkFuncCall(env: Env, insn: Instruction, insnIdx: number): number {
  const target = insnIdx + insn.imm + 1;
  const subprog = subprogOf(env.info, target);
  setupFuncEntry(env, subprog, insnIdx, "call", null);
  const st = env.cur;
  clearCallerSaved(env, st.frames[st.curframe - 1]!.regs);
  if (env.log.enabled) {
    env.verbose("caller:\n");
    printVerifierState(env.log, st, st.curframe - 1, true, env.scratch);
    env.verbose("callee:\n");
    printVerifierState(env.log, st, st.curframe, true, env.scratch);
  }
  return env.info.subprogStarts[subprog]!;
}

/** prepare_func_exit: return from a subprogram or a callback. */
export function prepareFuncExit(env: Env): number {
  const st = env.cur;
  const callee = st.frames[st.curframe]!;
  const r0 = callee.regs[0]!;
  if (r0.type === PTR_TO_STACK) env.fail("cannot return stack pointer to the caller", "EINVAL");
  const caller = st.frames[st.curframe - 1]!;
  if (callee.inCallbackFn) {
    if (r0.type !== SCALAR_VALUE) env.fail("R0 not a scalar value");
    markChainPrecision(env, 0);
    const [lo, hi] = callee.callbackRetRange;
    if (r0.smin < lo || r0.smax > hi) {
      invalidScalar(env, r0, lo, hi, "At callback return", "R0");
    }
  } else {
    caller.regs[0] = copyReg(r0);
  }
  const next = callee.inCallbackFn ? callee.callsite : callee.callsite + 1;
  if (env.log.enabled) {
    env.verbose("returning from callee:\n");
    printVerifierState(env.log, st, callee.frameno, true, env.scratch);
    env.verbose(`to caller at ${next}:\n`);
    printVerifierState(env.log, st, caller.frameno, true, env.scratch);
  }
  st.frames.length = st.curframe;
  st.curframe--;
  // Callbacks: widen the scalars that changed since the last visit of the call site on this path
  // (widen_imprecise_scalars), so counting loops in callbacks converge as in the kernel.
  if (callee.inCallbackFn) {
    const prev = findPrevEntry(env, st, next);
    if (prev) widenImpreciseScalars(prev, st);
  }
  return next;
}

/** find_prev_entry: the in-progress checkpoint at insnIdx this path descends from. */
function findPrevEntry(env: Env, cur: VState, insnIdx: number): VState | null {
  const list = env.explored.get(insnIdx);
  if (!list) return null;
  for (let i = list.length - 1; i >= 0; i--) {
    const st = list[i]!.state;
    if (st.insnIdx !== insnIdx || st.branches === 0 || !statesMaybeLooping(st, cur)) continue;
    for (let p = cur.parent; p; p = p.parent) if (p === st) return st;
  }
  return null;
}

/** maybe_widen_reg's test: whether cur is to become unknown. */
function shouldWidenReg(old: Reg, cur: Reg, ids: IdMap): boolean {
  if (old.type !== SCALAR_VALUE || old.type !== cur.type) return false;
  return !(old.precise || cur.precise || regsExactScalar(old, cur, ids));
}

function maybeWidenReg(old: Reg, cur: Reg, ids: IdMap): void {
  if (shouldWidenReg(old, cur, ids)) markRegUnknown(cur);
}

function widenImpreciseScalars(old: VState, cur: VState): void {
  const ids = new IdMap();
  for (let fr = old.curframe; fr >= 0; fr--) {
    const fo = old.frames[fr]!;
    const fc = cur.frames[fr]!;
    for (let i = 0; i < 11; i++) maybeWidenReg(fo.regs[i]!, fc.regs[i]!, ids);
    const n = Math.min(fo.stack.length, fc.stack.length);
    for (let i = 0; i < n; i++) {
      if (slotType(fo.stack[i]!, BPF_REG_SIZE - 1) !== STACK_SPILL || slotType(fc.stack[i]!, BPF_REG_SIZE - 1) !== STACK_SPILL) continue;
      // Only a widened slot is made private (it may be shared: copy-on-write).
      if (shouldWidenReg(fo.stack[i]!.spilled, fc.stack[i]!.spilled, ids)) markRegUnknown(slotForWrite(fc, i).spilled);
    }
  }
}

function invalidScalar(env: Env, reg: Reg, lo: bigint, hi: bigint, ctx: string, name: string): never {
  let text = `${ctx} the register ${name} has`;
  let unknown = true;
  if (reg.smin > S64_MIN) {
    text += ` smin=${reg.smin}`;
    unknown = false;
  }
  if (reg.smax < S64_MAX) {
    text += ` smax=${reg.smax}`;
    unknown = false;
  }
  if (unknown) text += " unknown scalar value";
  text += ` should have been in [${lo}, ${hi}]`;
  return env.fail(text, "EINVAL");
}

/** check_return_code for the main program's exit. */
export function checkReturnCode(env: Env): void {
  const frame = env.cur.frames[0]!;
  env.checkRegArg(0, "src");
  if (env.isPointerValue(0)) env.fail("R0 leaks addr as return value");
  const reg = env.regs[0]!;
  if (frame.subprogno) {
    if (reg.type !== SCALAR_VALUE) env.fail(`At subprogram exit the register R0 is not a scalar value (${regTypeStr(reg.type)})`, "EINVAL");
    return;
  }
  const range = env.progType ? returnRangeFor(env.progType, env.options.attachType) : undefined;
  if (!range) return;
  let [lo, hi] = range;
  if (env.progType?.name === "cgroup_skb" && env.options.attachType === "cgroup_inet_egress") [lo, hi] = [0, 3];
  if (reg.type !== SCALAR_VALUE) env.fail(`At program exit the register R0 is not a known value (${regTypeStr(reg.type)})`, "EINVAL");
  markChainPrecision(env, 0);
  if (reg.smin < BigInt(lo) || reg.smax > BigInt(hi)) invalidScalar(env, reg, BigInt(lo), BigInt(hi), "At program exit", "R0");
}

export { setupFuncEntry };
