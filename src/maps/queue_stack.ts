import type { Region } from "../vm/memory.js";
import { BPF_ANY, BPF_EXIST, BPF_NOEXIST, E2BIG, EINVAL, ENOENT, EOPNOTSUPP, MapType } from "./constants.js";
import { MapBase, round8 } from "./base.js";
import type { MapEnvironment, MapInfo, MapSpec } from "./types.js";

/**
 * queue (FIFO) and stack (LIFO): a ring of max_entries + 1 slots in VM memory, as the kernel's
 * queue_stack_maps.c. push with BPF_EXIST overwrites the oldest element when full; without it a
 * full map gives E2BIG; pop/peek of an empty map give ENOENT. No keys: lookup is peek,
 * lookup_and_delete is pop, update is push; delete and get_next_key are EINVAL.
 */
export class QueueStackMap extends MapBase {
  private head = 0;
  private tail = 0;
  private readonly size: number;
  private readonly slots: Region;
  private readonly slotSize: number;
  private readonly isStack: boolean;

  constructor(info: MapInfo, env: MapEnvironment, spec?: MapSpec) {
    super(info, env, spec);
    this.isStack = info.type === MapType.STACK;
    this.size = info.maxEntries + 1;
    this.slotSize = round8(info.valueSize);
    // Slots are the map's own storage: programs only see copies, so no program permission.
    this.slots = this.mapRegion(this.size * this.slotSize, "elements", 0);
  }

  private get empty(): boolean {
    return this.head === this.tail;
  }

  private get full(): boolean {
    return (this.head + 1) % this.size === this.tail;
  }

  private slot(i: number): number {
    return this.slots.start + i * this.slotSize;
  }

  private push(value: Uint8Array, flags: number): number {
    if (flags & BPF_NOEXIST || flags > BPF_EXIST) return EINVAL;
    if (this.full) {
      if (!(flags & BPF_EXIST)) return E2BIG;
      // Overwrite the oldest element.
      this.tail = (this.tail + 1) % this.size;
    }
    this.space.u8.set(value.subarray(0, this.info.valueSize), this.slot(this.head));
    this.head = (this.head + 1) % this.size;
    return 0;
  }

  /** The element pop/peek sees (queue: oldest, stack: newest), or undefined. */
  private take(remove: boolean): Uint8Array | undefined {
    if (this.empty) return undefined;
    let i: number;
    if (this.isStack) {
      i = (this.head + this.size - 1) % this.size;
      if (remove) this.head = i;
    } else {
      i = this.tail;
      if (remove) this.tail = (this.tail + 1) % this.size;
    }
    const a = this.slot(i);
    return this.space.u8.slice(a, a + this.info.valueSize);
  }

  protected sysLookup(): Uint8Array | number {
    return this.take(false) ?? ENOENT;
  }

  protected sysUpdate(_key: Uint8Array | undefined, value: Uint8Array, flags: number): number {
    return this.push(value, flags);
  }

  protected override sysLookupAndDelete(): Uint8Array | number {
    return this.take(true) ?? ENOENT;
  }

  /** Host conveniences. */
  pushValue(value: Uint8Array, flags = BPF_ANY): void {
    this.update(undefined, value, flags);
  }

  pop(): Uint8Array | undefined {
    return this.lookupAndDelete();
  }

  peek(): Uint8Array | undefined {
    return this.lookup();
  }

  override lookupAddr(): number {
    return 0;
  }

  override updateFromVm(): number {
    return EOPNOTSUPP;
  }

  override pushFromVm(valueAddr: number, flags: number): number {
    this.assertProgWrite("bpf_map_push_elem");
    return this.push(this.readValue(valueAddr), flags);
  }

  override popToVm(valueAddr: number): number {
    this.assertProgWrite("bpf_map_pop_elem");
    const v = this.take(true);
    if (!v) return ENOENT;
    this.space.u8.set(v, valueAddr);
    return 0;
  }

  override peekToVm(valueAddr: number): number {
    const v = this.take(false);
    if (!v) return ENOENT;
    this.space.u8.set(v, valueAddr);
    return 0;
  }
}
