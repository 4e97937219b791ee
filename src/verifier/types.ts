/**
 * The verifier's vocabulary: register types (enum bpf_reg_type and its flag bits), the abstract
 * register, stack slots, frames and whole verifier states, and the map descriptions the
 * verifier needs. Mirrors include/linux/bpf_verifier.h in shape, not in layout.
 */
import type { Hist } from "./precision.js";
import type { Tnum } from "./tnum.js";

// Base register types (enum bpf_reg_type).
export const NOT_INIT = 0;
export const SCALAR_VALUE = 1;
export const PTR_TO_CTX = 2;
export const CONST_PTR_TO_MAP = 3;
export const PTR_TO_MAP_VALUE = 4;
export const PTR_TO_MAP_KEY = 5;
export const PTR_TO_STACK = 6;
export const PTR_TO_PACKET_META = 7;
export const PTR_TO_PACKET = 8;
export const PTR_TO_PACKET_END = 9;
export const PTR_TO_FLOW_KEYS = 10;
export const PTR_TO_SOCKET = 11;
export const PTR_TO_SOCK_COMMON = 12;
export const PTR_TO_TCP_SOCK = 13;
export const PTR_TO_TP_BUFFER = 14;
export const PTR_TO_XDP_SOCK = 15;
export const PTR_TO_BTF_ID = 16;
export const PTR_TO_MEM = 17;
export const PTR_TO_BUF = 18;
export const PTR_TO_FUNC = 19;
export const CONST_PTR_TO_DYNPTR = 20;

// Type flags (enum bpf_type_flag), above the base type bits.
export const BASE_TYPE_MASK = 0xff;
export const PTR_MAYBE_NULL = 1 << 8;
export const MEM_RDONLY = 1 << 9;
export const MEM_RINGBUF = 1 << 10;
export const MEM_USER = 1 << 11;
export const MEM_PERCPU = 1 << 12;
export const MEM_RCU = 1 << 13;
export const PTR_UNTRUSTED = 1 << 14;
export const PTR_TRUSTED = 1 << 15;
export const MEM_ALLOC = 1 << 16;

export const baseType = (t: number): number => t & BASE_TYPE_MASK;

const TYPE_NAMES: Record<number, string> = {
  [NOT_INIT]: "?",
  [SCALAR_VALUE]: "scalar",
  [PTR_TO_CTX]: "ctx",
  [CONST_PTR_TO_MAP]: "map_ptr",
  [PTR_TO_MAP_VALUE]: "map_value",
  [PTR_TO_STACK]: "fp",
  [PTR_TO_PACKET]: "pkt",
  [PTR_TO_PACKET_META]: "pkt_meta",
  [PTR_TO_PACKET_END]: "pkt_end",
  [PTR_TO_FLOW_KEYS]: "flow_keys",
  [PTR_TO_SOCKET]: "sock",
  [PTR_TO_SOCK_COMMON]: "sock_common",
  [PTR_TO_TCP_SOCK]: "tcp_sock",
  [PTR_TO_TP_BUFFER]: "tp_buffer",
  [PTR_TO_XDP_SOCK]: "xdp_sock",
  [PTR_TO_BTF_ID]: "ptr_",
  [PTR_TO_MEM]: "mem",
  [PTR_TO_BUF]: "buf",
  [PTR_TO_FUNC]: "func",
  [PTR_TO_MAP_KEY]: "map_key",
  [CONST_PTR_TO_DYNPTR]: "dynptr_ptr",
};

/** reg_type_str(): "map_value_or_null", "ringbuf_mem", "rdonly_mem" … */
export function regTypeStr(type: number): string {
  const base = baseType(type);
  let postfix = "";
  if (type & PTR_MAYBE_NULL) postfix = base === PTR_TO_BTF_ID ? "or_null_" : "_or_null";
  const prefix =
    (type & MEM_RDONLY ? "rdonly_" : "") +
    (type & MEM_RINGBUF ? "ringbuf_" : "") +
    (type & MEM_USER ? "user_" : "") +
    (type & MEM_PERCPU ? "percpu_" : "") +
    (type & MEM_RCU ? "rcu_" : "") +
    (type & PTR_UNTRUSTED ? "untrusted_" : "") +
    (type & PTR_TRUSTED ? "trusted_" : "");
  return `${prefix}${TYPE_NAMES[base] ?? "?"}${postfix}`;
}

/** What the verifier must know of a map an lddw refers to. */
export interface MapDesc {
  /** Name as the kernel shows it (`map=` in register states). */
  name: string;
  /** enum bpf_map_type. */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** Inner map template for map-in-map types. */
  inner?: MapDesc;
  /** Offset of a struct bpf_spin_lock in the value, when it has one (from BTF). */
  spinLockOff?: number;
  /** A frozen read-only map (.rodata): loads through it may be constant-folded. */
  readOnly?: boolean;
  /** Contents of a frozen map's value, for constant folding of .rodata loads. */
  frozenValue?: Uint8Array;
  /** Unique id of this map within the verification (index in the map table). */
  uid: number;
}

