/**
 * bpf_conformance `.data` test files, and how to run one in the kernel: the program behind the
 * prolog the bpf_conformance runner adds for XDP plugins (libbpf_plugin), so the memory travels
 * as packet data and the program starts with r1 = data, r2 = size.
 */
import type { Instruction } from "../isa/instruction.js";
import { decode } from "../isa/codec.js";
import * as O from "../isa/opcodes.js";

export interface ConformanceCase {
  name: string;
  /** `-- asm` text, when the case has it. */
  asm?: string;
  /** `-- raw` bytecode (64-bit words, as ubpf writes them), when the case has it. */
  raw?: Uint8Array;
  /** `-- mem` bytes (empty when absent). */
  memory: Uint8Array;
  /** `-- result`, as an unsigned 64-bit value. */
  result?: bigint;
  /** `-- error`: the runtime is expected to fail with this message. */
  error?: string;
}

/** Parses a `.data` file. Unknown sections (`-- c`, `-- no register offset` …) are ignored. */
export function parseConformance(name: string, text: string): ConformanceCase {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split(/\r?\n/)) {
    const m = /^--\s*(.*?)\s*$/.exec(line);
    if (m) {
      current = [];
      sections.set(m[1]!, current);
      continue;
    }
    current?.push(line);
  }
  const body = (key: string) => sections.get(key)?.join("\n");
  const c: ConformanceCase = { name, memory: new Uint8Array(0) };
  const asm = body("asm");
  if (asm !== undefined) c.asm = asm;
  const mem = body("mem");
  if (mem !== undefined) c.memory = parseHexBytes(mem);
  const raw = body("raw");
  if (raw !== undefined) c.raw = parseRawWords(raw);
  const result = body("result")?.replace(/#.*$/gm, "").trim();
  if (result) c.result = BigInt.asUintN(64, BigInt(result.split(/\s+/)[0]!));
  const error = body("error")?.trim();
  if (error) c.error = error;
  return c;
}

function parseHexBytes(text: string): Uint8Array {
  const tokens = text.replace(/#.*$/gm, "").split(/\s+/).filter(Boolean);
  return Uint8Array.from(tokens.map((t) => parseInt(t, 16)));
}

/** `-- raw`: one 64-bit instruction word per line, written as a number (little-endian in memory). */
function parseRawWords(text: string): Uint8Array {
  const words = text.replace(/#.*$/gm, "").split(/\s+/).filter(Boolean);
  const out = new Uint8Array(words.length * 8);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setBigUint64(i * 8, BigInt.asUintN(64, BigInt(w)), true));
  return out;
}

/** The program of a case, assembling `-- asm` with the given assembler or decoding `-- raw`. */
export function caseProgram(c: ConformanceCase, assemble: ((text: string) => Instruction[]) | undefined): Instruction[] | undefined {
  if (c.raw) return decode(c.raw);
  if (c.asm !== undefined && assemble) return assemble(c.asm);
  return undefined;
}

/** XDP test runs need at least an Ethernet header's worth of packet. */
export const MIN_PACKET = 14;

/**
 * The bpf_conformance XDP prolog: r0 = -1; r6 = ctx; r1 = data; r2 = data_end; if data + size >
 * data_end exit; r2 = size. Jumps in the program are relative, so prepending leaves them valid.
 */
export function xdpProlog(size: number): Instruction[] {
  const I = (op: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ op, dst, src, off, imm });
  return [
    I(O.BPF_ALU64 | O.BPF_MOV | O.BPF_K, 0, 0, 0, -1),
    I(O.BPF_ALU64 | O.BPF_MOV | O.BPF_X, 6, 1),
    I(O.BPF_LDX | O.BPF_MEM | O.BPF_W, 1, 6, 0),
    I(O.BPF_LDX | O.BPF_MEM | O.BPF_W, 2, 6, 4),
    I(O.BPF_ALU64 | O.BPF_MOV | O.BPF_X, 3, 1),
    I(O.BPF_ALU64 | O.BPF_ADD | O.BPF_K, 3, 0, 0, size),
    I(O.BPF_JMP | O.BPF_JLE | O.BPF_X, 3, 2, 1),
    I(O.OP_EXIT),
    I(O.BPF_ALU64 | O.BPF_MOV | O.BPF_K, 2, 0, 0, size),
  ];
}

/** The packet for `memory`: padded with zeros up to the minimum an XDP test run takes. */
export function packetFor(memory: Uint8Array): Uint8Array {
  if (memory.length >= MIN_PACKET) return memory;
  const p = new Uint8Array(MIN_PACKET);
  p.set(memory);
  return p;
}
