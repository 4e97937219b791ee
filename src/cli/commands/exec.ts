import type { Command } from "commander";
import { EbpfError } from "../../errors.js";
import { conformanceHelpers } from "../../conformance/helpers.js";
import { parseHex } from "../../isa/codec.js";
import { execute } from "../../vm/execute.js";
import { bareEngine } from "../engine-option.js";
import { readInput } from "../io.js";
import { readProgram } from "../program-input.js";

/** `ebpf exec FILE.bin|FILE.s [--mem FILE]`: run a bare program (r1 = memory, r2 = length), print r0. */
export function register(program: Command): void {
  program
    .command("exec")
    .description("run a bare program in the interpreter (r1 = memory, r2 = its length) and print r0")
    .argument("<file>", "program: .s/.asm assembly, .hex text, an ELF object, or raw bytecode")
    .option("--prog <name>", "the program to run when an object has several")
    .option("--mem <file>", "file whose bytes are the program's memory")
    .option("--mem-hex <hex>", "memory given as hex bytes")
    .option("--hex", "the program file holds hex text")
    .option("--big-endian", "raw bytecode is big-endian")
    .option("--budget <n>", "executed-instruction limit", "1000000")
    .option("--engine <name>", "interp or jit (WebAssembly, with checked memory accesses)", "interp")
    .option("--json", "print r0, the executed-instruction count and the final memory as JSON")
    .action((file: string, opts: { prog?: string; mem?: string; memHex?: string; hex?: boolean; bigEndian?: boolean; budget: string; engine: string; json?: boolean }) => {
      const budget = Number(opts.budget);
      if (!Number.isSafeInteger(budget) || budget <= 0) throw new EbpfError("EINVAL", `--budget must be a positive integer, not '${opts.budget}'`);
      const insns = readProgram(file, opts);
      const memory = opts.mem ? readInput(opts.mem) : opts.memHex ? parseHex(opts.memHex) : new Uint8Array(0);
      const r = execute(insns, { memory, budget, helpers: conformanceHelpers(), engine: bareEngine(opts.engine) });
      if (opts.json) {
        const hex = [...r.memory].map((x) => x.toString(16).padStart(2, "0")).join("");
        process.stdout.write(JSON.stringify({ r0: "0x" + r.r0.toString(16), r0_signed: BigInt.asIntN(64, r.r0).toString(), steps: r.steps, memory: hex }) + "\n");
      } else {
        process.stdout.write(`0x${r.r0.toString(16)}\n`);
      }
    });
}
