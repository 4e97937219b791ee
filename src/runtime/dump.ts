/**
 * Map contents as `ebpf run --json` prints them — one shape for the userspace runtime and the
 * kernel, so the two can be compared byte for byte. Browser-safe.
 */
import { toHex } from "./pin-store.js";

/** One element: `value` for ordinary maps, `values` (one per CPU, value_size bytes each) for per-CPU maps. */
export interface DumpEntry {
  key: string;
  value?: string;
  values?: string[];
}

/** What a dump needs of a map: the runtime's BpfMap and the kernel's KernelMap both fit. */
export interface DumpSource {
  type: number;
  keySize: number;
  valueSize: number;
  /** CPUs behind a per-CPU value (the value is that many round_up(value_size, 8) slots). */
  cpus: number;
  entries(): Iterable<[Uint8Array, Uint8Array]>;
}

/** enum bpf_map_type values with one value per CPU. */
export const PERCPU_MAP_TYPES: ReadonlySet<number> = new Set([5, 6, 10, 21]);

/**
 * Types whose elements get_next_key + lookup cannot list (perf_event_array, stack_trace, queue,
 * stack, ringbuf, bloom_filter, user_ringbuf, arena): dumped as an empty list.
 */
export const UNDUMPABLE_MAP_TYPES: ReadonlySet<number> = new Set([4, 7, 22, 23, 27, 30, 31, 33]);

/**
 * Hashed types: the kernel walks them in bucket order, which depends on a per-map random seed, so
 * their elements are sorted by key (as hex) to make dumps comparable. Arrays keep index order.
 */
export const HASHED_MAP_TYPES: ReadonlySet<number> = new Set([1, 5, 9, 10, 11, 13, 18, 25]);

export function dumpEntries(m: DumpSource): DumpEntry[] {
  if (UNDUMPABLE_MAP_TYPES.has(m.type)) return [];
  const out: DumpEntry[] = [];
  const percpu = PERCPU_MAP_TYPES.has(m.type);
  const slot = Math.ceil(m.valueSize / 8) * 8;
  for (const [k, v] of m.entries()) {
    if (percpu) {
      const values: string[] = [];
      for (let c = 0; c < m.cpus; c++) values.push(toHex(v.subarray(c * slot, c * slot + m.valueSize)));
      out.push({ key: toHex(k), values });
    } else {
      out.push({ key: toHex(k), value: toHex(v.subarray(0, m.valueSize)) });
    }
  }
  if (HASHED_MAP_TYPES.has(m.type)) out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return out;
}

/** bpftool's hex_print: offset, 16 bytes as 2-byte groups, then the printable characters. */
export function hexDump(data: Uint8Array): string {
  let out = "";
  for (let i = 0; i < data.length; i += 16) {
    let line = `${i.toString(16).padStart(7, "0")}\t`;
    let j = i;
    for (; j < i + 16 && j < data.length; j++) line += data[j]!.toString(16).padStart(2, "0") + (j % 2 ? " " : "");
    for (; j < i + 16; j++) line += `  ${j % 2 ? " " : ""}`;
    line += "| ";
    for (j = i; j < i + 16 && j < data.length; j++) {
      const c = data[j]!;
      line += (c < 0x20 || c > 0x7e ? "." : String.fromCharCode(c)) + (j === i + 7 ? " " : "");
    }
    out += `${line}\n`;
  }
  return out;
}
