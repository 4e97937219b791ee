import type { Region } from "../vm/memory.js";
import {
  BPF_RB_AVAIL_DATA,
  BPF_RB_CONS_POS,
  BPF_RB_FORCE_WAKEUP,
  BPF_RB_NO_WAKEUP,
  BPF_RB_PROD_POS,
  BPF_RB_RING_SIZE,
  BPF_RINGBUF_BUSY_BIT,
  BPF_RINGBUF_DISCARD_BIT,
  BPF_RINGBUF_HDR_SZ,
  EAGAIN,
  EINVAL,
  ENOENT,
  ENOTSUPP,
} from "./constants.js";
import { MapBase } from "./base.js";
import type { MapEnvironment, MapInfo, MapSpec } from "./types.js";

/** One record as the consumer sees it. */
export interface RingbufRecord {
  /** The sample's bytes (a copy). */
  data: Uint8Array;
  /** Position of the record's header in the ring (the kernel's producer position, not masked). */
  pos: number;
}

const RINGBUF_MAX_RECORD_SZ = Math.floor(0xffffffff / 4);

/**
 * ringbuf: the kernel's BPF ring buffer. Records live in the ring's data area in VM memory, each
 * behind the kernel's 8-byte header {u32 len (BUSY bit 31, DISCARD bit 30); u32 pg_off}, rounded
 * up to 8 bytes. The kernel maps the data pages twice so a record that wraps stays contiguous; the
 * data area here is twice the ring size for the same reason (a record starting near the end runs
 * on into the second copy, and the consumer reads it from there).
 *
 * The consumer API (`consume`, `records`) returns committed records in order, skips discarded
 * ones, and stops at the first record still being written (BUSY), as libbpf's ring_buffer__poll
 * does. `wakeups` counts the notifications the kernel would send (BPF_RB_NO_WAKEUP /
 * BPF_RB_FORCE_WAKEUP honoured); `onWakeup` is called for each.
 */
export class RingbufMap extends MapBase {
  readonly data: Region;
  readonly mask: number;
  private consumerPos = 0;
  private producerPos = 0;
  /** Notifications sent (what epoll would see). */
  wakeups = 0;
  onWakeup: (() => void) | undefined;

  constructor(info: MapInfo, env: MapEnvironment, spec?: MapSpec) {
    super(info, env, spec);
    this.mask = info.maxEntries - 1;
    this.data = this.mapRegion(info.maxEntries * 2, "ring data");
  }

  get consumerPosition(): number {
    return this.consumerPos;
  }

  get producerPosition(): number {
    return this.producerPos;
  }

  /** Oldest record not yet committed (the kernel's pending_pos). */
  private pendingPos = 0;
  /** Busy records: header address → ring position. */
  private readonly busy = new Map<number, number>();

  /** __bpf_ringbuf_reserve: the sample's VM address, or 0 when it does not fit. */
  reserve(size: number, flags: number | bigint = 0): number {
    if (flags !== 0 && flags !== 0n) return 0;
    if (size > RINGBUF_MAX_RECORD_SZ) return 0;
    const len = Math.ceil((size + BPF_RINGBUF_HDR_SZ) / 8) * 8;
    if (len > this.mask + 1) return 0;
    const view = this.space.view;
    const prod = this.producerPos;
    let pend = this.pendingPos;
    while (pend < prod) {
      const w = view.getUint32(this.data.start + (pend & this.mask), true);
      if (w & BPF_RINGBUF_BUSY_BIT) break;
      pend += Math.ceil(((w & ~BPF_RINGBUF_DISCARD_BIT) + BPF_RINGBUF_HDR_SZ) / 8) * 8;
    }
    this.pendingPos = pend;
    // The producer may run at most size − 1 bytes ahead of the consumer and of the oldest busy record.
    if (prod + len - this.consumerPos > this.mask || prod + len - pend > this.mask) return 0;
    const hdr = this.data.start + (prod & this.mask);
    view.setUint32(hdr, (size | BPF_RINGBUF_BUSY_BIT) >>> 0, true);
    // pg_off: pages from the start of the kernel's struct bpf_ringbuf (two position pages precede data).
    view.setUint32(hdr + 4, Math.floor((hdr - this.data.start) / 4096) + 2, true);
    this.producerPos = prod + len;
    this.busy.set(hdr, prod);
    return hdr + BPF_RINGBUF_HDR_SZ;
  }

