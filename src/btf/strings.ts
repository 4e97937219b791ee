/**
 * A BTF string table. Names are ASCII in practice, so an all-ASCII table is decoded once and sliced;
 * anything else falls back to per-string UTF-8 decoding.
 */
export class StringTable {
  private readonly ascii: string | undefined;
  private readonly cache = new Map<number, string>();
  private readonly decoder = new TextDecoder("utf-8");

  constructor(
    readonly bytes: Uint8Array,
    /** Offsets below this belong to the base BTF's table (split BTF). */
    readonly startOffset = 0,
    readonly base?: StringTable,
  ) {
    // One native decode: the table is ASCII exactly when nothing was merged into a multi-byte
    // character (same length) and nothing was replaced (no U+FFFD); a leading BOM fails the first.
    const text = this.decoder.decode(bytes);
    this.ascii = text.length === bytes.length && text.indexOf("\ufffd") < 0 ? text : undefined;
  }

  /** Total length, including the base's table. */
  get length(): number {
    return this.startOffset + this.bytes.length;
  }

  /** The string at `off`, or undefined when `off` is outside the table. */
  get(off: number): string | undefined {
    if (off < this.startOffset) return this.base?.get(off);
    const rel = off - this.startOffset;
    if (rel >= this.bytes.length) return undefined;
    if (this.ascii !== undefined) {
      const end = this.ascii.indexOf("\0", rel);
      return this.ascii.slice(rel, end < 0 ? undefined : end);
    }
    let s = this.cache.get(rel);
    if (s === undefined) {
      let end = this.bytes.indexOf(0, rel);
      if (end < 0) end = this.bytes.length;
      s = this.decoder.decode(this.bytes.subarray(rel, end));
      this.cache.set(rel, s);
    }
    return s;
  }
}
