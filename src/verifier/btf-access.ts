/**
 * BPF_PROG_TYPE_TRACING in the verifier: the attach target found in the kernel's BTF (fentry,
 * fexit, fmod_ret: a FUNC; tp_btf: the `btf_trace_<name>` typedef), the context as that
 * function's u64 arguments (btf_ctx_access), loads through PTR_TO_BTF_ID pointers walked over
 * the kernel's struct layouts (btf_struct_walk, check_ptr_to_btf_access, the trusted/RCU rules
 * read from the `<struct>__safe_*` types the kernel emits into its BTF), and the BTF-typed
 * helper arguments and results (bpf_get_current_task_btf, bpf_skc_to_*).
 *
 * The BTF comes in through verify()'s input (the Node edge passes /sys/kernel/btf/vmlinux), so
 * this file stays browser-safe. A PTR_TO_BTF_ID register keeps its type id in `memSize` (the
 * kernel's bpf_reg_state keeps btf_id and mem_size in one union too).
 */
import { markRegKnownZero, markRegUnknown } from "./bounds.js";
import type { Env } from "./env.js";
import { tnumIsConst, tnumStr } from "./tnum.js";
import {
  MEM_PERCPU,
  MEM_RCU,
  MEM_RDONLY,
  MEM_USER,
  PTR_MAYBE_NULL,
  PTR_TO_BTF_ID,
  PTR_TO_MEM,
  PTR_TRUSTED,
  PTR_UNTRUSTED,
  SCALAR_VALUE,
  MEM_ALLOC,
  baseType,
  type Reg,
} from "./types.js";
import { BTF_KIND_NAMES, BtfKind, btfMemberBitfieldSize, btfMemberBitOffset, type Btf, type BtfType } from "../btf/types.js";

/** MAX_BPF_FUNC_ARGS: the trampoline's context holds at most 12 u64 slots. */
export const MAX_BPF_FUNC_ARGS = 12;
const MAX_RESOLVE_DEPTH = 32;

/** The resolved attach target of a tracing program (prog->aux->attach_func_proto & co.). */
export interface TracingTarget {
  btf: Btf;
  /** attach_btf_id: the FUNC, or the btf_trace_* typedef. */
  btfId: number;
  /** The FUNC_PROTO whose parameters make up the context. */
  protoId: number;
  /** attach_func_name as the kernel logs it (without the btf_trace_ prefix). */
  funcName: string;
  /** Expected attach type (trace_fentry, trace_fexit, modify_return, trace_raw_tp). */
  attachType: string;
  /** tp_btf: the first parameter (void *__data) is not the program's. */
  rawTp: boolean;
}

// ---- BTF helpers -------------------------------------------------------------------------------

const VOID: BtfType = { kind: BtfKind.UNKN, nameOff: 0, name: "", kflag: false, vlen: 0, sizeOrType: 0 };
const typeAt = (btf: Btf, id: number): BtfType => btf.types[id] ?? VOID;
const nameOf = (t: BtfType): string => t.name ?? "";

const isModifier = (t: BtfType): boolean =>
  t.kind === BtfKind.TYPEDEF || t.kind === BtfKind.VOLATILE || t.kind === BtfKind.CONST || t.kind === BtfKind.RESTRICT || t.kind === BtfKind.TYPE_TAG;
/** btf_type_is_struct: struct or union. */
const isStruct = (t: BtfType): boolean => t.kind === BtfKind.STRUCT || t.kind === BtfKind.UNION;
const isSmallInt = (t: BtfType): boolean => t.kind === BtfKind.INT && t.sizeOrType <= 8;
const isAnyEnum = (t: BtfType): boolean => t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64;
/** btf_type_str: the kind's name ("UNKNOWN" for void). */
const kindStr = (t: BtfType): string => BTF_KIND_NAMES[t.kind] ?? "UNKNOWN";

