/**
 * Maps in the kernel: create, element operations, batch operations, freeze, info, pinning.
 * Keys and values are raw bytes (the layout is the caller's business, as in bpf(2)). A lookup of
 * a missing key gives `undefined`, not an error; every other failure is a KernelError.
 */
import { readFileSync } from "node:fs";
import { EbpfError } from "../errors.js";
import {
  BPF_ANY,
  BPF_MAP_CREATE,
  BPF_MAP_DELETE_BATCH,
  BPF_MAP_DELETE_ELEM,
  BPF_MAP_FREEZE,
  BPF_MAP_GET_FD_BY_ID,
  BPF_MAP_GET_NEXT_KEY,
  BPF_MAP_LOOKUP_AND_DELETE_BATCH,
  BPF_MAP_LOOKUP_AND_DELETE_ELEM,
  BPF_MAP_LOOKUP_BATCH,
  BPF_MAP_LOOKUP_ELEM,
  BPF_MAP_UPDATE_BATCH,
  BPF_MAP_UPDATE_ELEM,
  cmdName,
  mapTypeName,
  mapTypeNumber,
} from "./constants.js";
import { GET_ID_ATTR, MAP_BATCH_ATTR, MAP_CREATE_ATTR, MAP_ELEM_ATTR } from "./attr.js";
import { KernelError } from "./errors.js";
import { expectKind, KernelObject } from "./fd.js";
import { mapInfo, type MapInfo } from "./info.js";
import { getPinned, pinObject } from "./pin.js";
import { shared } from "./syscall.js";

const ENOENT = 2;

export interface MapCreateOptions {
  /** Map type: a number or a name ("hash", "array", "BPF_MAP_TYPE_LRU_HASH" …). */
  type: string | number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** BPF_F_* map flags. */
  flags?: number;
  name?: string;
  /** Inner map template for map-in-map types. */
  innerMap?: number | { fd: number };
  numaNode?: number;
  ifindex?: number;
  btf?: number | { fd: number };
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  btfVmlinuxValueTypeId?: number;
  mapExtra?: bigint | number;
}

export interface BatchResult {
  keys: Uint8Array[];
  values: Uint8Array[];
  /** Token to continue from; undefined when the map has been walked to its end. */
  next: Uint8Array | undefined;
}

/** Per-CPU map types store one value per possible CPU, each rounded up to 8 bytes. */
const PERCPU_TYPES = new Set([5, 6, 10, 21]);

let possibleCpuCount: number | undefined;

/** Number of possible CPUs (/sys/devices/system/cpu/possible), as the kernel sizes per-CPU values. */
export function possibleCpus(): number {
  if (possibleCpuCount !== undefined) return possibleCpuCount;
  let n = 0;
  const text = readFileSync("/sys/devices/system/cpu/possible", "utf8").trim();
  for (const part of text.split(",")) {
    const [a, b] = part.split("-").map(Number);
    n += b === undefined ? 1 : b! - a! + 1;
  }
  possibleCpuCount = n;
  return n;
}

export class KernelMap extends KernelObject {
  constructor(
    fd: number,
    readonly type: number,
    readonly keySize: number,
    readonly valueSize: number,
    readonly maxEntries: number,
    readonly name: string,
  ) {
    super(fd);
  }

  get description(): string {
    return `map ${this.name || `(${mapTypeName(this.type)})`}`;
  }

  /** Bytes of one value as lookup returns it (per-CPU maps: one 8-aligned slot per CPU). */
  get valueBytes(): number {
    return PERCPU_TYPES.has(this.type) ? Math.ceil(this.valueSize / 8) * 8 * possibleCpus() : this.valueSize;
  }

