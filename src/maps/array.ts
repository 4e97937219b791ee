import { PERM_READ, type Region } from "../vm/memory.js";
import { BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, E2BIG, EEXIST, EINVAL, ENOENT } from "./constants.js";
import { MapBase, readU32, round8, u32Bytes } from "./base.js";
import type { MapEnvironment, MapInfo, MapSpec } from "./types.js";

/**
 * array and percpu_array: one contiguous region of max_entries × round_up(value_size, 8) (per-CPU:
 * × cpus, element-major: element i's value for CPU c is at (i × cpus + c) × elem_size), so a
 * program's lookup gets a pointer into it and global data (.data/.rodata/.bss) lives there too.
 */
export class ArrayMap extends MapBase {
  readonly elemSize: number;
  readonly values: Region;
  private keyScratch: Region | undefined;

  constructor(info: MapInfo, env: MapEnvironment, spec?: MapSpec) {
    super(info, env, spec);
    this.elemSize = round8(info.valueSize);
    const per = this.percpu ? this.cpus : 1;
    this.values = this.mapRegion(info.maxEntries * per * this.elemSize, "values");
    this.batchOps = { lookup: true, lookupAndDelete: false, update: true, delete: false };
  }

  /** VM address of element `index` (its CPU `cpu` copy for per-CPU arrays). */
  valueAddress(index: number, cpu = 0): number {
    const per = this.percpu ? this.cpus : 1;
    return this.values.start + (index * per + (this.percpu ? cpu : 0)) * this.elemSize;
  }

  protected sysLookup(key: Uint8Array | undefined): Uint8Array | number {
    const i = readU32(key!);
    if (i >= this.info.maxEntries) return ENOENT;
    const out = new Uint8Array(this.valueBytes);
    if (!this.percpu) this.copyOut(out, 0, this.valueAddress(i));
    else for (let c = 0; c < this.cpus; c++) this.copyOut(out, c * this.elemSize, this.valueAddress(i, c));
    return out;
  }

  private checkUpdate(i: number, flags: number): number {
    if (this.percpu ? flags > BPF_EXIST : (flags & ~BPF_F_LOCK) > BPF_EXIST) return EINVAL;
    if (i >= this.info.maxEntries) return E2BIG;
    if (flags & BPF_NOEXIST) return EEXIST;
    if (flags & BPF_F_LOCK && !this.hasSpinLock) return EINVAL;
    return 0;
  }

  protected sysUpdate(key: Uint8Array | undefined, value: Uint8Array, flags: number): number {
    const i = readU32(key!);
    const err = this.checkUpdate(i, flags);
    if (err) return err;
    if (!this.percpu) this.copyIn(this.valueAddress(i), value);
    else for (let c = 0; c < this.cpus; c++) this.copyIn(this.valueAddress(i, c), value, c * this.elemSize);
    return 0;
  }

  protected override sysNextKey(key: Uint8Array | undefined): Uint8Array | number {
    const i = key === undefined ? 0xffffffff : readU32(key);
    if (i >= this.info.maxEntries) return u32Bytes(0);
    if (i === this.info.maxEntries - 1) return ENOENT;
    return u32Bytes(i + 1);
  }

  override lookupAddr(keyAddr: number, cpu: number): number {
    const i = this.space.view.getUint32(keyAddr, true);
    return i < this.info.maxEntries ? this.valueAddress(i, cpu) : 0;
  }

  override lookupPercpuAddr(keyAddr: number, targetCpu: number): number {
    if (!this.percpu || targetCpu >= this.cpus) return 0;
    return this.lookupAddr(keyAddr, targetCpu);
  }

  override updateFromVm(keyAddr: number, valueAddr: number, flags: number, cpu: number): number {
    this.assertProgWrite("bpf_map_update_elem");
    const i = this.space.view.getUint32(keyAddr, true);
    const err = this.checkUpdate(i, flags);
    if (err) return err;
    this.copyIn(this.valueAddress(i, cpu), this.readValue(valueAddr));
    return 0;
  }

  override deleteFromVm(): number {
    this.assertProgWrite("bpf_map_delete_elem");
    return EINVAL;
  }

  override forEachElem(cpu: number, fn: (keyAddr: number, valueAddr: number) => boolean): number {
    this.keyScratch ??= this.mapRegion(8, "for_each key", PERM_READ);
    const k = this.keyScratch.start;
    let n = 0;
    for (let i = 0; i < this.info.maxEntries; i++) {
      this.space.view.setUint32(k, i, true);
      n++;
      if (fn(k, this.valueAddress(i, cpu))) break;
    }
    return n;
  }
}