/** btf_type_skip_modifiers: the type reached and its id. */
function skipModifiers(btf: Btf, id: number): { id: number; t: BtfType } {
  let t = typeAt(btf, id);
  for (let i = 0; i < MAX_RESOLVE_DEPTH * 4 && isModifier(t); i++) {
    id = t.sizeOrType;
    t = typeAt(btf, id);
  }
  return { id, t };
}

const nameIndex = new WeakMap<Btf, Map<string, number[]>>();

/** btf_find_by_name_kind: the first id with this name and kind, or -1. */
export function btfFindByNameKind(btf: Btf, name: string, kind: number): number {
  let idx = nameIndex.get(btf);
  if (!idx) {
    idx = new Map();
    const types = btf.types;
    for (let id = 1; id < types.length; id++) {
      const n = types[id]?.name;
      if (!n) continue;
      const list = idx.get(n);
      if (list) list.push(id);
      else idx.set(n, [id]);
    }
    nameIndex.set(btf, idx);
  }
  for (const id of idx.get(name) ?? []) if (btf.types[id]!.kind === kind) return id;
  return -1;
}

/** btf_type_name: the name of the type with this id. */
export function btfTypeName(btf: Btf, id: number): string {
  return nameOf(typeAt(btf, id));
}

interface Resolved {
  /** The outermost array, or the resolved type. */
  t: BtfType;
  size: number;
  elem: BtfType;
  elemId: number;
  nelems: number;
  /** The id after the last modifier followed (or the input id). */
  id: number;
}

/** __btf_resolve_size. */
function resolveSize(btf: Btf, id: number): Resolved | null {
  let t = typeAt(btf, id);
  let arrayT: BtfType | null = null;
  let elemId = 0;
  let nelems = 1;
  let lastId = id;
  for (let i = 0; i < MAX_RESOLVE_DEPTH; i++) {
    let size = -1;
    switch (t.kind) {
      case BtfKind.INT:
      case BtfKind.STRUCT:
      case BtfKind.UNION:
      case BtfKind.ENUM:
      case BtfKind.FLOAT:
      case BtfKind.ENUM64:
        size = t.sizeOrType;
        break;
      case BtfKind.PTR:
        size = 8;
        break;
      case BtfKind.TYPEDEF:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
        lastId = t.sizeOrType;
        t = typeAt(btf, t.sizeOrType);
        continue;
      case BtfKind.ARRAY:
        arrayT ??= t;
        if (nelems && t.nelems! > Math.floor(0xffffffff / nelems)) return null;
        nelems *= t.nelems!;
        elemId = t.elemType!;
        t = typeAt(btf, t.elemType!);
        continue;
      default:
        return null;
    }
    if (nelems && size > Math.floor(0xffffffff / nelems)) return null;
    return { t: arrayT ?? t, size: nelems * size, elem: t, elemId: arrayT ? elemId : 0, nelems, id: lastId };
  }
  return null;
}

// ---- the attach target --------------------------------------------------------------------------

/**
 * What libbpf and the kernel's bpf_check_attach_target resolve for a tracing program: the FUNC
 * named `attachTo` (fentry, fexit, fmod_ret) or the typedef `btf_trace_<attachTo>` (tp_btf).
 */
export function resolveTracingTarget(btf: Btf, attachType: string, attachTo: string): TracingTarget | { error: string; code: string } {
  const rawTp = attachType === "trace_raw_tp";
  const wanted = rawTp ? `btf_trace_${attachTo}` : attachTo;
  const id = btfFindByNameKind(btf, wanted, rawTp ? BtfKind.TYPEDEF : BtfKind.FUNC);
  if (id < 0) return { code: "ESRCH", error: `attach target '${attachTo}' of a ${attachType} program: no ${rawTp ? "typedef" : "function"} '${wanted}' in the kernel's BTF` };
  return tracingTargetById(btf, attachType, id);
}