  static create(o: MapCreateOptions): KernelMap {
    const type = mapTypeNumber(o.type);
    const name = (o.name ?? "").replace(/[^A-Za-z0-9_.]/g, "_").slice(0, 15);
    const attr = shared.begin(MAP_CREATE_ATTR);
    attr
      .set("map_type", type)
      .set("key_size", o.keySize)
      .set("value_size", o.valueSize)
      .set("max_entries", o.maxEntries)
      .set("map_flags", o.flags)
      .set("inner_map_fd", o.innerMap === undefined ? undefined : typeof o.innerMap === "number" ? o.innerMap : o.innerMap.fd)
      .set("numa_node", o.numaNode)
      .set("map_ifindex", o.ifindex)
      .set("btf_fd", o.btf === undefined ? undefined : typeof o.btf === "number" ? o.btf : o.btf.fd)
      .set("btf_key_type_id", o.btfKeyTypeId)
      .set("btf_value_type_id", o.btfValueTypeId)
      .set("btf_vmlinux_value_type_id", o.btfVmlinuxValueTypeId)
      .set("map_extra", o.mapExtra === undefined ? undefined : BigInt(o.mapExtra));
    attr.setBytes("map_name", name);
    const fd = shared.call(BPF_MAP_CREATE, MAP_CREATE_ATTR.endOf("map_extra"), `creating ${mapTypeName(type)} map${name ? ` ${name}` : ""}`);
    return new KernelMap(fd, type, o.keySize, o.valueSize, o.maxEntries, name);
  }

  static fromPin(path: string): KernelMap {
    const fd = getPinned(path);
    expectKind(fd, "map", path);
    return KernelMap.fromFd(fd);
  }

  static fromId(id: number): KernelMap {
    const attr = shared.begin(GET_ID_ATTR);
    attr.set("map_id", id);
    const fd = shared.call(BPF_MAP_GET_FD_BY_ID, GET_ID_ATTR.endOf("open_flags"), `opening map id ${id}`);
    return KernelMap.fromFd(fd);
  }

  /** Takes ownership of a map fd (closing it if it is not a map). */
  static fromFd(fd: number): KernelMap {
    let info: MapInfo;
    try {
      info = mapInfo(fd);
    } catch (e) {
      new KernelMap(fd, 0, 0, 0, 0, "").close();
      throw e;
    }
    return new KernelMap(fd, info.type, info.keySize, info.valueSize, info.maxEntries, info.name);
  }

  info(): MapInfo {
    return mapInfo(this.fd);
  }

  pin(path: string): void {
    pinObject(this.fd, path);
  }

  private checkKey(key: Uint8Array | undefined): void {
    if (key !== undefined && key.length !== this.keySize) {
      throw new EbpfError("EINVAL", `${this.description}: key is ${key.length} bytes, the map's keys are ${this.keySize}`);
    }
  }

  private checkValue(value: Uint8Array): void {
    if (value.length !== this.valueBytes) {
      throw new EbpfError("EINVAL", `${this.description}: value is ${value.length} bytes, the map's values are ${this.valueBytes}`);
    }
  }

  /** One element command: key in, optional value in or out. Returns the raw result (-errno on failure). */
  private elem(cmd: number, key: Uint8Array | undefined, value: Uint8Array | undefined, outBytes: number, flags: number): { r: number; out?: Uint8Array } {
    const attr = shared.begin(MAP_ELEM_ATTR, this.keySize + Math.max(value?.length ?? 0, outBytes) + 16);
    attr.set("map_fd", this.fd).set("flags", flags);
    if (key !== undefined) attr.set("key", shared.address(shared.reserve(key.length, key)));
    let outAt = -1;
    if (value !== undefined) attr.set("value", shared.address(shared.reserve(value.length, value)));
    else if (outBytes > 0) {
      outAt = shared.reserve(outBytes);
      attr.set("value", shared.address(outAt));
    }
    const r = shared.callRaw(cmd, MAP_ELEM_ATTR.endOf("flags"));
    return outAt >= 0 && r >= 0 ? { r, out: shared.bytes(outAt, outBytes) } : { r };
  }

  private fail(cmd: number, r: number, what: string): never {
    throw new KernelError({ command: cmdName(cmd), errno: -r, context: `${what} in ${this.description}` });
  }