/** One abstract register (struct bpf_reg_state). */
export interface Reg {
  type: number;
  /** Fixed offset of a pointer (reg->off). */
  off: number;
  varOff: Tnum;
  smin: bigint;
  smax: bigint;
  umin: bigint;
  umax: bigint;
  s32min: bigint;
  s32max: bigint;
  u32min: bigint;
  u32max: bigint;
  /** Shared by copies: null checks and packet ranges propagate to every register with this id. */
  id: number;
  /** Non-zero for pointers that hold an acquired reference (ringbuf record …). */
  refObjId: number;
  /** Packet pointers: bytes known to be in bounds past the pointer. */
  range: number;
  /** Map pointers, map values and keys. */
  map: MapDesc | null;
  /** PTR_TO_MEM: size of the memory region; PTR_TO_BTF_ID: the kernel BTF type id (one union in the kernel too). */
  memSize: number;
  /** PTR_TO_STACK: the frame the pointer points into. */
  frameno: number;
  /** PTR_TO_FUNC: the subprogram. */
  subprogno: number;
  /** Scalar marked precise (printed as "P"). */
  precise: boolean;
}

// Stack slot byte types (enum bpf_stack_slot_type).
export const STACK_INVALID = 0;
export const STACK_SPILL = 1;
export const STACK_MISC = 2;
export const STACK_ZERO = 3;

export const BPF_REG_SIZE = 8;
export const MAX_BPF_STACK = 512;
export const MAX_CALL_FRAMES = 8;

export interface StackSlot {
  /**
   * Byte types packed 3 bits each, byte j (0 = lowest address) in bits 3j..3j+2: a small
   * integer, so copying a slot allocates no array and states_equal reads no second object.
   * Read and write it through slotType / setSlotType.
   */
  types: number;
  /** The spilled register when `slotType(slot, 7) === STACK_SPILL`. */
  spilled: Reg;
  /**
   * Owner: slots are shared between a frame and its copies (copy-on-write). A frame may change a
   * slot (or its spilled register) in place only when `slot.gen === frame.gen`; otherwise it
   * writes through slotForWrite (state.ts), which gives it a private copy first.
   */
  gen: number;
}

/** Packed byte types of a slot whose 8 bytes all have type t (fill). */
export const slotFill = (t: number): number => t * 0o11111111;

/** Type of byte j of a slot. */
export const slotType = (slot: StackSlot, j: number): number => (slot.types >> (j * 3)) & 7;

export function setSlotType(slot: StackSlot, j: number, t: number): void {
  const sh = j * 3;
  slot.types = (slot.types & ~(7 << sh)) | (t << sh);
}

export interface FuncState {
  regs: Reg[];
  /** Slot i covers fp-(i+1)*8 … fp-i*8-1. Shared with copies: write through slotForWrite. */
  stack: StackSlot[];
  /** Ownership tag of this frame's slots (see StackSlot.gen); renewed when the frame is copied. */
  gen: number;
  /** Explored states: the slot on which the last states_equal against this frame failed (-1). */
  missHint: number;
  /** Explored states: the slots states_equal must look at (state.ts hotSlots), once computed. */
  hotSlots: number[] | null;
  frameno: number;
  /** Call instruction that created this frame (-1 for the main frame). */
  callsite: number;
  subprogno: number;
  /** Callback frames (bpf_loop, for_each_map_elem …): r0 range at exit. */
  inCallbackFn: boolean;
  callbackRetRange: [bigint, bigint];
  /** bpf_loop & co: the helper's call pc, for re-entry. */
  asyncEntryCnt: number;
  callbackDepth: number;
}

export interface RefState {
  id: number;
  insnIdx: number;
  kind: "ptr" | "lock";
}

export interface VState {
  frames: FuncState[];
  curframe: number;
  refs: RefState[];
  /** Active bpf_spin_lock: id of the map value register holding it (0 = none). */
  activeLockId: number;
  activeLockMapUid: number;
  /** Verification bookkeeping. */
  insnIdx: number;
  parent: VState | null;
  branches: number;
  /** A checkpoint in the explored list whose every path has been verified. */
  speculative: boolean;
  /** Last jump/call history length (unused in output; kept for loop detection). */
  callbackUnrollDepth: number;
  mayGotoDepth: number;
  /** The path since the parent checkpoint, newest instruction first (precision backtracking). */
  hist: Hist | null;
  /** Dead stack slots already cleared (clean_verifier_state); explored checkpoints only. */
  cleaned?: boolean;
}

/**
 * BPF_ADD_CONST64 / BPF_ADD_CONST32: flag bits of a scalar's id marking "this register is the
 * linked base plus reg.off" after `rX = rY; rX += K` (64-bit) or `w` arithmetic on a register
 * whose upper half is zero (32-bit, zero-extended). Not the kernel's bit values (1<<31, 1<<30):
 * these keep every id below 2^30, a V8 small integer, so Reg.id never turns into a boxed double
 * (which made every register copy allocate). Base ids stay below 2^28; no id value is printed
 * with its flags.
 */
export const BPF_ADD_CONST64 = 0x20000000;
export const BPF_ADD_CONST32 = 0x10000000;
/** Either flag (the kernel's BPF_ADD_CONST mask). */
export const BPF_ADD_CONST = BPF_ADD_CONST64 + BPF_ADD_CONST32;
/** reg->id & ~BPF_ADD_CONST. */
export const baseScalarId = (id: number): number => id % BPF_ADD_CONST32;
/** reg->id & BPF_ADD_CONST: 0, BPF_ADD_CONST32 or BPF_ADD_CONST64. */
export const addConstFlags = (id: number): number => id - (id % BPF_ADD_CONST32);
/** reg->id & BPF_ADD_CONST != 0. */
export const hasAddConst = (id: number): boolean => id >= BPF_ADD_CONST32;