/** bpf_check_attach_target for a vmlinux target given by id. */
export function tracingTargetById(btf: Btf, attachType: string, btfId: number): TracingTarget | { error: string; code: string } {
  const t = btf.types[btfId];
  if (!t) return { code: "EINVAL", error: `attach_btf_id ${btfId} is invalid` };
  const name = nameOf(t);
  if (!name) return { code: "EINVAL", error: `attach_btf_id ${btfId} doesn't have a name` };
  if (attachType === "trace_raw_tp") {
    if (t.kind !== BtfKind.TYPEDEF) return { code: "EINVAL", error: `attach_btf_id ${btfId} is not a typedef` };
    if (!name.startsWith("btf_trace_")) return { code: "EINVAL", error: `attach_btf_id ${btfId} points to wrong type name ${name}` };
    const ptr = typeAt(btf, t.sizeOrType);
    if (ptr.kind !== BtfKind.PTR) return { code: "EINVAL", error: `attach_btf_id ${btfId} is not a pointer to a function prototype` };
    const protoId = ptr.sizeOrType;
    if (typeAt(btf, protoId).kind !== BtfKind.FUNC_PROTO) return { code: "EINVAL", error: `attach_btf_id ${btfId} is not a pointer to a function prototype` };
    return { btf, btfId, protoId, funcName: name.slice("btf_trace_".length), attachType, rawTp: true };
  }
  if (t.kind !== BtfKind.FUNC) return { code: "EINVAL", error: `attach_btf_id ${btfId} is not a function` };
  const protoId = t.sizeOrType;
  const proto = typeAt(btf, protoId);
  if (proto.kind !== BtfKind.FUNC_PROTO) return { code: "EINVAL", error: `attach_btf_id ${btfId} is not a function` };
  if (proto.vlen > MAX_BPF_FUNC_ARGS) return { code: "EINVAL", error: `The function ${name} has ${proto.vlen} arguments. Too many.` };
  return { btf, btfId, protoId, funcName: name, attachType, rawTp: false };
}

// ---- the context: btf_ctx_access ---------------------------------------------------------------

/** get_ctx_arg_idx: which parameter (counting void *__data for tp_btf) a context offset reads. */
function ctxArgIdx(btf: Btf, proto: BtfType, off: number): number {
  const params = proto.params ?? [];
  let offset = 0;
  const slot = (id: number): number => {
    const t = skipModifiers(btf, id).t;
    return t.kind === BtfKind.PTR ? 8 : Math.ceil(t.sizeOrType / 8) * 8;
  };
  for (let i = 0; i < params.length; i++) {
    offset += slot(params[i]!.type);
    if (off < offset) return i;
  }
  offset += slot(proto.sizeOrType);
  if (off < offset) return params.length;
  return params.length + 1;
}

/**
 * Tracepoints whose pointer arguments may be NULL (the kernel's raw_tp_null_args): bit 4*i marks
 * argument i (0-based, after __data) as maybe-NULL. Only the entries for subsystems a typical
 * host has are kept here.
 */
const RAW_TP_NULL_ARGS: Readonly<Record<string, number>> = {
  sched_pi_setprio: 0x10,
  sched_stick_numa: 0x100,
  sched_swap_numa: 0x100,
  tcp_send_reset: 0x11,
  tcp_sendmsg_locked: 0x100,
  kfree_skb: 0x1000,
  mm_khugepaged_scan_pmd: 0x1,
  mm_collapse_huge_page_isolate: 0x1,
  mm_khugepaged_scan_file: 0x1,
  mm_khugepaged_collapse_file: 0x1,
  mm_page_alloc: 0x1,
  mm_page_pcpu_drain: 0x1,
  mm_page_alloc_zone_locked: 0x1,
  mm_page_free: 0x1,
  mm_page_free_batched: 0x1,
  mm_page_alloc_extfrag: 0x1,
};

export interface CtxLoad {
  type: number;
  btfId: number;
}

