/**
 * Assembler and disassembler for eBPF text.
 *
 * Input: the kernel/LLVM dialect (verifier log, `bpftool prog dump xlated`, llvm-objdump/llvm-mc
 * text, with their pc numbers, `(b7)` annotations, raw bytes and headers) and the
 * bpf_conformance/ubpf dialect, chosen per line in "auto" mode.
 * Output: `kernel` (print_bpf_insn's text), `objdump` (llvm-objdump's) or `ubpf` (bpf_conformance's).
 *
 * Every valid instruction round-trips through every format: assemble(disassemble(x)) == x.
 * Where a tool's own text loses information, the formats print a documented extension instead:
 * - kernel: `callx r2` (the kernel prints callx as `call bpf_unspec#0`); a kfunc's module offset
 *   as `call kernel-function#7@2`; lddw pseudo sources by bpftool's names (`map[id:5]`,
 *   `map[id:5][0]+8`, `subprog[+3]`) plus `map[idx:5]`, `map[idx:5]+8`, and LLVM's
 *   `ld_pseudo r1, 3, 100` for the rest (the verifier log prints the resolved pointer instead).
 * - objdump: lddw constants in hex; local calls `call pc+3`, kfuncs `call kernel-function#7`,
 *   `skb[r1 + 4]` for LD_IND with an immediate (LLVM prints all calls as `call N` and drops it).
 * - ubpf: forms without a mnemonic (pseudo lddw, may_goto, load_acquire, store_release,
 *   addr_space_cast) in the objdump spelling, which the "auto" dialect reads back.
 * Reading text: `rN = 0x…` without `ll` is a 32-bit mov (LLVM's reading) unless the value needs
 * 64 bits or a `(18)` annotation says lddw; `call NAME#N` with a name that is not a helper reads
 * as a kfunc call (the verifier log's spelling), though bpftool's xlated dumps use it for inlined
 * kernel functions too.
 */
export { assemble, assembleBytes, type AssembleOptions } from "./assembler.js";
export {
  disassemble,
  formatInstruction,
  type DisassembleOptions,
  type DisasmFormat,
  type FormatOptions,
} from "./disassembler.js";
export type { Symbolizer } from "./format-common.js";
export type { Dialect } from "./context.js";
export { stripComments } from "./source.js";
