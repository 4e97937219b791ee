#!/usr/bin/env node
/**
 * npm run difftest -- --count N [--seed S] [--no-conformance] [--conformance DIR] [--out DIR] [--no-shrink]
 * Runs the differential harness and prints a summary line "N passed, M failed"; exit status 1 on
 * any mismatch, 2 when the kernel cannot be used.
 */
import { Command } from "commander";
import { bpfStatus } from "./status.js";
import { defaultConformanceDir, runDifftest, type DifftestReport } from "./difftest.js";

function summary(r: DifftestReport): string {
  const lines: string[] = [];
  const c = r.conformance;
  if (c) {
    lines.push(
      `conformance: ${c.total} cases, ${c.run} run in both engines, ${c.passed} passed, ${c.failed.length} failed, ${c.skipped.length} skipped`,
    );
    for (const f of c.failed) lines.push(`  FAIL ${f.name}: ${f.detail}`);
    const reasons = new Map<string, number>();
    for (const s of c.skipped) {
      const key = s.reason.replace(/: .*/s, "");
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
    for (const [reason, n] of reasons) lines.push(`  skipped ${n}: ${reason}`);
    if (c.kernelDisagreesWithExpected.length > 0) lines.push(`  kernel r0 differs from the file's -- result: ${c.kernelDisagreesWithExpected.join(", ")}`);
  }
  const g = r.generated;
  lines.push(`generated: ${g.total} programs, ${g.passed} passed, ${g.failed.length} failed, ${g.rejected.length} rejected by the verifier (generator bugs)`);
  for (const f of g.failed) lines.push(`  FAIL seed ${f.seed} (${f.instructions} insns): ${f.detail}${f.file ? ` → ${f.file}` : ""}`);
  for (const x of g.rejected.slice(0, 5)) lines.push(`  rejected seed ${x.seed}: ${x.log.split("\n").filter(Boolean).slice(-2).join(" | ")}`);
  lines.push(`${r.passed} passed, ${r.failed} failed (${(r.ms / 1000).toFixed(1)} s)`);
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const program = new Command("difftest")
    .description("differential test: the kernel (BPF_PROG_TEST_RUN) against the interpreter")
    .option("--count <n>", "random programs to generate", "1000")
    .option("--seed <n>", "seed of the run (default: time-based)")
    .option("--conformance <dir>", "bpf_conformance .data directory", defaultConformanceDir())
    .option("--no-conformance", "skip the conformance corpus")
    .option("--out <dir>", "where shrunk failures are written", "difftest-failures")
    .option("--no-shrink", "write failures as generated, without shrinking")
    .option("--quiet", "no progress lines")
    .exitOverride();
  try {
    program.parse(argv, { from: "user" });
  } catch {
    return 2;
  }
  const o = program.opts<{ count: string; seed?: string; conformance: string | false; out: string; shrink: boolean; quiet?: boolean }>();
  const status = bpfStatus();
  if (!status.available) {
    process.stderr.write(`difftest: the kernel cannot be used: ${status.reason}\n`);
    return 2;
  }
  const count = Number(o.count);
  const seed = o.seed !== undefined ? Number(o.seed) : Date.now() % 0x7fffffff;
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(seed)) {
    process.stderr.write("difftest: --count and --seed take integers\n");
    return 2;
  }
  process.stdout.write(`difftest: seed ${seed}, ${count} generated programs\n`);
  const report = await runDifftest({
    count,
    seed,
    conformanceDir: o.conformance === false ? undefined : o.conformance,
    failuresDir: o.out,
    shrink: o.shrink,
    onProgress: o.quiet
      ? undefined
      : (done, r) => {
          if (done % 10000 === 0) process.stdout.write(`  ${done}/${count}: ${r.failed.length} failed, ${r.rejected.length} rejected\n`);
        },
  });
  process.stdout.write(`${summary(report)}\n`);
  return report.failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (e: unknown) => {
    process.stderr.write(`difftest: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(70);
  },
);