/** tracing_prog_is_valid_access + btf_ctx_access; logs and fails as the kernel does. */
export function tracingCtxAccess(env: Env, tgt: TracingTarget, off: number, size: number, write: boolean): CtxLoad {
  const invalid = (): never => env.fail(`invalid bpf_context access off=${off} size=${size}`);
  if (off < 0 || off >= 8 * MAX_BPF_FUNC_ARGS || write || off % size !== 0) invalid();
  const btf = tgt.btf;
  const tname = tgt.funcName;
  const log = (s: string): void => env.note(s + "\n");
  if (off % 8) {
    log(`func '${tname}' offset ${off} is not multiple of 8`);
    invalid();
  }
  const proto = typeAt(btf, tgt.protoId);
  const arg = ctxArgIdx(btf, proto, off);
  let params = proto.params ?? [];
  if (tgt.rawTp) params = params.slice(1);
  const nrArgs = params.length;
  if (arg > nrArgs) {
    log(`func '${tname}' doesn't have ${arg + 1}-th argument`);
    invalid();
  }
  let t: BtfType;
  let typeId: number;
  if (arg === nrArgs) {
    switch (tgt.attachType) {
      case "trace_fexit":
        typeId = proto.sizeOrType;
        t = typeAt(btf, typeId);
        break;
      case "modify_return": {
        const r = skipModifiers(btf, proto.sizeOrType).t;
        if (!isSmallInt(r)) {
          log(`ret type ${kindStr(r)} not allowed for fmod_ret`);
          invalid();
        }
        typeId = proto.sizeOrType;
        t = typeAt(btf, typeId);
        break;
      }
      default:
        log(`func '${tname}' doesn't have ${arg + 1}-th argument`);
        return invalid();
    }
  } else {
    typeId = params[arg]!.type;
    t = typeAt(btf, typeId);
  }
  while (isModifier(t)) {
    typeId = t.sizeOrType;
    t = typeAt(btf, typeId);
  }
  if (isSmallInt(t) || isAnyEnum(t) || t.kind === BtfKind.STRUCT) return { type: SCALAR_VALUE, btfId: 0 };
  if (t.kind !== BtfKind.PTR) {
    log(`func '${tname}' arg${arg} '${nameOf(t)}' has type ${kindStr(t)}. Only pointer access is allowed`);
    invalid();
  }
  if (size !== 8) {
    log(`func '${tname}' size ${size} must be 8`);
    invalid();
  }
  // A pointer to void or to an integer is a scalar for the verifier.
  const pointee = skipModifiers(btf, t.sizeOrType);
  if (pointee.id === 0 || pointee.t.kind === BtfKind.INT) return { type: SCALAR_VALUE, btfId: 0 };

  let type = PTR_TO_BTF_ID;
  // prog_args_trusted: tp_btf (and iterators) get trusted arguments, fentry/fexit do not.
  if (tgt.rawTp) type |= PTR_TRUSTED;
  const pname = arg < nrArgs ? (params[arg]!.name ?? "") : "";
  if (pname.endsWith("__nullable")) type |= PTR_MAYBE_NULL;
  let scalarErr = false;
  if (tgt.rawTp) {
    const mask = RAW_TP_NULL_ARGS[tname];
    if (mask !== undefined) {
      if (mask & (0x1 << (arg * 4))) type |= PTR_MAYBE_NULL;
      if (mask & (0x2 << (arg * 4))) scalarErr = true;
    }
  }
  let btfId = t.sizeOrType;
  let pt = typeAt(btf, btfId);
  if (pt.kind === BtfKind.TYPE_TAG && !pt.kflag) {
    if (nameOf(pt) === "user") type |= MEM_USER;
    if (nameOf(pt) === "percpu") type |= MEM_PERCPU;
  }
  while (isModifier(pt)) {
    btfId = pt.sizeOrType;
    pt = typeAt(btf, btfId);
  }
  if (!isStruct(pt)) {
    log(`func '${tname}' arg${arg} type ${kindStr(pt)} is not a struct`);
    invalid();
  }
  log(`func '${tname}' arg${arg} has btf_id ${btfId} type ${kindStr(pt)} '${nameOf(pt)}'`);
  if (scalarErr) {
    env.verbose(`marking pointer arg${arg} as scalar as it may encode error`);
    return { type: SCALAR_VALUE, btfId: 0 };
  }
  return { type, btfId };
}