  /** The value under `key`, or undefined when there is none. `flags` may be BPF_F_LOCK. */
  lookup(key: Uint8Array, flags = 0): Uint8Array | undefined {
    this.checkKey(key);
    const { r, out } = this.elem(BPF_MAP_LOOKUP_ELEM, key, undefined, this.valueBytes, flags);
    if (r === -ENOENT) return undefined;
    if (r < 0) this.fail(BPF_MAP_LOOKUP_ELEM, r, "looking up a key");
    return out!;
  }

  /** flags: BPF_ANY (default), BPF_NOEXIST, BPF_EXIST, | BPF_F_LOCK. */
  update(key: Uint8Array, value: Uint8Array, flags = BPF_ANY): void {
    this.checkKey(key);
    this.checkValue(value);
    const { r } = this.elem(BPF_MAP_UPDATE_ELEM, key, value, 0, flags);
    if (r < 0) this.fail(BPF_MAP_UPDATE_ELEM, r, "updating a key");
  }

  /** Pushes a value into a queue/stack map (key-less update). */
  push(value: Uint8Array, flags = BPF_ANY): void {
    this.checkValue(value);
    const { r } = this.elem(BPF_MAP_UPDATE_ELEM, undefined, value, 0, flags);
    if (r < 0) this.fail(BPF_MAP_UPDATE_ELEM, r, "pushing a value");
  }

  /** Deletes `key`; false when it was not there. */
  delete(key: Uint8Array): boolean {
    this.checkKey(key);
    const { r } = this.elem(BPF_MAP_DELETE_ELEM, key, undefined, 0, 0);
    if (r === -ENOENT) return false;
    if (r < 0) this.fail(BPF_MAP_DELETE_ELEM, r, "deleting a key");
    return true;
  }

  /** Looks up and deletes `key` (or pops from a queue/stack when key is undefined). */
  lookupAndDelete(key?: Uint8Array, flags = 0): Uint8Array | undefined {
    this.checkKey(key);
    const { r, out } = this.elem(BPF_MAP_LOOKUP_AND_DELETE_ELEM, key, undefined, this.valueBytes, flags);
    if (r === -ENOENT) return undefined;
    if (r < 0) this.fail(BPF_MAP_LOOKUP_AND_DELETE_ELEM, r, "looking up and deleting a key");
    return out!;
  }

  /** The key after `key` (the first key when undefined), or undefined at the end. */
  nextKey(key?: Uint8Array): Uint8Array | undefined {
    this.checkKey(key);
    const attr = shared.begin(MAP_ELEM_ATTR, this.keySize * 2 + 16);
    attr.set("map_fd", this.fd);
    if (key !== undefined) attr.set("key", shared.address(shared.reserve(key.length, key)));
    const outAt = shared.reserve(this.keySize);
    attr.set("next_key", shared.address(outAt));
    const r = shared.callRaw(BPF_MAP_GET_NEXT_KEY, MAP_ELEM_ATTR.endOf("flags"));
    if (r === -ENOENT) return undefined;
    if (r < 0) this.fail(BPF_MAP_GET_NEXT_KEY, r, "iterating keys");
    return shared.bytes(outAt, this.keySize);
  }

  *keys(): Generator<Uint8Array> {
    let key = this.nextKey();
    while (key !== undefined) {
      yield key;
      key = this.nextKey(key);
    }
  }

  *entries(): Generator<[Uint8Array, Uint8Array]> {
    for (const key of this.keys()) {
      const value = this.lookup(key);
      if (value !== undefined) yield [key, value];
    }
  }

  freeze(): void {
    const attr = shared.begin(MAP_ELEM_ATTR);
    attr.set("map_fd", this.fd);
    shared.call(BPF_MAP_FREEZE, MAP_ELEM_ATTR.endOf("map_fd"), `freezing ${this.description}`);
  }

  /** Size of the opaque batch token: hash maps use a bucket index, arrays a key. */
  private get tokenBytes(): number {
    return Math.max(this.keySize, 8);
  }