  /** bpf_ringbuf_submit / bpf_ringbuf_discard. Returns false for a pointer that is no busy record. */
  commit(sample: number, flags: number | bigint, discard: boolean): boolean {
    const hdr = sample - BPF_RINGBUF_HDR_SZ;
    const recPos = this.busy.get(hdr);
    if (recPos === undefined) return false;
    this.busy.delete(hdr);
    const view = this.space.view;
    const len = view.getUint32(hdr, true) & ~BPF_RINGBUF_BUSY_BIT;
    view.setUint32(hdr, (len | (discard ? BPF_RINGBUF_DISCARD_BIT : 0)) >>> 0, true);
    const f = Number(BigInt.asUintN(64, BigInt(flags)) & 3n);
    if (f & BPF_RB_FORCE_WAKEUP) this.wakeup();
    else if (this.consumerPos === recPos && !(f & BPF_RB_NO_WAKEUP)) this.wakeup();
    return true;
  }

  /** True when `sample` is a reserved, not yet committed record of this ring. */
  isReserved(sample: number): boolean {
    return this.busy.has(sample - BPF_RINGBUF_HDR_SZ);
  }

  private wakeup(): void {
    this.wakeups++;
    this.onWakeup?.();
  }

  /** bpf_ringbuf_output: reserve, copy, commit. 0, -EINVAL for bad flags, -EAGAIN when full. */
  output(bytes: Uint8Array, flags: number | bigint): number {
    const f = BigInt.asUintN(64, BigInt(flags));
    if (f & ~3n) return EINVAL;
    const p = this.reserve(bytes.length, 0);
    if (!p) return EAGAIN;
    this.space.u8.set(bytes, p);
    this.commit(p, f, false);
    return 0;
  }

  /** bpf_ringbuf_query. */
  query(flags: number | bigint): bigint {
    switch (Number(BigInt(flags))) {
      case BPF_RB_AVAIL_DATA: return BigInt(this.producerPos - this.consumerPos);
      case BPF_RB_RING_SIZE: return BigInt(this.mask + 1);
      case BPF_RB_CONS_POS: return BigInt(this.consumerPos);
      case BPF_RB_PROD_POS: return BigInt(this.producerPos);
      default: return 0n;
    }
  }

  /**
   * Consumes committed records in order (discarded ones are skipped), stopping at a busy one
   * or after `max`. `fn`, when given, sees each record as it goes (a copy of its bytes).
   */
  consume(fn?: (record: RingbufRecord) => void, max = Infinity): RingbufRecord[] {
    const out: RingbufRecord[] = [];
    const view = this.space.view;
    while (this.consumerPos < this.producerPos && out.length < max) {
      const hdr = this.data.start + (this.consumerPos & this.mask);
      const word = view.getUint32(hdr, true);
      if (word & BPF_RINGBUF_BUSY_BIT) break;
      const size = word & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
      const pos = this.consumerPos;
      this.consumerPos += Math.ceil((size + BPF_RINGBUF_HDR_SZ) / 8) * 8;
      if (word & BPF_RINGBUF_DISCARD_BIT) continue;
      const rec = { data: this.space.u8.slice(hdr + 8, hdr + 8 + size), pos };
      out.push(rec);
      fn?.(rec);
    }
    return out;
  }

  /** Just the bytes of each committed record. */
  records(): Uint8Array[] {
    return this.consume().map((r) => r.data);
  }

  protected sysLookup(): Uint8Array | number {
    return ENOTSUPP;
  }
  protected sysUpdate(): number {
    return ENOTSUPP;
  }
  protected override sysDelete(): number {
    return ENOTSUPP;
  }
  protected override sysNextKey(): Uint8Array | number {
    return ENOTSUPP;
  }
  override lookupAddr(): number {
    return 0;
  }
  override updateFromVm(): number {
    return ENOTSUPP;
  }
  override deleteFromVm(): number {
    return ENOENT;
  }
}
