/**
 * bpf_trace_printk and bpf_snprintf with the kernel's format rules (bpf_bprintf_prepare in
 * kernel/bpf/helpers.c): printable ASCII only; conversions %d %i %u %x %X with optional l/ll,
 * %c, %s, %p, %pK %px %ps %pS, %pks %pus, %pI4 %pi4 %pI6 %pi6; flags [0 +-space] and a width,
 * no precision; at most 3 arguments for trace_printk, data_len a multiple of 8 (at most 12
 * arguments) for snprintf; -EINVAL for anything else. trace_printk lines go to a TraceSink the
 * host reads, formatted like /sys/kernel/tracing/trace_pipe.
 *
 * Pointers are VM addresses: %p, %pK and %px print them as plain hex (the kernel hashes %p);
 * %ps/%pS print them as hex too (no kernel symbols here).
 */
import { PERM_READ, PERM_WRITE } from "../vm/memory.js";
import { runContext } from "./context.js";
import type { HelperCall, HelperDef } from "./registry.js";
import { DEFAULT_TASK, type FakeTask, type TaskRunContext } from "./task.js";

const EINVAL = -22;
/** MAX_BPRINTF_BUF: the formatted output is at most this long. */
export const MAX_BPRINTF_BUF = 1024;
export const MAX_TRACE_PRINTK_VARARGS = 3;
export const MAX_BPRINTF_VARARGS = 12;

export interface TraceLine {
  /** The formatted message as the program produced it. */
  message: string;
  /** The line as trace_pipe shows it. */
  line: string;
  cpu: number;
  pid: number;
  comm: string;
  timestampNs: bigint;
}

/** Collects trace_printk output; the host reads `lines` or subscribes. */
export class TraceSink {
  readonly lines: TraceLine[] = [];
  private listeners: ((l: TraceLine) => void)[] = [];
  constructor(private readonly limit = 100_000) {}
  push(l: TraceLine): void {
    this.lines.push(l);
    if (this.lines.length > this.limit) this.lines.splice(0, this.lines.length - this.limit);
    for (const f of this.listeners) f(l);
  }
  onLine(f: (l: TraceLine) => void): () => void {
    this.listeners.push(f);
    return () => {
      this.listeners = this.listeners.filter((x) => x !== f);
    };
  }
  /** All lines as trace_pipe text. */
  text(): string {
    return this.lines.map((l) => `${l.line}\n`).join("");
  }
  clear(): void {
    this.lines.length = 0;
  }
}

const isPrint = (c: number): boolean => c >= 0x20 && c < 0x7f;
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const isPunct = (c: number): boolean => isPrint(c) && !isSpace(c) && !(c >= 48 && c <= 57) && !((c | 32) >= 97 && (c | 32) <= 122);

type Reader = (addr: bigint, len: number) => Uint8Array | undefined;

/**
 * Formats `fmt` with 64-bit `args` as bpf_bprintf_prepare + bstr_printf do. Returns the output
 * or a negative errno.
 */
