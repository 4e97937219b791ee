import { EbpfError } from "../errors.js";
import { parseHex } from "../isa/codec.js";

/**
 * One bpf_conformance test file (`*.data`): sections introduced by `-- name` lines. `asm` is
 * assembly, `raw` is bytecode hex, `mem` the input memory, `result` the expected r0 and `error`
 * the expected error text. Other sections (`c`, `no register offset` …) are kept but unused.
 */
export interface ConformanceCase {
  asm?: string;
  raw?: Uint8Array;
  memory: Uint8Array;
  /** Expected r0 (the runner compares its low 32 bits). */
  result?: bigint;
  error?: string;
  sections: Record<string, string>;
}

export function parseDataFile(text: string, file = "<data>"): ConformanceCase {
  const sections: Record<string, string> = {};
  let current: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const m = /^--\s*(.*?)\s*$/.exec(line);
    if (m) {
      current = m[1]!;
      sections[current] ??= "";
      continue;
    }
    if (current === undefined) continue; // header comments
    sections[current] += line + "\n";
  }
  const stripComments = (s: string) =>
    s
      .split("\n")
      .map((l) => l.replace(/#.*$/, "").trim())
      .filter((l) => l.length > 0)
      .join("\n");
  const out: ConformanceCase = { memory: new Uint8Array(0), sections };
  if (sections.asm !== undefined) out.asm = sections.asm;
  if (sections.raw !== undefined) out.raw = parseHex(stripComments(sections.raw));
  if (sections.mem !== undefined) out.memory = parseHex(stripComments(sections.mem));
  if (sections.result !== undefined) {
    const r = stripComments(sections.result);
    if (r.length > 0) {
      try {
        out.result = BigInt.asUintN(64, BigInt(r));
      } catch {
        throw new EbpfError("EINVAL", `${file}: '-- result' is not a number: ${r}`);
      }
    }
  }
  if (sections.error !== undefined) out.error = stripComments(sections.error);
  return out;
}
