/**
 * Helper prototypes in the kernel's vocabulary (struct bpf_func_proto): parsing of the
 * "ARG_PTR_TO_MEM | MEM_RDONLY" strings the helper registry uses, and a built-in table of the
 * prototypes of common helpers, used when the registry passed in has none for a helper.
 */
import type { HelperProto } from "../helpers/registry.js";

// enum bpf_arg_type base values.
export const ARG_DONTCARE = 0;
export const ARG_CONST_MAP_PTR = 1;
export const ARG_PTR_TO_MAP_KEY = 2;
export const ARG_PTR_TO_MAP_VALUE = 3;
export const ARG_PTR_TO_MEM = 4;
export const ARG_PTR_TO_ARENA = 5;
export const ARG_CONST_SIZE = 6;
export const ARG_CONST_SIZE_OR_ZERO = 7;
export const ARG_PTR_TO_CTX = 8;
export const ARG_ANYTHING = 9;
export const ARG_PTR_TO_SPIN_LOCK = 10;
export const ARG_PTR_TO_SOCK_COMMON = 11;
export const ARG_PTR_TO_SOCKET = 12;
export const ARG_PTR_TO_BTF_ID = 13;
export const ARG_PTR_TO_RINGBUF_MEM_BASE = 14; // ARG_PTR_TO_ALLOC_MEM
export const ARG_CONST_ALLOC_SIZE_OR_ZERO = 15;
export const ARG_PTR_TO_BTF_ID_SOCK_COMMON = 16;
export const ARG_PTR_TO_PERCPU_BTF_ID = 17;
export const ARG_PTR_TO_FUNC = 18;
export const ARG_PTR_TO_STACK = 19;
export const ARG_PTR_TO_CONST_STR = 20;
export const ARG_PTR_TO_TIMER = 21;
export const ARG_KPTR_XCHG_DEST = 22;
export const ARG_PTR_TO_DYNPTR = 23;
export const ARG_PTR_TO_INT = 24;
export const ARG_PTR_TO_LONG = 25;

// Flags (enum bpf_type_flag) as they apply to arguments.
export const F_MAYBE_NULL = 1 << 8;
export const F_RDONLY = 1 << 9;
export const F_RINGBUF = 1 << 10;
export const F_UNINIT = 1 << 17;
export const F_WRITE = 1 << 18;
export const F_RELEASE = 1 << 19;
export const F_FIXED_SIZE = 1 << 20;
export const F_ALLOC = 1 << 16;
/** PTR_TRUSTED (return types: RET_PTR_TO_BTF_ID_TRUSTED). */
export const F_TRUSTED = 1 << 15;

export const argBase = (a: number): number => a & 0xff;

// Return types.
export const RET_INTEGER = 0;
export const RET_VOID = 1;
export const RET_PTR_TO_MAP_VALUE = 2;
export const RET_PTR_TO_SOCKET = 3;
export const RET_PTR_TO_TCP_SOCK = 4;
export const RET_PTR_TO_SOCK_COMMON = 5;
export const RET_PTR_TO_MEM = 6;
export const RET_PTR_TO_MEM_OR_BTF_ID = 7;
export const RET_PTR_TO_BTF_ID = 8;

export interface ParsedProto {
  ret: number;
  args: number[];
}