export function bpfFormat(fmt: Uint8Array, args: readonly bigint[], read: Reader): string | number {
  let out = "";
  let spec = 0;
  const n = fmt.length;
  const at = (i: number): number => (i < n ? fmt[i]! : 0);
  for (let i = 0; i < n; i++) {
    const c = fmt[i]!;
    if ((!isPrint(c) && !isSpace(c)) || c > 0x7f) return EINVAL;
    if (c !== 0x25) {
      out += String.fromCharCode(c);
      continue;
    }
    if (at(i + 1) === 0x25) {
      out += "%";
      i++;
      continue;
    }
    if (spec >= args.length) return EINVAL;
    i++;
    let flags = "";
    while (at(i) === 0x30 || at(i) === 0x2b || at(i) === 0x2d || at(i) === 0x20) flags += String.fromCharCode(fmt[i++]!);
    let width = 0;
    if (at(i) >= 0x31 && at(i) <= 0x39) {
      while (at(i) >= 0x30 && at(i) <= 0x39) width = width * 10 + (fmt[i++]! - 0x30);
    }
    const arg = args[spec]!;
    let text: string;
    const conv = at(i);
    if (conv === 0x70) {
      // %p family
      const next = at(i + 1);
      if (next === 0 || isSpace(next) || isPunct(next)) {
        text = `0x${arg.toString(16)}`;
      } else if ((next === 0x6b || next === 0x75) && at(i + 2) === 0x73) {
        i += 2;
        const s = readString(arg, read);
        text = s;
        if (at(i + 1) !== 0 && !isSpace(at(i + 1)) && !isPunct(at(i + 1))) return EINVAL;
      } else if (next === 0x4b || next === 0x78 || next === 0x73 || next === 0x53 || next === 0x42) {
        i++;
        text = next === 0x78 || next === 0x4b ? arg.toString(16).padStart(16, "0") : `0x${arg.toString(16)}`;
      } else if ((next === 0x69 || next === 0x49) && (at(i + 2) === 0x34 || at(i + 2) === 0x36)) {
        const v6 = at(i + 2) === 0x36;
        i += 2;
        const bytes = read(arg, v6 ? 16 : 4) ?? new Uint8Array(v6 ? 16 : 4);
        text = formatIp(bytes, v6, next === 0x69);
      } else {
        return EINVAL;
      }
    } else if (conv === 0x73) {
      const nx = at(i + 1);
      if (nx !== 0 && !isSpace(nx) && !isPunct(nx)) return EINVAL;
      text = readString(arg, read);
    } else if (conv === 0x63) {
      text = String.fromCharCode(Number(arg & 0xffn));
    } else {
      let size = 4;
      if (at(i) === 0x6c) {
        size = 8;
        i++;
      }
      if (at(i) === 0x6c) i++;
      const k = at(i);
      if (k !== 0x69 && k !== 0x64 && k !== 0x75 && k !== 0x78 && k !== 0x58) return EINVAL;
      const v = size === 4 ? arg & 0xffffffffn : arg;
      if (k === 0x64 || k === 0x69) {
        const s = size === 4 ? BigInt.asIntN(32, v) : BigInt.asIntN(64, v);
        text = s.toString();
        if (s >= 0n && flags.includes("+")) text = `+${text}`;
        else if (s >= 0n && flags.includes(" ")) text = ` ${text}`;
      } else if (k === 0x75) text = v.toString();
      else text = k === 0x58 ? v.toString(16).toUpperCase() : v.toString(16);
    }
    if (text.length < width) {
      if (flags.includes("-")) text = text.padEnd(width);
      else if (flags.includes("0") && conv !== 0x73 && conv !== 0x63) {
        const sign = /^[+\- ]/.test(text) ? text[0]! : "";
        text = sign + text.slice(sign.length).padStart(width - sign.length, "0");
      } else text = text.padStart(width);
    }
    out += text;
    spec++;
  }
  return out;
}

function readString(addr: bigint, read: Reader): string {
  let s = "";
  for (let i = 0; i < MAX_BPRINTF_BUF; i++) {
    const b = read(addr + BigInt(i), 1);
    if (!b) return i === 0 ? "(efault)" : s;
    if (b[0] === 0) break;
    s += String.fromCharCode(b[0]!);
  }
  return s;
}

function formatIp(b: Uint8Array, v6: boolean, lower: boolean): string {
  if (!v6) return [...b].map((x) => (lower ? x.toString().padStart(3, "0") : x.toString())).join(".");
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0"));
  if (lower) return hex.join("");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(hex[i]! + hex[i + 1]!);
  return groups.join(":");
}

