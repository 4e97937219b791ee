import type { Command } from "commander";
import { kernelFeatures, type KernelFeatures } from "../../kernel/features.js";
import { PROG_TYPE_NAMES } from "../../kernel/constants.js";
import { EbpfError } from "../../errors.js";
import { ExitStatus } from "../main.js";

function text(f: KernelFeatures): string {
  const out: string[] = [];
  out.push(`kernel: ${f.kernelRelease} (${f.arch})`);
  out.push(`bpf(2): ${f.bpfPermitted ? "permitted" : `not permitted — ${f.reason}`}`);
  if (f.unprivilegedBpfDisabled !== undefined) out.push(`unprivileged bpf(2): ${f.unprivilegedBpfDisabled === 0 ? "allowed" : `disabled (${f.unprivilegedBpfDisabled})`}`);
  const j = f.jit;
  out.push(
    `JIT: ${j.enabled === undefined ? "unknown" : j.enabled ? "enabled" : "disabled"}` +
      (j.harden !== undefined ? `, hardening ${j.harden ? `on (${j.harden})` : "off"}` : "") +
      (j.kallsyms !== undefined ? `, kallsyms ${j.kallsyms ? "exported" : "hidden"}` : ""),
  );
  if (!f.bpfPermitted) return out.join("\n");
  const list = (r: Record<string, boolean>, yes: boolean) => Object.keys(r).filter((k) => r[k] === yes);
  const section = (title: string, r: Record<string, boolean>) => {
    const ok = list(r, true);
    const no = list(r, false);
    out.push(`${title} (${ok.length} of ${ok.length + no.length}): ${ok.join(" ")}`);
    if (no.length) out.push(`  not available: ${no.join(" ")}`);
  };
  section("program types", f.programTypes);
  section("map types", f.mapTypes);
  if (f.helpers) {
    out.push("helpers by program type:");
    for (const [t, hs] of Object.entries(f.helpers)) out.push(`  ${t} (${hs.length}): ${hs.join(" ")}`);
  }
  return out.join("\n");
}

/** `ebpf kernel-info [--json] [--no-helpers] [--prog-type T…]`: what the running kernel supports, probed like bpftool. */
export function register(program: Command): void {
  program
    .command("kernel-info")
    .description("what the running kernel supports: bpf(2) permission, JIT, program/map types and helpers (probed like bpftool feature probe)")
    .option("--json", "print the result as JSON")
    .option("--no-helpers", "skip the helper probes")
    .option("--prog-type <type...>", "probe helpers only for these program types")
    .action((opts: { json?: boolean; helpers: boolean; progType?: string[] }) => {
      for (const t of opts.progType ?? []) {
        if (!PROG_TYPE_NAMES.includes(t)) throw new EbpfError("EINVAL", `unknown program type '${t}' (one of: ${PROG_TYPE_NAMES.slice(1).join(", ")})`);
      }
      const f = kernelFeatures({ helpers: opts.helpers, helperProgramTypes: opts.progType });
      process.stdout.write(opts.json ? `${JSON.stringify(f, null, 2)}\n` : `${text(f)}\n`);
      // No bpf(2) here is a negative answer, not bad input.
      if (!f.bpfPermitted) throw new ExitStatus(1);
    });
}
