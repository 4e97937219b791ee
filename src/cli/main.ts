import { Command, CommanderError } from "commander";
import { isEbpfError } from "../errors.js";
import { commandsFor, type RegisterCommand } from "./commands/index.js";

/** Exit status for bad input (unreadable file, bad program); 1 is kept for negative verdicts. */
export const EXIT_BAD_INPUT = 2;

/**
 * Thrown by a command to end with a given status after it has printed what it needs
 * (e.g. a verifier rejection: status 1).
 */
export class ExitStatus extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

export function buildProgram(commands: readonly RegisterCommand[]): Command {
  const program = new Command("ebpf")
    .description("The eBPF system in TypeScript: assemble, run, verify and load eBPF programs")
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

/** Runs the CLI and returns the process exit status; never lets a user error escape as a stack trace. */
export async function main(argv: string[]): Promise<number> {
  try {
    const program = buildProgram(await commandsFor(argv));
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    return reportError(e);
  }
}

export function reportError(e: unknown): number {
  if (e instanceof ExitStatus) return e.status;
  if (e instanceof CommanderError) {
    // Commander already printed its message (or help/version, which exit 0).
    return e.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  }
  if (isEbpfError(e)) {
    process.stderr.write(`ebpf: ${e.code}: ${e.message}\n`);
    return EXIT_BAD_INPUT;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === "string" && typeof err.message === "string" && err.syscall) {
    // File system errors from Node: the path and errno name, no stack.
    process.stderr.write(`ebpf: ${err.code}: ${err.message}\n`);
    return EXIT_BAD_INPUT;
  }
  // A bug in ebpf-ts itself: say so, with the stack, and a distinct status.
  process.stderr.write(`ebpf: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
  return 70;
}