function vmReader(call: HelperCall): Reader {
  return (addr, len) => {
    if (addr > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    const a = Number(addr);
    return call.space.allows(a, len, PERM_READ) ? call.space.u8.slice(a, a + len) : undefined;
  };
}

/** The NUL-terminated format within [addr, addr+max), or undefined when there is no NUL. */
function formatBytes(call: HelperCall, addr: number, max: number): Uint8Array | undefined {
  const u8 = call.space.u8;
  for (let i = 0; i < max; i++) {
    if (!call.space.allows(addr + i, 1, PERM_READ)) return undefined;
    if (u8[addr + i] === 0) return u8.slice(addr, addr + i);
  }
  return undefined;
}

export interface TraceOptions {
  sink?: TraceSink;
  task?: FakeTask;
  /** Timestamp source for trace lines (ns). */
  now?: () => bigint;
}

function traceLine(call: HelperCall, message: string, o: TraceOptions): TraceLine {
  const rc = runContext<{ cpu: number } & TaskRunContext>(call);
  const task = rc.task ?? o.task ?? DEFAULT_TASK;
  const ts = o.now ? o.now() : BigInt(Math.round(performance.now() * 1e6));
  const body = message.endsWith("\n") ? message.slice(0, -1) : message;
  const secs = `${ts / 1_000_000_000n}.${((ts % 1_000_000_000n) / 1000n).toString().padStart(6, "0")}`;
  const head = `${task.comm}-${task.pid}`.padStart(22);
  const line = `${head} [${String(rc.cpu).padStart(3, "0")}] ..... ${secs.padStart(12)}: bpf_trace_printk: ${body}`;
  return { message, line, cpu: rc.cpu, pid: task.pid, comm: task.comm, timestampNs: ts };
}

export function traceHelpers(o: TraceOptions = {}): HelperDef[] {
  const sink = o.sink ?? new TraceSink();
  return [
    {
      id: 6,
      name: "trace_printk",
      fn: (call) => {
        const fmtAddr = call.argNum(1);
        const size = call.argU32(2);
        call.checkMem(fmtAddr, size, PERM_READ, "trace_printk format");
        const fmt = formatBytes(call, fmtAddr, size);
        if (!fmt) return EINVAL;
        const res = bpfFormat(fmt, [call.arg(3), call.arg(4), call.arg(5)], vmReader(call));
        if (typeof res === "number") return res;
        const msg = res.slice(0, MAX_BPRINTF_BUF - 1);
        sink.push(traceLine(call, msg, o));
        return res.length;
      },
      // r3–r5 are the format arguments: the kernel leaves them unchecked (ARG_DONTCARE).
      proto: { ret: "RET_INTEGER", args: ["ARG_PTR_TO_MEM | MEM_RDONLY", "ARG_CONST_SIZE"] },
    },
    {
      id: 165,
      name: "snprintf",
      fn: (call) => {
        const str = call.argNum(1);
        const strSize = call.argU32(2);
        const fmtAddr = call.argNum(3);
        const data = call.argNum(4);
        const dataLen = call.argU32(5);
        if (dataLen % 8 || dataLen > MAX_BPRINTF_VARARGS * 8 || (dataLen && !data)) return EINVAL;
        call.checkMem(str, strSize, PERM_WRITE, "snprintf output");
        if (dataLen) call.checkMem(data, dataLen, PERM_READ, "snprintf data");
        const fmt = formatBytes(call, fmtAddr, 1 << 20);
        if (!fmt) return EINVAL;
        const args: bigint[] = [];
        for (let i = 0; i < dataLen / 8; i++) args.push(call.space.view.getBigUint64(data + i * 8, true));
        const res = bpfFormat(fmt, args, vmReader(call));
        if (typeof res === "number") return res;
        if (strSize > 0) {
          const bytes = new TextEncoder().encode(res).subarray(0, strSize - 1);
          call.space.u8.set(bytes, str);
          call.space.u8[str + bytes.length] = 0;
        }
        return res.length + 1;
      },
      proto: { ret: "RET_INTEGER", args: ["ARG_PTR_TO_MEM_OR_NULL", "ARG_CONST_SIZE_OR_ZERO", "ARG_PTR_TO_CONST_STR", "ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY", "ARG_CONST_SIZE_OR_ZERO"] },
    },
  ];
}