const ARG_NAMES: Record<string, number> = {
  ARG_DONTCARE,
  ARG_CONST_MAP_PTR,
  ARG_PTR_TO_MAP_KEY,
  ARG_PTR_TO_MAP_VALUE,
  ARG_PTR_TO_MEM,
  ARG_CONST_SIZE,
  ARG_CONST_SIZE_OR_ZERO,
  ARG_PTR_TO_CTX,
  ARG_ANYTHING,
  ARG_PTR_TO_SPIN_LOCK,
  ARG_PTR_TO_SOCK_COMMON,
  ARG_PTR_TO_SOCKET,
  ARG_PTR_TO_BTF_ID,
  ARG_PTR_TO_ALLOC_MEM: ARG_PTR_TO_RINGBUF_MEM_BASE,
  ARG_CONST_ALLOC_SIZE_OR_ZERO,
  ARG_PTR_TO_BTF_ID_SOCK_COMMON,
  ARG_PTR_TO_PERCPU_BTF_ID,
  ARG_PTR_TO_FUNC,
  ARG_PTR_TO_STACK,
  ARG_PTR_TO_CONST_STR,
  ARG_PTR_TO_TIMER,
  ARG_KPTR_XCHG_DEST,
  ARG_PTR_TO_DYNPTR,
  ARG_PTR_TO_INT,
  ARG_PTR_TO_LONG,
  // Aliases the kernel defines as combinations.
  ARG_PTR_TO_MAP_VALUE_OR_NULL: ARG_PTR_TO_MAP_VALUE | F_MAYBE_NULL,
  ARG_PTR_TO_MEM_OR_NULL: ARG_PTR_TO_MEM | F_MAYBE_NULL,
  ARG_PTR_TO_CTX_OR_NULL: ARG_PTR_TO_CTX | F_MAYBE_NULL,
  ARG_PTR_TO_SOCKET_OR_NULL: ARG_PTR_TO_SOCKET | F_MAYBE_NULL,
  ARG_PTR_TO_STACK_OR_NULL: ARG_PTR_TO_STACK | F_MAYBE_NULL,
  ARG_PTR_TO_BTF_ID_OR_NULL: ARG_PTR_TO_BTF_ID | F_MAYBE_NULL,
  ARG_PTR_TO_UNINIT_MEM: ARG_PTR_TO_MEM | F_UNINIT | F_WRITE,
  ARG_PTR_TO_FIXED_SIZE_MEM: ARG_PTR_TO_MEM | F_FIXED_SIZE,
  ARG_PTR_TO_UNINIT_MAP_VALUE: ARG_PTR_TO_MAP_VALUE | F_UNINIT | F_WRITE,
  ARG_PTR_TO_RINGBUF_MEM: ARG_PTR_TO_RINGBUF_MEM_BASE | F_RINGBUF,
  ARG_PTR_TO_DYNPTR_MAYBE_NULL: ARG_PTR_TO_DYNPTR | F_MAYBE_NULL,
};

const FLAG_NAMES: Record<string, number> = {
  PTR_MAYBE_NULL: F_MAYBE_NULL,
  MEM_RDONLY: F_RDONLY,
  MEM_RINGBUF: F_RINGBUF,
  MEM_UNINIT: F_UNINIT,
  MEM_WRITE: F_WRITE,
  OBJ_RELEASE: F_RELEASE,
  MEM_FIXED_SIZE: F_FIXED_SIZE,
  MEM_ALLOC: F_ALLOC,
  MEM_ALIGNED: 0,
  PTR_TRUSTED: F_TRUSTED,
};

const RET_NAMES: Record<string, number> = {
  RET_INTEGER,
  RET_VOID,
  RET_PTR_TO_MAP_VALUE,
  RET_PTR_TO_SOCKET,
  RET_PTR_TO_TCP_SOCK,
  RET_PTR_TO_SOCK_COMMON,
  RET_PTR_TO_MEM,
  RET_PTR_TO_MEM_OR_BTF_ID,
  RET_PTR_TO_BTF_ID,
  RET_PTR_TO_MAP_VALUE_OR_NULL: RET_PTR_TO_MAP_VALUE | F_MAYBE_NULL,
  RET_PTR_TO_SOCKET_OR_NULL: RET_PTR_TO_SOCKET | F_MAYBE_NULL,
  RET_PTR_TO_TCP_SOCK_OR_NULL: RET_PTR_TO_TCP_SOCK | F_MAYBE_NULL,
  RET_PTR_TO_SOCK_COMMON_OR_NULL: RET_PTR_TO_SOCK_COMMON | F_MAYBE_NULL,
  RET_PTR_TO_RINGBUF_MEM_OR_NULL: RET_PTR_TO_MEM | F_RINGBUF | F_MAYBE_NULL,
  RET_PTR_TO_DYNPTR_MEM_OR_NULL: RET_PTR_TO_MEM | F_MAYBE_NULL,
  RET_PTR_TO_BTF_ID_OR_NULL: RET_PTR_TO_BTF_ID | F_MAYBE_NULL,
  RET_PTR_TO_BTF_ID_TRUSTED: RET_PTR_TO_BTF_ID | F_TRUSTED,
};

function parseWith(names: Record<string, number>, text: string): number | undefined {
  let v = 0;
  for (const part of text.split("|").map((p) => p.trim())) {
    if (part in names) v |= names[part]!;
    else if (part in FLAG_NAMES) v |= FLAG_NAMES[part]!;
    else return undefined;
  }
  return v;
}

