import type { StringTable } from "./strings.js";

/** Size of the chunks the dumpers hand to their sink. */
export const CHUNK_BYTES = 1 << 16;

const encoder = new TextEncoder();

/**
 * Output of the dumpers as bytes: text is written straight into a buffer (names copied from the
 * string table as they are, numbers formatted in place). The dumper hands the buffer to `sink`
 * with `flushIfFull` between types, so a chunk never ends inside a multi-byte character and the
 * writes themselves only ever grow the buffer (a branch V8 never has to take for real output,
 * which keeps the optimized code of every writer valid). The sink owns every chunk it is given.
 */
export class ByteWriter {
  buf: Uint8Array;
  pos = 0;
  private readonly digits = new Uint8Array(24);

  constructor(private readonly sink: (chunk: Uint8Array) => void) {
    this.buf = new Uint8Array(CHUNK_BYTES * 4);
  }

  /** Makes room for `n` more bytes. */
  room(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
  }

  /** Hands out what has been written once it makes a chunk. */
  flushIfFull(): void {
    if (this.pos >= CHUNK_BYTES) this.flush();
  }

  /** Hands out what has been written (at the end). */
  flush(): void {
    if (this.pos === 0) return;
    this.sink(this.buf.subarray(0, this.pos));
    this.buf = new Uint8Array(CHUNK_BYTES * 4);
    this.pos = 0;
  }

  /** Forgets what has been written (for a writer used as scratch space). */
  reset(): void {
    this.pos = 0;
  }

  /** One ASCII byte. */
  ch(c: number): void {
    if (this.pos >= this.buf.length) this.grow(1);
    this.buf[this.pos++] = c;
  }

  /** A string, UTF-8 encoded (ASCII takes the fast path). */
  s(str: string): void {
    const n = str.length;
    if (this.pos + n * 3 > this.buf.length) this.grow(n * 3);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = str.charCodeAt(i);
      if (c >= 0x80) {
        p += encoder.encodeInto(str.slice(i), buf.subarray(p)).written;
        break;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  /** Bytes as they are. */
  bytes(b: Uint8Array): void {
    const n = b.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    let p = this.pos;
    if (n < 32) {
      for (let i = 0; i < n; i++) buf[p++] = b[i]!;
    } else {
      buf.set(b, p);
      p += n;
    }
    this.pos = p;
  }

  /** A newline, then `count` tabs. */
  nlTabs(count: number): void {
    if (this.pos + count + 1 > this.buf.length) this.grow(count + 1);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 10;
    for (let i = 0; i < count; i++) buf[p++] = 9;
    this.pos = p;
  }

  /** `count` tabs. */
  tabs(count: number): void {
    if (this.pos + count > this.buf.length) this.grow(count);
    const buf = this.buf;
    for (let i = 0; i < count; i++) buf[this.pos++] = 9;
  }

  /** An integer in decimal (any safe integer). */
  n(v: number): void {
    if (v >= 0 && v < 10) {
      this.ch(48 + v);
      return;
    }
    if (this.pos + 22 > this.buf.length) this.grow(22);
    const buf = this.buf;
    if (v < 0) {
      buf[this.pos++] = 45;
      v = -v;
    }
    const d = this.digits;
    let k = 0;
    while (v >= 10) {
      const q = Math.floor(v / 10);
      d[k++] = 48 + (v - q * 10);
      v = q;
    }
    d[k++] = 48 + v;
    while (k > 0) buf[this.pos++] = d[--k]!;
  }

  /**
   * The name at `off` of a string table, byte for byte as the file holds it (bpftool prints the
   * bytes with %s). The caller has checked that `off` is inside the table.
   */
  name(strings: StringTable, off: number): void {
    let t = strings;
    while (off < t.startOffset && t.base) t = t.base;
    const bytes = t.bytes;
    const start = off - t.startOffset;
    let end = bytes.indexOf(0, start);
    if (end < 0) end = bytes.length;
    const n = end - start;
    if (this.pos + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = start; i < end; i++) buf[p++] = bytes[i]!;
    this.pos = p;
  }

}

/** The byte at `off` of a string table (of its base for low offsets); `off` must be inside it. */
export function byteAt(strings: StringTable, off: number): number {
  let t = strings;
  while (off < t.startOffset && t.base) t = t.base;
  return t.bytes[off - t.startOffset] ?? 0;
}

/** Collects a writer's chunks into one string (UTF-8 decoded). */
export function collectText(run: (sink: (chunk: Uint8Array) => void) => void): string {
  const chunks: Uint8Array[] = [];
  let total = 0;
  run((c) => {
    chunks.push(c);
    total += c.length;
  });
  if (chunks.length === 1) return new TextDecoder().decode(chunks[0]);
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}
