import { EbpfError } from "../errors.js";

/** Region permissions: what a program may do with the bytes. */
export const PERM_READ = 1;
export const PERM_WRITE = 2;
export const PERM_RW = PERM_READ | PERM_WRITE;

export interface Region {
  /** First byte (a VM address = byte offset in the address space). */
  readonly start: number;
  /** Length in bytes. */
  readonly size: number;
  /** PERM_* bits. */
  perm: number;
  /** What the region holds, for error messages ("stack", "packet", "map value of counts" …). */
  readonly name: string;
}

const PAGE = 65536;
/** The first 64 KiB are never mapped, so NULL and small integers never dereference. */
export const NULL_GUARD = PAGE;

export interface AddressSpaceOptions {
  /** Initial size in bytes (rounded up to 64 KiB pages). */
  initialBytes?: number;
  /** Hard cap in bytes (default 1 GiB). */
  maximumBytes?: number;
}

/**
 * The runtime's address space: one growable WebAssembly.Memory shared by the interpreter, the
 * JIT and the host. A VM pointer is a byte offset in it. Programs may only touch bytes inside
 * mapped regions, with the region's permissions; the allocator below hands out those regions.
 */
export class AddressSpace {
  readonly memory: WebAssembly.Memory;
  private buf: ArrayBuffer;
  /** Views over the current buffer; refreshed whenever the memory grows. */
  u8: Uint8Array;
  view: DataView;
  private readonly maxBytes: number;

  /** Mapped regions sorted by start; parallel arrays keep lookups allocation-free. */
  private regions: Region[] = [];
  private starts: number[] = [];
  private ends: number[] = [];
  /** Free blocks (start → size) of the allocator, sorted by start. */
  private free: { start: number; size: number }[] = [];
  private top: number;

  constructor(options: AddressSpaceOptions = {}) {
    const initial = Math.max(2, Math.ceil((options.initialBytes ?? 4 * PAGE) / PAGE));
    this.maxBytes = options.maximumBytes ?? 1 << 30;
    this.memory = new WebAssembly.Memory({ initial, maximum: Math.ceil(this.maxBytes / PAGE) });
    this.buf = this.memory.buffer;
    this.u8 = new Uint8Array(this.buf);
    this.view = new DataView(this.buf);
    this.top = NULL_GUARD;
  }

  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Re-reads the buffer after a grow (ours or one done by a JIT module sharing the memory). */
  refresh(): void {
    if (this.memory.buffer !== this.buf) {
      this.buf = this.memory.buffer;
      this.u8 = new Uint8Array(this.buf);
      this.view = new DataView(this.buf);
    }
  }

  /**
   * Allocates and maps a zeroed region. Alignment defaults to 8 (the kernel aligns map values
   * and stacks to 8 bytes).
   */
  map(size: number, name: string, perm = PERM_RW, align = 8): Region {
    if (!Number.isInteger(size) || size < 0) throw new EbpfError("EINVAL", `cannot map ${size} bytes for ${name}`);
    const need = Math.max(size, 1);
    let start = -1;
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i]!;
      const s = alignUp(f.start, align);
      if (s + need <= f.start + f.size) {
        start = s;
        this.takeFree(i, s, need);
        break;
      }
    }
    if (start < 0) {
      start = alignUp(this.top, align);
      if (start > this.top) this.free.push({ start: this.top, size: start - this.top });
      this.top = start + need;
      this.ensure(this.top);
    }
    this.u8.fill(0, start, start + need);
    const region: Region = { start, size, perm, name };
    this.insertRegion(region);
    return region;
  }

  /** Maps a region holding a copy of `bytes`. */
  mapBytes(bytes: Uint8Array, name: string, perm = PERM_RW, align = 8): Region {
    const r = this.map(bytes.length, name, perm, align);
    this.u8.set(bytes, r.start);
    return r;
  }

  /** Unmaps a region and returns its bytes to the allocator. */
  unmap(region: Region): void {
    const i = this.indexOf(region.start);
    if (i < 0 || this.regions[i] !== region) return;
    this.regions.splice(i, 1);
    this.starts.splice(i, 1);
    this.ends.splice(i, 1);
    this.releaseFree(region.start, Math.max(region.size, 1));
  }

  /** The region that contains [addr, addr+len), or undefined. */
  find(addr: number, len: number): Region | undefined {
    const i = this.indexOf(addr);
    if (i < 0) return undefined;
    return addr + len <= this.ends[i]! ? this.regions[i] : undefined;
  }

  /** True when [addr, addr+len) lies in one region that allows `perm`. */
  allows(addr: number, len: number, perm: number): boolean {
    const i = this.indexOf(addr);
    return i >= 0 && addr + len <= this.ends[i]! && (this.regions[i]!.perm & perm) === perm;
  }

  /** Index of the region whose start is the greatest <= addr and which contains addr, or -1. */
  private indexOf(addr: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]! <= addr) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && addr < this.ends[hi]! ? hi : -1;
  }

  /** Host access, checked against the mapping (not the permissions: the host may write .rodata). */
  read(addr: number, len: number): Uint8Array {
    this.assertMapped(addr, len);
    return this.u8.slice(addr, addr + len);
  }

  write(addr: number, bytes: Uint8Array): void {
    this.assertMapped(addr, bytes.length);
    this.u8.set(bytes, addr);
  }

  private assertMapped(addr: number, len: number): void {
    if (len === 0) return;
    if (!this.find(addr, len)) {
      throw new EbpfError("EFAULT", `host access to unmapped memory at 0x${addr.toString(16)} (${len} bytes)`);
    }
  }

  /** Every mapped region, in address order (for debugging and tests). */
  listRegions(): readonly Region[] {
    return this.regions;
  }

  private insertRegion(r: Region): void {
    let i = this.starts.length;
    while (i > 0 && this.starts[i - 1]! > r.start) i--;
    this.regions.splice(i, 0, r);
    this.starts.splice(i, 0, r.start);
    this.ends.splice(i, 0, r.start + r.size);
  }

  private ensure(end: number): void {
    if (end > this.maxBytes) throw new EbpfError("ENOMEM", `address space exhausted (limit ${this.maxBytes} bytes)`);
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      // Grow geometrically so repeated small maps do not grow page by page.
      const curPages = have / PAGE;
      const maxPages = Math.ceil(this.maxBytes / PAGE);
      this.memory.grow(Math.min(Math.max(pages, curPages >> 1), maxPages - curPages));
      this.refresh();
    }
  }

  private takeFree(i: number, start: number, size: number): void {
    const f = this.free[i]!;
    const pieces: { start: number; size: number }[] = [];
    if (start > f.start) pieces.push({ start: f.start, size: start - f.start });
    const end = f.start + f.size;
    if (start + size < end) pieces.push({ start: start + size, size: end - start - size });
    this.free.splice(i, 1, ...pieces);
  }

  private releaseFree(start: number, size: number): void {
    let i = 0;
    while (i < this.free.length && this.free[i]!.start < start) i++;
    this.free.splice(i, 0, { start, size });
    // Coalesce with neighbours.
    if (i + 1 < this.free.length && this.free[i]!.start + this.free[i]!.size === this.free[i + 1]!.start) {
      this.free[i]!.size += this.free[i + 1]!.size;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1]!.start + this.free[i - 1]!.size === this.free[i]!.start) {
      this.free[i - 1]!.size += this.free[i]!.size;
      this.free.splice(i, 1);
    }
    // Give the tail back to the bump pointer.
    const last = this.free[this.free.length - 1];
    if (last && last.start + last.size === this.top) {
      this.top = last.start;
      this.free.pop();
    }
  }
}

function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}
