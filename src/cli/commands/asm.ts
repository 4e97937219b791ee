import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { assembleBytes } from "../../asm/index.js";
import type { Dialect } from "../../asm/context.js";
import { EbpfError } from "../../errors.js";
import { toHex } from "../../isa/codec.js";

interface AsmOptions {
  output?: string;
  bigEndian?: boolean;
  dialect?: string;
}

/** `ebpf asm FILE.s [-o FILE.bin] [--big-endian]`: assemble; without -o, print hex, 8 bytes a line. */
export function register(program: Command): void {
  program
    .command("asm")
    .description("assemble eBPF assembly (kernel/LLVM or bpf_conformance/ubpf syntax) into bytecode")
    .argument("<file>", "assembly source, or - for stdin")
    .option("-o, --output <file>", "write raw bytecode to this file instead of printing hex")
    .option("--big-endian", "encode for a big-endian target")
    .option("--dialect <dialect>", "auto, kernel or ubpf", "auto")
    .action((file: string, opts: AsmOptions) => {
      const dialect = opts.dialect ?? "auto";
      if (dialect !== "auto" && dialect !== "kernel" && dialect !== "ubpf") {
        throw new EbpfError("EINVAL", `unknown dialect '${dialect}' (auto, kernel or ubpf)`);
      }
      const text = readFileSync(file === "-" ? 0 : file, "utf8");
      const bytes = assembleBytes(text, {
        dialect: dialect as Dialect,
        file: file === "-" ? "<stdin>" : file,
        bigEndian: opts.bigEndian === true,
      });
      if (opts.output !== undefined) {
        writeFileSync(opts.output, bytes);
        return;
      }
      let out = "";
      for (let i = 0; i < bytes.length; i += 8) out += toHex(bytes.subarray(i, i + 8), " ") + "\n";
      process.stdout.write(out);
    });
}
