import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { disassemble, type DisasmFormat } from "../../asm/index.js";
import { EbpfError } from "../../errors.js";
import { decode, parseHex } from "../../isa/codec.js";

interface DisasmOptions {
  objdump?: boolean;
  ubpf?: boolean;
  opcodes?: boolean;
  hex?: boolean;
  xlated?: boolean;
  labels?: boolean;
  bigEndian?: boolean;
}

/**
 * `ebpf disasm FILE.bin [--objdump] [--ubpf] [--opcodes] [--hex]`: print a program in the kernel's
 * verifier-log format (default), llvm-objdump's or bpf_conformance's.
 */
export function register(program: Command): void {
  program
    .command("disasm")
    .description("disassemble eBPF bytecode (raw bytes, or hex text with --hex)")
    .argument("<file>", "bytecode file, or - for stdin")
    .option("--objdump", "llvm-objdump format")
    .option("--ubpf", "bpf_conformance/ubpf format")
    .option("--opcodes", "also show the instruction bytes")
    .option("--hex", "the input is hex text, not raw bytes")
    .option("--xlated", "indent pc numbers as `bpftool prog dump xlated` does")
    .option("--labels", "name jump targets (objdump and ubpf formats)")
    .option("--big-endian", "the bytecode is big-endian")
    .action((file: string, opts: DisasmOptions) => {
      if (opts.objdump && opts.ubpf) throw new EbpfError("EINVAL", "choose one of --objdump and --ubpf");
      const format: DisasmFormat = opts.objdump ? "objdump" : opts.ubpf ? "ubpf" : "kernel";
      const data = readFileSync(file === "-" ? 0 : file);
      const bytes = opts.hex ? parseHex(data.toString("utf8")) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const insns = decode(bytes, { bigEndian: opts.bigEndian === true });
      process.stdout.write(
        disassemble(insns, {
          format,
          opcodes: opts.opcodes === true,
          xlated: opts.xlated === true,
          labels: opts.labels === true,
          bigEndian: opts.bigEndian === true,
        }),
      );
    });
}