/** The context load's result in the destination register (check_mem_access's PTR_TO_CTX branch). */
export function markCtxLoad(env: Env, dst: Reg, r: CtxLoad): void {
  if (r.type === SCALAR_VALUE) {
    markRegUnknown(dst);
    return;
  }
  markRegUnknown(dst);
  markRegKnownZero(dst);
  if (r.type & PTR_MAYBE_NULL) dst.id = env.newId();
  dst.type = r.type;
  dst.memSize = r.btfId;
}

// ---- loads through PTR_TO_BTF_ID: btf_struct_walk -----------------------------------------------

const WALK_SCALAR = 0;
const WALK_PTR = 1;
const WALK_PTR_UNTRUSTED = 2;
const WALK_STRUCT = 3;

interface WalkOut {
  nextId: number;
  flag: number;
  fieldName: string;
}

/** btf_struct_walk: what lies at [off, off+size) of type t; an error is logged and returned as -1. */
function structWalk(log: ((s: string) => void) | null, btf: Btf, t: BtfType, off: number, size: number, out: WalkOut): number {
  const say = (s: string): void => log?.(s);
  for (;;) {
    if (isModifier(t)) t = skipModifiers(btf, t.sizeOrType).t;
    const tname = nameOf(t) || "(anon)";
    if (!isStruct(t)) {
      say(`Type '${tname}' is not a struct`);
      return -1;
    }
    const members = t.members ?? [];
    const vlen = members.length;
    if (t.kind === BtfKind.UNION && vlen !== 1 && !(out.flag & PTR_UNTRUSTED)) out.flag |= PTR_UNTRUSTED;
    if (off + size > t.sizeOrType) {
      // A flexible array at the end may be read past the struct's size.
      let ok = false;
      if (vlen) {
        const last = members[vlen - 1]!;
        const mt = skipModifiers(btf, last.type).t;
        const moff = Math.floor(btfMemberBitOffset(t, last) / 8);
        if (mt.kind === BtfKind.ARRAY && mt.nelems === 0 && off >= moff) {
          const et = skipModifiers(btf, mt.elemType!).t;
          if (et.kind === BtfKind.INT) return WALK_SCALAR;
          if (isStruct(et)) {
            off = (off - moff) % et.sizeOrType;
            t = et;
            ok = true;
          }
        }
      }
      if (ok) continue;
      say(`access beyond struct ${tname} at off ${off} size ${size}`);
      return -1;
    }
    let next: BtfType | null = null;
    for (const m of members) {
      let moff = Math.floor(btfMemberBitOffset(t, m) / 8);
      if (off + size <= moff) break;
      const bits = btfMemberBitfieldSize(t, m);
      if (bits) {
        const endBit = btfMemberBitOffset(t, m) + bits;
        if (off <= moff && Math.ceil(endBit / 8) <= off + size) return WALK_SCALAR;
        continue;
      }
      if (off < moff) break;
      let mid = m.type;
      const mname = m.name ?? "";
      const r = resolveSize(btf, m.type);
      if (!r) {
        say(`field ${mname} doesn't have size`);
        return -1;
      }
      mid = r.id;
      let mtype = r.t;
      let msize = r.size;
      const mtrueEnd = moff + msize;
      if (off >= mtrueEnd) continue;
      if (mtype.kind === BtfKind.ARRAY) {
        if (moff === mtrueEnd) continue;
        msize = Math.floor(msize / r.nelems);
        const elemIdx = Math.floor((off - moff) / msize);
        moff += elemIdx * msize;
        mtype = r.elem;
        mid = r.elemId;
      }
      if (isStruct(mtype)) {
        if (off === moff) {
          out.nextId = mid;
          return WALK_STRUCT;
        }
        off -= moff;
        next = mtype;
        break;
      }
      if (mtype.kind === BtfKind.PTR) {
        if (msize !== size || off !== moff) {
          say(`cannot access ptr member ${mname} with moff ${moff} in struct ${tname} with off ${off} size ${size}`);
          return -1;
        }
        let tmpFlag = 0;
        const tag = typeAt(btf, mtype.sizeOrType);
        if (tag.kind === BtfKind.TYPE_TAG && !tag.kflag) {
          const v = nameOf(tag);
          if (v === "user") tmpFlag = MEM_USER;
          if (v === "percpu") tmpFlag = MEM_PERCPU;
          if (v === "rcu") tmpFlag = MEM_RCU;
        }
        const s = skipModifiers(btf, mtype.sizeOrType);
        if (isStruct(s.t)) {
          out.nextId = s.id;
          out.flag |= tmpFlag;
          out.fieldName = mname;
          return WALK_PTR;
        }
        return WALK_PTR_UNTRUSTED;
      }
      if (off + size > mtrueEnd && !(out.flag & PTR_UNTRUSTED)) {
        say(`access beyond the end of member ${mname} (mend:${mtrueEnd}) in struct ${tname} with off ${off} size ${size}`);
        return -1;
      }
      return WALK_SCALAR;
    }
    if (next) {
      t = next;
      continue;
    }
    say(`struct ${tname} doesn't have field at offset ${off}`);
    return -1;
  }
}

