/**
 * What every program type declares: its names, the kernel's enum value, the layout of the context
 * the program sees in r1, which context accesses the kernel's verifier accepts (and what a load
 * yields: a scalar or a packet pointer), which helpers it may call, and how BPF_PROG_TEST_RUN
 * treats it.
 *
 * ## How the context is represented (the "ctx rewrite" of this runtime)
 * The kernel lets a program read `struct __sk_buff` / `struct xdp_md` … and rewrites every such
 * access at load time into loads from its real `struct sk_buff` / `struct xdp_buff`. Here the
 * address space is one wasm32 memory, so every VM address is below 2^32 and fits in a `__u32`.
 * That lets the context region hold the **uapi struct itself, byte for byte**: `data`,
 * `data_end` and `data_meta` hold the VM addresses of the packet bounds (a `u32` load
 * zero-extends them into valid 64-bit pointers), every other field holds the value the kernel's
 * rewritten load would produce (e.g. `protocol` as the network-order u16 zero-extended). Narrow
 * loads then read the right bytes with no translation, the interpreter and the JIT need no
 * rewritten instructions, and the host reads and writes fields at their uapi offsets. Helpers that
 * move the packet (adjust_head, change_tail …) rewrite the affected fields in place, as the
 * kernel's `bpf_compute_data_pointers` does. What the kernel's rewrite also enforces — which
 * offsets, sizes and writes are allowed — is `checkAccess` below, applied at load time by
 * `checkContextAccesses` (and by the verifier when it tracks PTR_TO_CTX itself).
 */
import type { RunContext } from "../helpers/context.js";
import type { Region } from "../vm/memory.js";

/** Register type a context load produces (the verifier's vocabulary). */
export type CtxRegType =
  | "SCALAR_VALUE"
  | "PTR_TO_PACKET"
  | "PTR_TO_PACKET_END"
  | "PTR_TO_PACKET_META"
  | "PTR_TO_SOCK_COMMON_OR_NULL"
  | "PTR_TO_SOCKET"
  | "PTR_TO_SOCKET_OR_NULL"
  | "PTR_TO_FLOW_KEYS";

export interface CtxAccess {
  /** Offset from the context pointer (insn off + any constant added to the register). */
  off: number;
  /** Access size in bytes: 1, 2, 4 or 8. */
  size: number;
  write: boolean;
  /** A sign-extending load (BPF_MEMSX). */
  signExtend?: boolean;
  /** Expected attach type, for types whose access rules depend on it (xdp devmap …). */
  attachType?: string;
}

export type CtxAccessResult =
  | { ok: true; regType: CtxRegType }
  | { ok: false; message: string };

export interface ContextField {
  name: string;
  offset: number;
  size: number;
  /** What the program may do: "r" read, "rw" read and write, "-" nothing. */
  access: "r" | "rw" | "-";
  regType?: CtxRegType;
}

export interface ContextLayout {
  /** C name of the struct the program sees ("struct __sk_buff"). */
  struct: string;
  /** sizeof the struct (for syscall: the maximum, U16_MAX). */
  size: number;
  fields: readonly ContextField[];
}

/** Which BPF_PROG_TEST_RUN implementation the kernel uses for a type. */
export type TestRunKind = "skb" | "xdp" | "raw_tp" | "syscall" | "none";

