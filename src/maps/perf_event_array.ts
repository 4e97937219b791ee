import { BPF_ANY, E2BIG, EINVAL, ENOENT, ENOTSUPP, EOPNOTSUPP } from "./constants.js";
import { MapBase, readU32, u32Bytes } from "./base.js";
import type { MapEnvironment, MapInfo, MapSpec } from "./types.js";

/** One sample as a perf buffer reader gets it (PERF_RECORD_SAMPLE with PERF_SAMPLE_RAW). */
export interface PerfRecord {
  /** CPU the program ran on. */
  cpu: number;
  /** The raw bytes, zero-padded as the kernel pads them (so 4 + length is a multiple of 8). */
  data: Uint8Array;
}

/** The buffer behind one slot: what a perf_event_open()ed ring on that CPU would collect. */
export class PerfBuffer {
  private readonly queue: PerfRecord[] = [];
  private used = 0;
  /** Samples dropped because the buffer was full (PERF_RECORD_LOST). */
  lost = 0;

  /** `capacity` is the ring's data size in bytes (libbpf's default: 8 pages). */
  constructor(readonly cpu: number, readonly capacity = 8 * 4096) {}

  push(rec: PerfRecord): boolean {
    const need = 8 + 4 + rec.data.length;
    if (this.used + need > this.capacity) {
      this.lost++;
      return false;
    }
    this.used += need;
    this.queue.push(rec);
    return true;
  }

  /** Takes every pending record, oldest first. */
  read(): PerfRecord[] {
    const out = this.queue.splice(0);
    this.used = 0;
    return out;
  }

  get pending(): number {
    return this.queue.length;
  }
}

/**
 * perf_event_array: per-CPU sample buffers. A slot holds a perf event (here a PerfBuffer);
 * bpf_perf_event_output writes into the slot of the running CPU (BPF_F_CURRENT_CPU) or a given
 * index, which must be that CPU's (EOPNOTSUPP otherwise, as in the kernel), ENOENT for an empty
 * slot, E2BIG past the end. `open(cpu)` attaches a buffer as libbpf's perf_buffer__new does.
 */
export class PerfEventArrayMap extends MapBase {
  private readonly buffers: (PerfBuffer | undefined)[];

  constructor(info: MapInfo, env: MapEnvironment, spec?: MapSpec) {
    super(info, env, spec);
    this.buffers = new Array<PerfBuffer | undefined>(info.maxEntries).fill(undefined);
  }

  /** Attaches a buffer for `cpu` at slot `index` (default: the same number). */
  open(cpu: number, index = cpu, capacity?: number): PerfBuffer {
    if (index >= this.info.maxEntries) this.fail(E2BIG, "update");
    const b = new PerfBuffer(cpu, capacity);
    this.buffers[index] = b;
    return b;
  }

  /** Attaches a buffer to every slot below min(max_entries, cpus). */
  openAll(capacity?: number): PerfBuffer[] {
    const n = Math.min(this.info.maxEntries, this.cpus);
    return Array.from({ length: n }, (_, i) => this.open(i, i, capacity));
  }

  buffer(index: number): PerfBuffer | undefined {
    return this.buffers[index];
  }

  /** Every pending record of every buffer, by slot. */
  readAll(): PerfRecord[] {
    return this.buffers.flatMap((b) => b?.read() ?? []);
  }

  /** bpf_perf_event_output's core: 0 or -errno. */
  output(index: number, cpu: number, bytes: Uint8Array): number {
    if (index >= this.info.maxEntries) return E2BIG;
    const b = this.buffers[index];
    if (!b) return ENOENT;
    if (b.cpu !== cpu) return EOPNOTSUPP;
    const padded = new Uint8Array(Math.ceil((bytes.length + 4) / 8) * 8 - 4);
    padded.set(bytes);
    b.push({ cpu, data: padded });
    return 0;
  }

  protected sysLookup(): Uint8Array | number {
    return ENOTSUPP;
  }

  /** The value names a perf event fd; here any value attaches a buffer for the slot's CPU. */
  protected sysUpdate(key: Uint8Array | undefined, _value: Uint8Array, flags: number): number {
    if (flags !== BPF_ANY) return EINVAL;
    const i = readU32(key!);
    if (i >= this.info.maxEntries) return E2BIG;
    this.buffers[i] = new PerfBuffer(i);
    return 0;
  }

  protected override sysDelete(key: Uint8Array | undefined): number {
    const i = readU32(key!);
    if (i >= this.info.maxEntries) return E2BIG;
    if (!this.buffers[i]) return ENOENT;
    this.buffers[i] = undefined;
    return 0;
  }

  protected override sysNextKey(key: Uint8Array | undefined): Uint8Array | number {
    const i = key === undefined ? 0xffffffff : readU32(key);
    if (i >= this.info.maxEntries) return u32Bytes(0);
    if (i === this.info.maxEntries - 1) return ENOENT;
    return u32Bytes(i + 1);
  }
}