/** btf_struct_access: SCALAR_VALUE, PTR_TO_BTF_ID (out.nextId, out.flag) or PTR_TO_MEM; -1 on error. */
function structAccess(log: (s: string) => void, btf: Btf, id: number, off: number, size: number, out: WalkOut): number {
  let t = typeAt(btf, id);
  const w: WalkOut = { nextId: id, flag: 0, fieldName: "" };
  for (;;) {
    const r = structWalk(log, btf, t, off, size, w);
    switch (r) {
      case WALK_PTR:
        out.nextId = w.nextId;
        out.flag = w.flag;
        out.fieldName = w.fieldName;
        return PTR_TO_BTF_ID;
      case WALK_PTR_UNTRUSTED:
        out.flag = MEM_RDONLY | PTR_UNTRUSTED;
        return PTR_TO_MEM;
      case WALK_SCALAR:
        return SCALAR_VALUE;
      case WALK_STRUCT:
        t = typeAt(btf, w.nextId);
        off = 0;
        continue;
      default:
        return -1;
    }
  }
}

/** btf_nested_type_is_trusted: `<struct><suffix>` in the kernel's BTF lists the field as safe. */
function nestedTypeIsTrusted(btf: Btf, reg: Reg, fieldName: string, btfId: number, suffix: string): boolean {
  const walkType = typeAt(btf, reg.memSize);
  const safeId = btfFindByNameKind(btf, `${nameOf(walkType)}${suffix}`, walkType.kind);
  if (safeId < 0) return false;
  for (const m of typeAt(btf, safeId).members ?? []) {
    const mt = typeAt(btf, m.type);
    if (mt.kind !== BtfKind.PTR) continue;
    if (skipModifiers(btf, mt.sizeOrType).id === btfId && m.name === fieldName) return true;
  }
  return false;
}

const TRUSTED_MODIFIERS = MEM_ALLOC | PTR_TRUSTED;
const typeFlag = (t: number): number => t & ~0xff;

