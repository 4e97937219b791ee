/**
 * The pinning store: what plays bpffs for the userspace runtime. A store maps pin paths to bytes;
 * pinned maps are saved there (spec + contents) and found again by a later Runtime — in this
 * process or another one. Browser-safe: the directory-backed store is in `node.ts`.
 */
import { EbpfError } from "../errors.js";

/**
 * Where pins live. `write` must be atomic: after a crash (or an exception) in the middle of a
 * write, `read` returns either the old bytes or the new ones, never a mix.
 */
export interface PinStore {
  /** The bytes pinned at `path`, or undefined when nothing is pinned there. */
  read(path: string): Uint8Array | undefined;
  write(path: string, bytes: Uint8Array): void;
  /** Removes the pin; false when there was none. */
  remove(path: string): boolean;
  /** Every pinned path. */
  list(): string[];
  /** Where the store lives, for messages. */
  readonly description: string;
}

/** A pin that exists but does not fit what is being loaded (libbpf: "couldn't reuse pinned map"). */
export class PinMismatchError extends EbpfError {
  constructor(
    readonly path: string,
    readonly differences: string[],
  ) {
    super("EINVAL", `pinned map at ${path} does not match the object's map: ${differences.join(", ")} (the pin was left untouched)`);
  }
}

/** A pin path made canonical: relative, '/'-separated, no '.', '..' or empty segments. */
export function normalizePinPath(path: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.length === 0) throw new EbpfError("EINVAL", `pin path ${JSON.stringify(path)} names no file`);
  for (const p of parts) {
    if (p === "..") throw new EbpfError("EINVAL", `pin path ${JSON.stringify(path)} leaves the pin store ('..')`);
    if (p.includes("\0")) throw new EbpfError("EINVAL", `pin path ${JSON.stringify(path)} contains a NUL byte`);
    if (p.includes(TEMP_MARK)) throw new EbpfError("EINVAL", `pin path ${JSON.stringify(path)} contains the store's temporary-file marker`);
  }
  return parts.join("/");
}

/** Marks the store's temporary files (never a valid pin name). */
export const TEMP_MARK = ".ebpf-tmp-";

/** A store in memory: for browsers and tests; lives as long as the object. */
export class MemoryPinStore implements PinStore {
  private readonly pins = new Map<string, Uint8Array>();
  readonly description = "in-memory pin store";

  read(path: string): Uint8Array | undefined {
    const b = this.pins.get(normalizePinPath(path));
    return b?.slice();
  }
  write(path: string, bytes: Uint8Array): void {
    this.pins.set(normalizePinPath(path), bytes.slice());
  }
  remove(path: string): boolean {
    return this.pins.delete(normalizePinPath(path));
  }
  list(): string[] {
    return [...this.pins.keys()].sort();
  }
}

// ---- the pinned-map file format ----------------------------------------------------------------

export const PIN_FORMAT = "ebpf-ts pinned map";
export const PIN_VERSION = 1;

/** What a pin file holds: the map's shape and its elements (per-CPU values: all CPUs, 8-aligned each). */
export interface PinnedMap {
  type: number;
  typeName: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  mapExtra: string;
  name: string;
  /** CPUs the per-CPU values were saved for. */
  cpus: number;
  frozen: boolean;
  /** [key hex, value hex]; queues and stacks: ["", value hex] oldest first. */
  entries: [string, string][];
}

export function toHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? "0" : "") + b[i]!.toString(16);
  return s;
}

export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new EbpfError("EINVAL", `not a hex string: ${s.slice(0, 40)}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function encodePinnedMap(p: PinnedMap): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify({ format: PIN_FORMAT, version: PIN_VERSION, ...p })}\n`);
}

/** Parses a pin file; a file that is not one (or is damaged) is an EINVAL naming the path. */
export function decodePinnedMap(bytes: Uint8Array, path: string): PinnedMap {
  const bad = (why: string): never => {
    throw new EbpfError("EINVAL", `${path} is not a pinned map of this runtime: ${why}`);
  };
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as Record<string, unknown>;
  } catch {
    return bad("not readable as JSON");
  }
  if (typeof o !== "object" || o === null || o.format !== PIN_FORMAT) return bad("wrong format marker");
  if (o.version !== PIN_VERSION) return bad(`unsupported version ${String(o.version)}`);
  for (const f of ["type", "keySize", "valueSize", "maxEntries", "flags", "cpus"]) {
    if (typeof o[f] !== "number" || !Number.isInteger(o[f]) || (o[f] as number) < 0) bad(`field ${f} is not a non-negative integer`);
  }
  if (!Array.isArray(o.entries) || !o.entries.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === "string" && typeof e[1] === "string")) {
    bad("entries are not [key, value] hex pairs");
  }
  return {
    type: o.type as number,
    typeName: String(o.typeName ?? ""),
    keySize: o.keySize as number,
    valueSize: o.valueSize as number,
    maxEntries: o.maxEntries as number,
    flags: o.flags as number,
    mapExtra: String(o.mapExtra ?? "0"),
    name: String(o.name ?? ""),
    cpus: o.cpus as number,
    frozen: o.frozen === true,
    entries: o.entries as [string, string][],
  };
}