/** Parses a registry prototype; undefined when it uses a name this verifier does not know. */
export function parseProto(p: HelperProto): ParsedProto | undefined {
  const ret = parseWith(RET_NAMES, p.ret);
  if (ret === undefined) return undefined;
  const args: number[] = [];
  for (const a of p.args) {
    let v = parseWith(ARG_NAMES, a);
    if (v === undefined) return undefined;
    // Linux 6.x spells ARG_PTR_TO_RINGBUF_MEM as MEM_RINGBUF | ARG_PTR_TO_MEM and checks it
    // against ringbuf records only (ringbuf_mem_types).
    if (argBase(v) === ARG_PTR_TO_MEM && v & F_RINGBUF) v = (v & ~0xff) | ARG_PTR_TO_RINGBUF_MEM_BASE;
    args.push(v);
  }
  return { ret, args };
}

const MAP = "ARG_CONST_MAP_PTR";
const KEY = "ARG_PTR_TO_MAP_KEY";
const VAL = "ARG_PTR_TO_MAP_VALUE";
const ANY = "ARG_ANYTHING";
const CTX = "ARG_PTR_TO_CTX";
const ROMEM = "ARG_PTR_TO_MEM | MEM_RDONLY";
const UNINIT = "ARG_PTR_TO_UNINIT_MEM";
const SIZE = "ARG_CONST_SIZE";
const SIZE0 = "ARG_CONST_SIZE_OR_ZERO";
const INT = "RET_INTEGER";
const VOID = "RET_VOID";

const p = (ret: string, ...args: string[]): HelperProto => ({ ret, args });

