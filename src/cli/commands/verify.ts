import type { Command } from "commander";
import { loadObject } from "../../elf/index.js";
import type { ObjectSpec, ProgramSpec } from "../../elf/spec.js";
import { EbpfError } from "../../errors.js";
import { PROGRAM_TYPES } from "../../progtypes/index.js";
import { describeError, verifierMapFromSpec, verify, type VerifyResult } from "../../verifier/index.js";
import { tracingVerifyInput } from "../../runtime/node.js";
import { readInput } from "../io.js";
import { ExitStatus } from "../main.js";
import { readProgram } from "../program-input.js";

interface VerifyCliOptions {
  prog?: string;
  type?: string;
  logLevel?: string;
  unprivileged?: boolean;
  json?: boolean;
}

interface Target {
  name: string;
  type: string;
  attachType?: string;
  spec?: ProgramSpec;
  insns: ProgramSpec["instructions"];
}

function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

function knownType(type: string): string {
  if (!PROGRAM_TYPES.some((t) => t.name === type)) {
    throw new EbpfError("EINVAL", `program type ${type} is not supported by the verifier (supported: ${PROGRAM_TYPES.map((t) => t.name).join(", ")})`);
  }
  return type;
}

/**
 * `ebpf verify FILE.o [--prog NAME] [--log-level 0|1|2] [--unprivileged] [--json]`: runs the
 * verifier on every program of an object (or on one assembly/bytecode file with --type) and
 * prints the kernel-format log of each rejection. Exit 0: all accepted; 1: one was rejected;
 * 2: bad input.
 */
export function register(program: Command): void {
  program
    .command("verify")
    .description("verify eBPF programs as the Linux verifier would, with its log and messages")
    .argument("<file>", "BPF object (.o), or assembly (.s) / bytecode with --type")
    .option("--prog <name>", "verify only this program (function or section name)")
    .option("--type <type>", "program type for assembly or bytecode input (default socket_filter)")
    .option("--log-level <n>", "0: no log, 1: the failing path, 2: every instruction", "1")
    .option("--unprivileged", "apply the rules for programs loaded without CAP_BPF")
    .option("--json", "print the results as JSON")
    .action((file: string, opts: VerifyCliOptions) => {
      const level = Number(opts.logLevel ?? "1");
      if (level !== 0 && level !== 1 && level !== 2) throw new EbpfError("EINVAL", `--log-level must be 0, 1 or 2, not ${opts.logLevel}`);
      const bytes = readInput(file);
      let targets: Target[];
      let obj: ObjectSpec | undefined;
      if (isElf(bytes)) {
        obj = loadObject(bytes);
        targets = obj.programs.map((p) => ({ name: p.name, type: p.type, attachType: p.attachType, spec: p, insns: p.instructions }));
        if (opts.prog !== undefined) {
          targets = targets.filter((t) => t.name === opts.prog || t.spec?.sectionName === opts.prog);
          if (!targets.length) throw new EbpfError("ENOENT", `no program named ${opts.prog} in ${file} (programs: ${obj.programs.map((p) => p.name).join(", ")})`);
        }
        if (!targets.length) throw new EbpfError("ENOENT", `${file} has no programs`);
      } else {
        targets = [{ name: file, type: opts.type ?? "socket_filter", insns: readProgram(file) }];
      }
      const maps = (obj?.maps ?? []).map(verifierMapFromSpec);
      const results: { name: string; type: string; result: VerifyResult }[] = [];
      for (const t of targets) {
        const result = verify(
          {
            insns: t.insns,
            progType: knownType(t.type),
            maps,
            attachType: t.attachType,
            hasFuncInfo: (t.spec?.funcInfo?.length ?? 0) > 0,
            license: obj?.license,
            ...(t.spec ? tracingVerifyInput(t.spec) : {}),
          },
          { logLevel: level as 0 | 1 | 2, unprivileged: opts.unprivileged === true },
        );
        results.push({ name: t.name, type: t.type, result });
      }
      if (opts.json) {
        const out = results.map(({ name, type, result }) => ({
          name,
          type,
          ok: result.ok,
          error: result.error,
          stats: result.stats,
          log: result.log,
        }));
        process.stdout.write(JSON.stringify(out, null, 2) + "\n");
      } else {
        for (const { name, type, result } of results) {
          if (result.ok) {
            process.stdout.write(`${name} (${type}): accepted, ${result.stats.processedInsns} insns processed\n`);
          } else {
            process.stdout.write(`${name} (${type}): rejected\n`);
            if (result.log) process.stdout.write(result.log.endsWith("\n") ? result.log : result.log + "\n");
            process.stdout.write(describeError(result.error!) + "\n");
          }
        }
      }
      if (results.some((r) => !r.result.ok)) throw new ExitStatus(1);
    });
}