  private batchCall(cmd: number, what: string, count: number, keys: Uint8Array | undefined, values: Uint8Array | undefined, inBatch: Uint8Array | undefined, wantOut: boolean, elemFlags: number, flags: number) {
    const kb = count * this.keySize;
    const vb = count * this.valueBytes;
    const attr = shared.begin(MAP_BATCH_ATTR, kb + vb + this.tokenBytes * 2 + 32);
    const keysAt = shared.reserve(kb, keys);
    const valuesAt = shared.reserve(vb, values);
    attr.set("map_fd", this.fd).set("count", count).set("keys", shared.address(keysAt)).set("values", shared.address(valuesAt));
    attr.set("elem_flags", elemFlags).set("flags", flags);
    if (inBatch) attr.set("in_batch", shared.address(shared.reserve(this.tokenBytes, inBatch)));
    let outAt = -1;
    if (wantOut) {
      outAt = shared.reserve(this.tokenBytes);
      attr.set("out_batch", shared.address(outAt));
    }
    const r = shared.callRaw(cmd, MAP_BATCH_ATTR.endOf("flags"));
    const done = attr.get("count");
    if (r < 0 && !(r === -ENOENT && wantOut)) {
      throw new KernelError({ command: cmdName(cmd), errno: -r, context: `${what} in ${this.description} (${done} of ${count} done)` });
    }
    return { r, done, keysAt, valuesAt, outAt };
  }

  private readBatch(cmd: number, what: string, count: number, from: Uint8Array | undefined, elemFlags: number): BatchResult {
    const { r, done, keysAt, valuesAt, outAt } = this.batchCall(cmd, what, count, undefined, undefined, from, true, elemFlags, 0);
    const keys: Uint8Array[] = [];
    const values: Uint8Array[] = [];
    for (let i = 0; i < done; i++) {
      keys.push(shared.bytes(keysAt + i * this.keySize, this.keySize));
      values.push(shared.bytes(valuesAt + i * this.valueBytes, this.valueBytes));
    }
    return { keys, values, next: r === -ENOENT ? undefined : shared.bytes(outAt, this.tokenBytes) };
  }

  /** BPF_MAP_LOOKUP_BATCH: up to `count` elements starting at token `from` (undefined = the beginning). */
  lookupBatch(count: number, from?: Uint8Array, elemFlags = 0): BatchResult {
    return this.readBatch(BPF_MAP_LOOKUP_BATCH, "batch lookup", count, from, elemFlags);
  }

  lookupAndDeleteBatch(count: number, from?: Uint8Array, elemFlags = 0): BatchResult {
    return this.readBatch(BPF_MAP_LOOKUP_AND_DELETE_BATCH, "batch lookup-and-delete", count, from, elemFlags);
  }

  /** Every element, fetched `chunk` at a time with LOOKUP_BATCH. */
  *batchEntries(chunk = 64): Generator<[Uint8Array, Uint8Array]> {
    let from: Uint8Array | undefined;
    for (;;) {
      const res = this.lookupBatch(chunk, from);
      for (let i = 0; i < res.keys.length; i++) yield [res.keys[i]!, res.values[i]!];
      if (res.next === undefined) return;
      from = res.next;
    }
  }

  /** BPF_MAP_UPDATE_BATCH; returns how many were updated. */
  updateBatch(keys: readonly Uint8Array[], values: readonly Uint8Array[], elemFlags = BPF_ANY): number {
    if (keys.length !== values.length) throw new EbpfError("EINVAL", `${this.description}: ${keys.length} keys but ${values.length} values`);
    keys.forEach((k) => this.checkKey(k));
    values.forEach((v) => this.checkValue(v));
    return this.batchCall(BPF_MAP_UPDATE_BATCH, "batch update", keys.length, concat(keys), concat(values), undefined, false, elemFlags, 0).done;
  }

  /** BPF_MAP_DELETE_BATCH; returns how many were deleted. */
  deleteBatch(keys: readonly Uint8Array[], elemFlags = 0): number {
    keys.forEach((k) => this.checkKey(k));
    return this.batchCall(BPF_MAP_DELETE_BATCH, "batch delete", keys.length, concat(keys), undefined, undefined, false, elemFlags, 0).done;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
