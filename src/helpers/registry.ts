import { EbpfError } from "../errors.js";
import type { AddressSpace } from "../vm/memory.js";

/**
 * What a helper implementation sees of the running program: its arguments (r1–r5), the address
 * space, and checked access to program-supplied pointers. The interpreter and the JIT both
 * implement it, so one implementation serves every engine.
 */
export interface HelperCall {
  readonly space: AddressSpace;
  /** pc of the call instruction, for error messages. */
  readonly pc: number;
  /** Per-run data of the runtime (program type context, cpu id …), opaque to the VM. */
  readonly context: unknown;
  /** Argument i (1–5) as an unsigned 64-bit value. */
  arg(i: number): bigint;
  /** Argument i as a signed 32-bit number (its low half). */
  argI32(i: number): number;
  /** Argument i as an unsigned 32-bit number (its low half). */
  argU32(i: number): number;
  /** Argument i as a JS number when it is below 2^53 (sizes, flags, addresses). */
  argNum(i: number): number;
  /**
   * Checks that [addr, addr+len) is inside one region with the given permission (PERM_*) and
   * returns addr; otherwise faults the program with EFAULT at this pc.
   */
  checkMem(addr: number, len: number, perm: number, what?: string): number;
  /** Ends the program now with r0 = value (used by ubpf's unwind helper). */
  stop(value: bigint | number): void;
  /**
   * Calls a subprogram of the running program (a function address from `lddw src=4`) with up
   * to five arguments and returns its r0 — for bpf_loop and for_each_map_elem callbacks. Engines
   * that cannot re-enter leave it undefined.
   */
  callFunction?(fn: bigint | number, args: readonly (bigint | number)[]): bigint;
}

/**
 * A helper's result: a number is read as a signed 64-bit integer (so -22 is -EINVAL), a bigint
 * as its low 64 bits; void leaves r0 = 0.
 */
export type HelperResult = bigint | number | void;
export type HelperFn = (call: HelperCall) => HelperResult;

/** Argument and return types in the kernel's vocabulary (enum bpf_arg_type / bpf_return_type). */
export interface HelperProto {
  ret: string;
  args: readonly string[];
}

export interface HelperDef {
  id: number;
  name: string;
  fn: HelperFn;
  proto?: HelperProto;
  /** Program types that may call it; undefined means any. */
  progTypes?: readonly string[];
}

/** Helpers keyed by the kernel's helper ids; host applications register their own. */
export class HelperRegistry {
  private readonly byId = new Map<number, HelperDef>();
  private readonly byName = new Map<string, HelperDef>();

  register(def: HelperDef): this {
    if (!Number.isInteger(def.id) || def.id < 0 || def.id > 0x7fffffff) {
      throw new EbpfError("EINVAL", `helper id ${def.id} for ${def.name} is not a non-negative 32-bit integer`);
    }
    const old = this.byId.get(def.id);
    if (old) this.byName.delete(old.name);
    this.byId.set(def.id, def);
    this.byName.set(def.name, def);
    return this;
  }

  get(id: number): HelperDef | undefined {
    return this.byId.get(id);
  }

  lookup(name: string): HelperDef | undefined {
    return this.byName.get(name) ?? this.byName.get(name.replace(/^bpf_/, ""));
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  list(): HelperDef[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  /** A copy that can be extended without touching this one. */
  clone(): HelperRegistry {
    const r = new HelperRegistry();
    for (const d of this.byId.values()) r.register(d);
    return r;
  }
}
