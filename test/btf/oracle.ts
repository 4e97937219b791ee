// Shared test helpers: where the corpus and fixtures live, and bpftool as the oracle.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, "..", "fixtures");
export const CORPUS = join(here, "..", "..", "..", "shared", "corpus", "ebpf-samples");
export const VMLINUX = "/sys/kernel/btf/vmlinux";

export const hasBpftool = spawnSync("bpftool", ["version"], { stdio: "ignore" }).status === 0;
export const hasCorpus = existsSync(CORPUS);
export const hasVmlinux = existsSync(VMLINUX);

/** bpftool's stdout, or null when it fails. */
export function bpftool(args: string[]): string | null {
  try {
    return execFileSync("bpftool", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 1 << 28 });
  } catch {
    return null;
  }
}

/** Every object file of the corpus (sources and notes excluded). */
export function corpusFiles(exclude = /\.(c|h|md|txt|json|asm)$/): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) {
        if (e !== "src") walk(p);
      } else if (!exclude.test(e)) {
        out.push(p);
      }
    }
  };
  walk(CORPUS);
  return out;
}

export function fixtureObjects(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".o"))
    .sort()
    .map((f) => join(FIXTURES, f));
}