function isTrustedReg(reg: Reg): boolean {
  if (reg.refObjId) return true;
  const f = typeFlag(reg.type);
  return (f & TRUSTED_MODIFIERS) !== 0 && (f & ~TRUSTED_MODIFIERS) === 0;
}

/** check_ptr_to_btf_access (off includes the register's fixed offset). */
export function checkPtrToBtfAccess(env: Env, tgt: TracingTarget | undefined, regno: number, off: number, size: number, write: boolean, valueRegno: number): void {
  const reg = env.regs[regno]!;
  if (!tgt) env.fail(`R${regno} invalid mem access 'ptr_': no kernel BTF was given to the verifier`, "EINVAL");
  const btf = tgt.btf;
  const tname = btfTypeName(btf, reg.memSize);
  if (!env.allowPtrLeaks) env.fail(`'struct ${tname}' access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN`, "EPERM");
  if (!env.options.gplCompatible) env.fail(`Cannot access kernel 'struct ${tname}' from non-GPL compatible program`, "EINVAL");
  if (off < 0) env.fail(`R${regno} is ptr_${tname} invalid negative access: off=${off}`);
  if (!tnumIsConst(reg.varOff) || reg.varOff.value) {
    env.fail(`R${regno} is ptr_${tname} invalid variable offset: off=${off}, var_off=${tnumStr(reg.varOff)}`);
  }
  if (reg.type & MEM_USER) env.fail(`R${regno} is ptr_${tname} access user memory: off=${off}`);
  if (reg.type & MEM_PERCPU) env.fail(`R${regno} is ptr_${tname} access percpu memory: off=${off}`);
  if (write) env.fail("only read is supported");
  const out: WalkOut = { nextId: 0, flag: 0, fieldName: "" };
  let msg = "";
  const ret = structAccess((s) => (msg = s), btf, reg.memSize, off, size, out);
  if (ret < 0) env.fail(msg, /^(Type|struct) /.test(msg) ? "EINVAL" : "EACCES");
  let flag = out.flag;
  if (ret === PTR_TO_BTF_ID) {
    if (typeFlag(reg.type) & PTR_UNTRUSTED) flag = PTR_UNTRUSTED;
    else if (isTrustedReg(reg) || reg.type & MEM_RCU) {
      const f = out.fieldName;
      const id = out.nextId;
      // Non-sleepable programs always run inside an RCU read-side critical section (in_rcu_cs).
      if (nestedTypeIsTrusted(btf, reg, f, id, "__safe_trusted")) flag |= PTR_TRUSTED;
      else if (nestedTypeIsTrusted(btf, reg, f, id, "__safe_trusted_or_null")) flag |= PTR_TRUSTED | PTR_MAYBE_NULL;
      else if (!env.options.sleepable && !(reg.type & PTR_MAYBE_NULL)) {
        if (nestedTypeIsTrusted(btf, reg, f, id, "__safe_rcu")) flag |= MEM_RCU;
        else if (flag & MEM_RCU || nestedTypeIsTrusted(btf, reg, f, id, "__safe_rcu_or_null")) {
          flag |= MEM_RCU | PTR_MAYBE_NULL;
          if (nestedTypeIsTrusted(btf, reg, f, id, "__safe_rcu_or_null") && flag & PTR_UNTRUSTED) flag &= ~PTR_UNTRUSTED;
        } else if (flag & (MEM_PERCPU | MEM_USER)) {
          // kept as they are
        } else flag &= ~(TRUSTED_MODIFIERS | MEM_RCU);
      } else flag = PTR_UNTRUSTED;
    } else flag &= ~(TRUSTED_MODIFIERS | MEM_RCU);
  }
  if (valueRegno < 0) return;
  const dst = env.regs[valueRegno]!;
  // mark_btf_ld_reg
  if (ret === SCALAR_VALUE) {
    markRegUnknown(dst);
    return;
  }
  markRegUnknown(dst);
  markRegKnownZero(dst);
  if (ret === PTR_TO_BTF_ID) {
    dst.type = PTR_TO_BTF_ID | flag;
    dst.memSize = out.nextId;
    if (flag & PTR_MAYBE_NULL) dst.id = env.newId();
  } else {
    dst.type = PTR_TO_MEM | flag;
    dst.memSize = 0;
  }
}

