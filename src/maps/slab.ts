import type { Region } from "../vm/memory.js";
import type { MapBase } from "./base.js";

/**
 * Fixed-size value slots in the address space, carved from regions of about 64 KiB so a big
 * hash map does not reserve all its memory up front. Freed slots are reused last-in first-out.
 */
export class Slab {
  private readonly free: number[] = [];
  private next = 0;
  private end = 0;
  private readonly perRegion: number;

  constructor(
    private readonly owner: { mapSlabRegion(size: number): Region },
    readonly slotSize: number,
    private remaining: number,
  ) {
    this.perRegion = Math.max(1, Math.floor(65536 / Math.max(slotSize, 1)));
  }

  alloc(): number {
    const f = this.free.pop();
    if (f !== undefined) return f;
    if (this.next >= this.end) {
      const n = Math.max(1, Math.min(this.perRegion, this.remaining));
      const r = this.owner.mapSlabRegion(n * this.slotSize);
      this.remaining = Math.max(0, this.remaining - n);
      this.next = r.start;
      this.end = r.start + n * this.slotSize;
    }
    const a = this.next;
    this.next += this.slotSize;
    return a;
  }

  release(addr: number): void {
    this.free.push(addr);
  }
}

export type { MapBase };
