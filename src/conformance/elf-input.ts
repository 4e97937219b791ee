import { loadObject } from "../elf/index.js";
import { EbpfError } from "../errors.js";
import type { Instruction } from "../isa/instruction.js";

/**
 * The program of a bpf_conformance `--elf` input: the runner wraps the test in an object with one
 * function, `main`, in `.text` (or in `xdp` with its XDP prolog). We take that function, or the
 * only program there is.
 */
export function programFromElfBytes(bytes: Uint8Array): Instruction[] {
  const spec = loadObject(bytes);
  const prog = spec.programs.find((p) => p.name === "main") ?? (spec.programs.length === 1 ? spec.programs[0] : undefined);
  if (!prog) {
    const names = spec.programs.map((p) => p.name).join(", ") || "none";
    throw new EbpfError("ENOENT", `the object has no program 'main' (programs: ${names})`);
  }
  return prog.instructions;
}
