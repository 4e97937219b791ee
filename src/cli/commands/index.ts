import type { Command } from "commander";

/** Every CLI command registers itself on the root program; one file per command. */
export type RegisterCommand = (program: Command) => void;

/**
 * Commands by name, loaded on demand: a run of one command imports only that command's module
 * (the kernel backend, the JIT or the BTF dumper are not loaded for an unrelated command).
 */
export const COMMANDS: Record<string, () => Promise<{ register: RegisterCommand }>> = {
  asm: () => import("./asm.js"),
  disasm: () => import("./disasm.js"),
  exec: () => import("./exec.js"),
  run: () => import("./run.js"),
  prog: () => import("./prog.js"),
  btf: () => import("./btf.js"),
  verify: () => import("./verify.js"),
  "kernel-info": () => import("./kernel-info.js"),
  "conformance-plugin": () => import("./conformance-plugin.js"),
};

/** The registrations for an invocation: just the named command when there is one, else all (help). */
export async function commandsFor(argv: readonly string[]): Promise<RegisterCommand[]> {
  const first = argv.find((a) => !a.startsWith("-"));
  const names = first !== undefined && first in COMMANDS ? [first] : Object.keys(COMMANDS);
  return Promise.all(names.map(async (n) => (await COMMANDS[n]!()).register));
}