// ---- helpers with BTF-typed arguments and results -----------------------------------------------

/** The kernel struct a helper's ARG_PTR_TO_BTF_ID* argument (by index) or its PTR_TO_BTF_ID result names. */
export const HELPER_BTF_IDS: Readonly<Record<number, { args?: Readonly<Record<number, string>>; ret?: string }>> = {
  136: { args: { 0: "sock_common" }, ret: "tcp6_sock" },
  137: { args: { 0: "sock_common" }, ret: "tcp_sock" },
  138: { args: { 0: "sock_common" }, ret: "tcp_timewait_sock" },
  139: { args: { 0: "sock_common" }, ret: "tcp_request_sock" },
  140: { args: { 0: "sock_common" }, ret: "udp6_sock" },
  141: { args: { 0: "task_struct" } },
  158: { ret: "task_struct" },
  175: { args: { 0: "task_struct" }, ret: "pt_regs" },
  178: { args: { 0: "sock_common" }, ret: "unix_sock" },
  196: { args: { 0: "sock_common" }, ret: "mptcp_sock" },
};

const BTF_ARG_TYPES = new Set([
  PTR_TO_BTF_ID,
  PTR_TO_BTF_ID | PTR_TRUSTED,
  PTR_TO_BTF_ID | PTR_TRUSTED | PTR_MAYBE_NULL,
  PTR_TO_BTF_ID | MEM_RCU,
  PTR_TO_BTF_ID | PTR_MAYBE_NULL,
  PTR_TO_BTF_ID | PTR_MAYBE_NULL | MEM_RCU,
]);

/** btf_struct_ids_match: the register's object is (or starts with, at its offset) the wanted struct. */
function structIdsMatch(btf: Btf, id: number, off: number, needId: number): boolean {
  if (off === 0 && id === needId) return true;
  for (;;) {
    const out: WalkOut = { nextId: 0, flag: 0, fieldName: "" };
    if (structWalk(null, btf, typeAt(btf, id), off, 1, out) !== WALK_STRUCT) return false;
    id = skipModifiers(btf, out.nextId).id;
    if (id === needId) return true;
    off = 0;
  }
}

/** The PTR_TO_BTF_ID part of check_reg_type for a helper argument whose struct is known. */
export function checkBtfArg(env: Env, tgt: TracingTarget | undefined, funcId: number, arg: number, argMayBeNull: boolean): void {
  const regno = arg + 1;
  const reg = env.regs[regno]!;
  if (baseType(reg.type) !== PTR_TO_BTF_ID || !BTF_ARG_TYPES.has(reg.type)) return;
  const want = HELPER_BTF_IDS[funcId]?.args?.[arg];
  if (!tgt || !want) return;
  if (reg.type & PTR_MAYBE_NULL && !argMayBeNull) env.fail(`Possibly NULL pointer passed to helper arg${regno}`);
  const needId = btfFindByNameKind(tgt.btf, want, BtfKind.STRUCT);
  if (needId < 0) return;
  if (!structIdsMatch(tgt.btf, reg.memSize, reg.off, needId)) {
    env.fail(`R${regno} is of type ${btfTypeName(tgt.btf, reg.memSize)} but ${want} is expected`);
  }
}

/** RET_PTR_TO_BTF_ID*: r0's struct, or -1 when unknown. */
export function helperRetBtfId(tgt: TracingTarget | undefined, funcId: number): number {
  const name = HELPER_BTF_IDS[funcId]?.ret;
  if (!tgt || !name) return -1;
  return btfFindByNameKind(tgt.btf, name, BtfKind.STRUCT);
}