/** Prototypes of common helpers, by id (include/uapi/linux/bpf.h numbering). */
export const BUILTIN_PROTOS: Readonly<Record<number, HelperProto>> = {
  1: p("RET_PTR_TO_MAP_VALUE_OR_NULL", MAP, KEY),
  2: p(INT, MAP, KEY, VAL, ANY),
  3: p(INT, MAP, KEY),
  4: p(INT, UNINIT, SIZE0, ANY),
  5: p(INT),
  6: p(INT, ROMEM, SIZE),
  7: p(INT),
  8: p(INT),
  9: p(INT, CTX, ANY, ROMEM, SIZE, ANY),
  10: p(INT, CTX, ANY, ANY, ANY, ANY),
  11: p(INT, CTX, ANY, ANY, ANY, ANY),
  12: p(VOID, CTX, MAP, ANY),
  13: p(INT, CTX, ANY, ANY),
  14: p(INT),
  15: p(INT),
  16: p(INT, UNINIT, SIZE),
  17: p(INT, CTX),
  18: p(INT, CTX, ANY, ANY),
  19: p(INT, CTX),
  20: p(INT, CTX, UNINIT, SIZE, ANY),
  21: p(INT, CTX, ROMEM, SIZE, ANY),
  22: p(INT, MAP, ANY),
  23: p(INT, ANY, ANY),
  24: p(INT, CTX),
  25: p(INT, CTX, MAP, ANY, ROMEM, SIZE0),
  26: p(INT, CTX, ANY, UNINIT, SIZE),
  27: p(INT, CTX, MAP, ANY),
  28: p(INT, "ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY", SIZE0, "ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY", SIZE0, ANY),
  29: p(INT, CTX, UNINIT, SIZE),
  30: p(INT, CTX, ROMEM, SIZE),
  31: p(INT, CTX, ANY, ANY),
  32: p(INT, CTX, ANY),
  33: p(INT, CTX, MAP, ANY),
  34: p(INT, CTX),
  35: p(INT),
  36: p(INT, ANY, ROMEM, SIZE),
  37: p(INT, MAP, ANY),
  38: p(INT, CTX, ANY, ANY),
  39: p(INT, CTX, ANY),
  40: p(INT, CTX, ANY),
  41: p(VOID, CTX),
  42: p(INT),
  43: p(INT, CTX, ANY, ANY),
  44: p(INT, CTX, ANY),
  45: p(INT, UNINIT, SIZE0, ANY),
  46: p(INT, CTX),
  47: p(INT, CTX),
  48: p(INT, CTX, ANY),
  // bpf_setsockopt / bpf_getsockopt as sock_ops, cgroup_sock_addr … declare them (ctx first).
  49: p(INT, CTX, ANY, ANY, ROMEM, SIZE),
  50: p(INT, CTX, ANY, ANY, ANY),
  51: p(INT, MAP, ANY, ANY),
  53: p(INT, CTX, MAP, KEY, ANY), // sock_map_update (sock_ops)
  54: p(INT, CTX, ANY),
  55: p(INT, MAP, ANY, UNINIT, SIZE),
  56: p(INT, CTX, UNINIT, SIZE),
  57: p(INT, CTX, ANY, ANY, UNINIT, SIZE), // getsockopt
  59: p(INT, CTX, ANY), // sock_ops_cb_flags_set
  // sockmap programs: sk_skb redirects, sk_msg verdict helpers.
  52: p(INT, CTX, MAP, ANY, ANY), // sk_redirect_map
  60: p(INT, CTX, MAP, ANY, ANY), // msg_redirect_map
  61: p(INT, CTX, ANY), // msg_apply_bytes
  62: p(INT, CTX, ANY), // msg_cork_bytes
  63: p(INT, CTX, ANY, ANY, ANY), // msg_pull_data
  71: p(INT, CTX, MAP, KEY, ANY), // msg_redirect_hash
  72: p(INT, CTX, MAP, KEY, ANY), // sk_redirect_hash
  90: p(INT, CTX, ANY, ANY, ANY), // msg_push_data
  91: p(INT, CTX, ANY, ANY, ANY), // msg_pop_data
  // lwt: push_encap (lwt_in, lwt_xmit) and the seg6local helpers.
  73: p(INT, CTX, ANY, ROMEM, SIZE), // lwt_push_encap
  74: p(INT, CTX, ANY, ROMEM, SIZE), // lwt_seg6_store_bytes
  75: p(INT, CTX, ANY, ANY), // lwt_seg6_adjust_srh
  76: p(INT, CTX, ANY, ROMEM, SIZE), // lwt_seg6_action
  82: p(INT, CTX, MAP, KEY, ANY), // sk_select_reuseport
  // cgroup/sysctl.
  101: p(INT, CTX, "ARG_PTR_TO_MEM | MEM_WRITE", SIZE, ANY), // sysctl_get_name
  102: p(INT, CTX, UNINIT, SIZE), // sysctl_get_current_value
  103: p(INT, CTX, UNINIT, SIZE), // sysctl_get_new_value
  104: p(INT, CTX, ROMEM, SIZE), // sysctl_set_new_value
  64: p(INT, CTX, ROMEM, SIZE), // bind (cgroup/connect4, connect6)
  65: p(INT, CTX, ANY),
  67: p(INT, CTX, UNINIT, SIZE0, ANY),
  68: p(INT, CTX, ANY, UNINIT, SIZE, ANY),
  69: p(INT, CTX, "ARG_PTR_TO_MEM", SIZE, ANY),
  70: p(INT, CTX, MAP, KEY, ANY), // sock_hash_update (sock_ops)
  80: p(INT),
  81: p(INT, MAP, ANY),
  87: p(INT, MAP, VAL, ANY),
  88: p(INT, MAP, "ARG_PTR_TO_UNINIT_MAP_VALUE"),
  89: p(INT, MAP, "ARG_PTR_TO_UNINIT_MAP_VALUE"),
  93: p(VOID, "ARG_PTR_TO_SPIN_LOCK"),
  94: p(VOID, "ARG_PTR_TO_SPIN_LOCK"),
  96: p("RET_PTR_TO_TCP_SOCK_OR_NULL", "ARG_PTR_TO_SOCK_COMMON"), // tcp_sock
  112: p(INT, UNINIT, SIZE0, ANY),
  113: p(INT, UNINIT, SIZE0, ANY),
  114: p(INT, UNINIT, SIZE0, ANY),
  115: p(INT, UNINIT, SIZE0, ANY),
  118: p(INT),
  125: p(INT),
  122: p(INT, "ARG_PTR_TO_CTX_OR_NULL"), // get_netns_cookie (the sock_ops / sock / sock_addr / sockopt variants)
  130: p(INT, MAP, ROMEM, SIZE0, ANY),
  131: p("RET_PTR_TO_RINGBUF_MEM_OR_NULL", MAP, "ARG_CONST_ALLOC_SIZE_OR_ZERO", ANY),
  132: p(VOID, "ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE", ANY),
  133: p(VOID, "ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE", ANY),
  134: p(INT, MAP, ANY),
  // TCP header options from sock_ops: load_hdr_opt, store_hdr_opt, reserve_hdr_opt.
  142: p(INT, CTX, "ARG_PTR_TO_MEM | MEM_WRITE", SIZE, ANY),
  143: p(INT, CTX, ROMEM, SIZE, ANY),
  144: p(INT, CTX, ANY, ANY),
  // copy_from_user (sleepable programs only; might_sleep is checked before the arguments)
  148: p(INT, UNINIT, SIZE0, ANY),
  149: p(INT, "ARG_PTR_TO_MEM | MEM_RDONLY", SIZE, "ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY", SIZE0),
  160: p(INT),
  164: p(INT, MAP, "ARG_PTR_TO_FUNC", "ARG_PTR_TO_STACK_OR_NULL", ANY),
  165: p(INT, "ARG_PTR_TO_MEM_OR_NULL", SIZE0, "ARG_PTR_TO_CONST_STR", "ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY", SIZE0),
  177: p(INT, "ARG_PTR_TO_MEM | MEM_RDONLY", SIZE, ANY),
  181: p(INT, ANY, "ARG_PTR_TO_FUNC", "ARG_PTR_TO_STACK_OR_NULL", ANY),
  182: p(INT, "ARG_PTR_TO_MEM | MEM_RDONLY", SIZE, "ARG_PTR_TO_CONST_STR"),
  186: p(INT), // get_retval
  187: p(INT, ANY), // set_retval
  195: p("RET_PTR_TO_MAP_VALUE_OR_NULL", MAP, KEY, ANY),
  208: p(INT),
  // Tracing: BTF-typed sockets and tasks (the structs are in btf-access.ts's HELPER_BTF_IDS).
  136: p("RET_PTR_TO_BTF_ID_OR_NULL", "ARG_PTR_TO_BTF_ID_SOCK_COMMON"),
  137: p("RET_PTR_TO_BTF_ID_OR_NULL", "ARG_PTR_TO_BTF_ID_SOCK_COMMON"),
  138: p("RET_PTR_TO_BTF_ID_OR_NULL", "ARG_PTR_TO_BTF_ID_SOCK_COMMON"),
  139: p("RET_PTR_TO_BTF_ID_OR_NULL", "ARG_PTR_TO_BTF_ID_SOCK_COMMON"),
  140: p("RET_PTR_TO_BTF_ID_OR_NULL", "ARG_PTR_TO_BTF_ID_SOCK_COMMON"),
  141: p(INT, "ARG_PTR_TO_BTF_ID", UNINIT, SIZE0, ANY),
  158: p("RET_PTR_TO_BTF_ID_TRUSTED"),
  173: p(INT, CTX),
  175: p("RET_PTR_TO_BTF_ID", "ARG_PTR_TO_BTF_ID"),
  178: p("RET_PTR_TO_BTF_ID_OR_NULL", "ARG_PTR_TO_BTF_ID_SOCK_COMMON"),
  185: p(INT, CTX),
  196: p("RET_PTR_TO_BTF_ID_OR_NULL", "ARG_PTR_TO_BTF_ID_SOCK_COMMON"),
};

/** Helpers whose return value the verifier bounds (do_refine_retval_range). */
export const FUNC_GET_STACK = 67;
export const FUNC_PROBE_READ_STR = 45;
export const FUNC_PROBE_READ_KERNEL_STR = 115;
export const FUNC_PROBE_READ_USER_STR = 114;
export const FUNC_GET_TASK_STACK = 141;
export const FUNC_GET_SMP_PROCESSOR_ID = 8;
export const FUNC_TAIL_CALL = 12;
export const FUNC_MAP_LOOKUP_ELEM = 1;
export const FUNC_RINGBUF_RESERVE = 131;
export const FUNC_LOOP = 181;
export const FUNC_FOR_EACH_MAP_ELEM = 164;
export const FUNC_SPIN_LOCK = 93;
export const FUNC_SPIN_UNLOCK = 94;
export const FUNC_GET_LOCAL_STORAGE = 81;

/** Helpers that move packet data (bpf_helper_changes_pkt_data): packet pointers die after them. */
export const CHANGES_PKT_DATA = new Set([
  9, 10, 11, 13, 18, 19, 31, 38, 39, 43, 44, 50, 54, 63, 65, 73, 74, 75, 76, 90, 91,
]);
