/**
 * Differential-test operations: the same list of map operations runs against the kernel (through
 * src/kernel's KernelMap, in a child process pinned to CPU 0) and against src/maps, and the
 * results — values, errno names, iteration order, batch cursors — must be equal.
 */

export type Op =
  | { op: "update"; key?: string; value: string; flags?: number }
  | { op: "lookup"; key?: string; flags?: number }
  | { op: "delete"; key: string }
  | { op: "next"; key?: string }
  | { op: "lookupAndDelete"; key?: string; flags?: number }
  | { op: "dump" }
  | { op: "keys" }
  | { op: "lookupBatch"; count: number; cursor?: string | "prev"; del?: boolean }
  | { op: "updateBatch"; keys: string[]; values: string[]; flags?: number }
  | { op: "deleteBatch"; keys: string[] }
  | { op: "freeze" };

export interface Scenario {
  name: string;
  spec: { type: string; keySize: number; valueSize: number; maxEntries: number; flags?: number; name?: string; mapExtra?: number };
  ops: Op[];
}

export type Result = { ok: unknown } | { err: string };

/** The operations both sides offer (KernelMap's and BpfMap's shapes differ only in push). */
export interface Target {
  lookup(key: Uint8Array | undefined, flags?: number): Uint8Array | undefined;
  update(key: Uint8Array | undefined, value: Uint8Array, flags?: number): void;
  delete(key: Uint8Array): boolean;
  nextKey(key?: Uint8Array): Uint8Array | undefined;
  lookupAndDelete(key?: Uint8Array, flags?: number): Uint8Array | undefined;
  lookupBatch(count: number, from?: Uint8Array, elemFlags?: number): { keys: Uint8Array[]; values: Uint8Array[]; next: Uint8Array | undefined };
  lookupAndDeleteBatch(count: number, from?: Uint8Array, elemFlags?: number): { keys: Uint8Array[]; values: Uint8Array[]; next: Uint8Array | undefined };
  updateBatch(keys: readonly Uint8Array[], values: readonly Uint8Array[], elemFlags?: number): number;
  deleteBatch(keys: readonly Uint8Array[], elemFlags?: number): number;
  freeze(): void;
}

export const hex = (b: Uint8Array | undefined): string | null => (b === undefined ? null : Buffer.from(b).toString("hex"));
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

function attempt(fn: () => unknown): Result {
  try {
    return { ok: fn() };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (typeof code !== "string") throw e;
    return { err: code };
  }
}

/**
 * Runs `ops` on `t`. Hash batch cursors are u32 bucket indexes (the kernel writes 4 bytes of a
 * larger token), so cursors compare on their first `cursorBytes` bytes.
 */
export function applyOps(t: Target, ops: readonly Op[], cursorBytes: number, push?: (v: Uint8Array, f: number) => void): Result[] {
  let prev: Uint8Array | undefined;
  const out: Result[] = [];
  for (const o of ops) {
    switch (o.op) {
      case "update":
        out.push(attempt(() => (o.key === undefined && push ? push(unhex(o.value), o.flags ?? 0) : t.update(o.key === undefined ? undefined : unhex(o.key), unhex(o.value), o.flags ?? 0))));
        break;
      case "lookup":
        out.push(attempt(() => hex(t.lookup(o.key === undefined ? undefined : unhex(o.key), o.flags ?? 0))));
        break;
      case "delete":
        out.push(attempt(() => t.delete(unhex(o.key))));
        break;
      case "next":
        out.push(attempt(() => hex(t.nextKey(o.key === undefined ? undefined : unhex(o.key)))));
        break;
      case "lookupAndDelete":
        out.push(attempt(() => hex(t.lookupAndDelete(o.key === undefined ? undefined : unhex(o.key), o.flags ?? 0))));
        break;
      case "keys":
      case "dump":
        out.push(
          attempt(() => {
            const rows: (string | null)[] = [];
            for (let k = t.nextKey(); k !== undefined; k = t.nextKey(k)) {
              rows.push(o.op === "dump" ? `${hex(k)}=${hex(t.lookup(k))}` : hex(k));
              if (rows.length > 100000) throw new Error("runaway iteration");
            }
            return rows;
          }),
        );
        break;
      case "lookupBatch":
        out.push(
          attempt(() => {
            const from = o.cursor === "prev" ? prev : o.cursor === undefined ? undefined : unhex(o.cursor);
            const r = o.del ? t.lookupAndDeleteBatch(o.count, from) : t.lookupBatch(o.count, from);
            prev = r.next;
            return { keys: r.keys.map(hex), values: r.values.map(hex), next: r.next ? hex(r.next.subarray(0, cursorBytes)) : null };
          }),
        );
        break;
      case "updateBatch":
        out.push(attempt(() => t.updateBatch(o.keys.map(unhex), o.values.map(unhex), o.flags ?? 0)));
        break;
      case "deleteBatch":
        out.push(attempt(() => t.deleteBatch(o.keys.map(unhex))));
        break;
      case "freeze":
        out.push(attempt(() => t.freeze()));
        break;
    }
  }
  return out;
}

/** Bytes of the batch cursor that carry meaning: a bucket index for hash maps, the key otherwise. */
export function cursorBytesFor(type: string, keySize: number): number {
  return /hash/.test(type) ? 4 : keySize;
}
