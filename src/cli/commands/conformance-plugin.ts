import type { Command } from "commander";
import { programFromElfBytes } from "../../conformance/elf-input.js";
import { conformanceHelpers } from "../../conformance/helpers.js";
import { EbpfError } from "../../errors.js";
import { decode, parseHex } from "../../isa/codec.js";
import { execute } from "../../vm/execute.js";
import { bareEngine } from "../engine-option.js";
import { hex64, readInput } from "../io.js";

/**
 * `ebpf conformance-plugin [MEM_HEX] [options]` — bpf_conformance's plugin protocol: program hex
 * on stdin, memory hex as the first argument, r0 printed in hex, non-zero exit and a message on
 * stderr on error. The runner passes its options as one argument ("--elf --debug"), and older
 * runners pass an empty memory argument, so arguments are split on white space here rather than
 * left to commander.
 */
export function register(program: Command): void {
  program
    .command("conformance-plugin")
    .description("run one program as a bpf_conformance plugin (program hex on stdin, memory hex as argument)")
    .argument("[args...]", "memory hex bytes and options (--engine interp|jit, --elf, --budget N)")
    .allowUnknownOption(true)
    .helpOption(false)
    .action((args: string[]) => {
      const tokens = args.join(" ").split(/\s+/).filter((t) => t.length > 0);
      const memHex: string[] = [];
      let engine = "interp";
      let elf = false;
      let budget: number | undefined;
      for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i]!;
        if (t === "--elf") elf = true;
        else if (t === "--engine") engine = tokens[++i] ?? "";
        else if (t.startsWith("--engine=")) engine = t.slice(9);
        else if (t === "--budget") budget = Number(tokens[++i]);
        else if (t === "--debug") continue;
        else if (t.startsWith("--")) throw new EbpfError("EINVAL", `unknown conformance-plugin option ${t}`);
        else memHex.push(t);
      }
      const engineFactory = bareEngine(engine);
      const memory = parseHex(memHex.join(""));
      const input = parseHex(new TextDecoder().decode(readInput("-")));
      const insns = elf ? programFromElfBytes(input) : decode(input);
      const result = execute(insns, { memory, helpers: conformanceHelpers(), engine: engineFactory, ...(budget ? { budget } : {}) });
      process.stdout.write(hex64(result.r0) + "\n");
    });
}
