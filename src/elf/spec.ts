import type { Btf } from "../btf/types.js";
import type { BtfExt, CoreReloRecord, FuncInfoRecord, LineInfoRecord } from "../btf/ext.js";
import type { Instruction } from "../isa/instruction.js";
import type { AttachType, ProgramType } from "./sections.js";

/*
 * The loader's output: plain, structured-cloneable data describing everything in an object file,
 * independent of any runtime (cilium/ebpf's CollectionSpec is the model). Map references inside
 * instructions are left symbolic (`meta.reference`) for the runtime to resolve.
 */

/** func_info for one function of a linked program; `insnOff` counts slots from the program start. */
export interface FuncInfo extends FuncInfoRecord {
  name: string;
}

/** line_info of a linked program; `insnOff` counts slots from the program start. */
export type LineInfo = LineInfoRecord;

/** A CO-RE relocation of a linked program; `insnOff` counts slots from the program start. */
export interface CoreRelo extends Omit<CoreReloRecord, "insnOff"> {
  insnOff: number;
}

export interface ProgramSpec {
  /** The entry function's symbol name. */
  name: string;
  /** ELF section without the "?" prefix. */
  sectionName: string;
  type: ProgramType;
  attachType?: AttachType;
  /** Attach target from the section name (kprobe function, tracepoint, BTF function …). */
  attachTo?: string;
  /** Load flags implied by the section (BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS). */
  flags: number;
  /** False for SEC("?…"). */
  autoload: boolean;
  license: string;
  kernVersion: number;
  /** Entry function first, then every called function appended in libbpf's order. */
  instructions: Instruction[];
  funcInfo?: FuncInfo[];
  lineInfo?: LineInfo[];
  coreRelos?: CoreRelo[];
  /** Function names and the slot each starts at, entry first. */
  functions: { name: string; insnOff: number }[];
}

/** An initial element of a map: inner map or program name for map-in-map and prog arrays. */
export interface MapContent {
  key: number;
  /** Name of the inner map / program, or raw bytes for data maps. */
  value: string | Uint8Array;
}

export const PIN_NONE = 0;
export const PIN_BY_NAME = 1;

export interface MapSpec {
  name: string;
  /** enum bpf_map_type value. */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  numaNode?: number;
  mapExtra?: bigint;
  /** LIBBPF_PIN_BY_NAME (1) or none. */
  pinning?: number;
  /** Inner map template of an array/hash of maps. */
  innerMap?: MapSpec;
  contents?: MapContent[];
  /** Read-only to programs once loaded (.rodata, .kconfig). */
  frozen?: boolean;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  /** The ELF section the definition came from (".maps", "maps", ".data", …). */
  sectionName: string;
  /** For global data maps: variables by name with their offset and size in the value. */
  variables?: { name: string; offset: number; size: number; typeId?: number }[];
  /** Legacy `struct bpf_map_def` bytes past the five standard fields (e.g. iproute2's id/pinning). */
  extra?: Uint8Array;
}

export interface ObjectSpec {
  programs: ProgramSpec[];
  maps: MapSpec[];
  btf?: Btf;
  btfExt?: BtfExt;
  license: string;
  kernVersion: number;
  bigEndian: boolean;
  /** Functions in .text that no program section points to directly (library subprograms). */
  subprograms: string[];
  /** Extern symbols: kconfig variables, ksyms (variables and kfuncs). */
  externs: ExternSpec[];
}

export interface ExternSpec {
  name: string;
  kind: "kconfig" | "ksym" | "kfunc" | "unknown";
  weak: boolean;
  /** Offset in the .kconfig map value for kconfig externs. */
  offset?: number;
  typeId?: number;
}