export interface ProgramTypeSpec {
  /** Name as libbpf and bpftool spell it ("xdp", "sched_cls" …). */
  readonly name: string;
  /** The kernel's enum bpf_prog_type value. */
  readonly kernelType: number;
  /** "BPF_PROG_TYPE_XDP". */
  readonly kernelName: string;
  /** ELF section prefixes libbpf maps to this type ("xdp", "tc", "classifier" …). */
  readonly sections: readonly string[];
  readonly context: ContextLayout;
  /** Whether LD_ABS/LD_IND may be used (the kernel's may_access_skb()). */
  readonly ldAbs: boolean;
  readonly testRun: TestRunKind;
  /** Helpers (names without bpf_) this type may call, as the kernel answers. */
  readonly helpers: ReadonlySet<string>;
  /** Range r0 must be in at exit when the kernel enforces one (cgroup_skb: [0, 1]). */
  readonly returnRange?: readonly [number, number];
  /**
   * The expected attach type the kernel assumes when the loader gives none (cgroup_sock:
   * cgroup_inet_sock_create, as bpf_prog_load_fixup_attach_type does).
   */
  readonly defaultAttachType?: string;
  /** Helpers for an expected attach type, for types whose set depends on it (cgroup_sock_addr …). */
  helpersFor?(attachType: string | undefined): ReadonlySet<string>;
  /** check_return_code's range for an expected attach type, where it depends on it. */
  returnRangeFor?(attachType: string | undefined): readonly [number, number] | undefined;
  /** The kernel's is_valid_access for this type, with its verifier message on rejection. */
  checkAccess(access: CtxAccess): CtxAccessResult;
}

/** The kernel's verifier message for a rejected context access. */
export function invalidCtxAccess(off: number, size: number): { ok: false; message: string } {
  return { ok: false, message: `invalid bpf_context access off=${off} size=${size}` };
}

export const SCALAR: CtxAccessResult = { ok: true, regType: "SCALAR_VALUE" };

/** bpf_ctx_narrow_access_ok: a power-of-two size no larger than the field. */
export function narrowAccessOk(size: number, fieldSize: number): boolean {
  return size <= fieldSize && (size & (size - 1)) === 0;
}

/**
 * The packet a network program works on: one region holding headroom, data and tailroom, and the
 * current bounds as VM addresses. Helpers that move the bounds update this object and then call
 * `sync()`, which rewrites the context fields that mirror them.
 */
export interface PacketState {
  region: Region;
  /** data_hard_start / skb->head: first byte of the buffer. */
  head: number;
  /** One past the last byte usable by data (xdp: hard end minus shared info; skb: buffer end). */
  limit: number;
  data: number;
  dataEnd: number;
  dataMeta: number;
  /** skb: the mac and network header positions (absolute VM addresses). */
  mac: number;
  network: number;
  /** The object the interpreter reads LD_ABS / LD_IND bounds from (kept equal to data/dataEnd). */
  ldAbs: { start: number; length: number };
  /** skb->csum when BPF_F_TEST_SKB_CHECKSUM_COMPLETE is in effect, else undefined. */
  csum?: number;
  /** Rewrites the context fields that mirror the bounds (data, data_end, len …). */
  sync(): void;
  /**
   * Grows the buffer so that `headroom` bytes before data and `tailroom` after data_end are
   * available, moving the packet to a new region if needed (packet pointers the program holds
   * are invalid afterwards, as the kernel's verifier assumes).
   */
  reserve(headroom: number, tailroom: number): void;
}

/** What network helpers find in `HelperCall.context` during a run of a packet program. */
export interface NetRunContext extends RunContext {
  progType: string;
  ctx: number;
  packet: PacketState;
  /** Set by bpf_redirect: the target ifindex and flags (the kernel's bpf_redirect_info). */
  redirect?: { ifindex: number; flags: number };
  /** skb->hash was cleared (BPF_F_INVALIDATE_HASH, set_hash_invalid). */
  hashInvalid?: boolean;
  /** skb->sw_hash: the hash in the context is valid (bpf_set_hash, or computed by get_hash_recalc). */
  swHash?: boolean;
  /** skb->encapsulation, set by bpf_skb_adjust_room with BPF_F_ADJ_ROOM_ENCAP_L3_*. */
  encapsulation?: boolean;
  /** xdp: the bytes of data_in beyond the linear part (the frame's fragments), written in place. */
  frags?: Uint8Array;
  /** xdp: total size of the fragments (skb_shared_info xdp_frags_size). */
  fragsSize?: number;
}

export function isNetRunContext(c: unknown): c is NetRunContext {
  return typeof c === "object" && c !== null && "packet" in c && typeof (c as NetRunContext).ctx === "number";
}
