import { EbpfError } from "../errors.js";
import type { Instruction } from "../isa/instruction.js";

/** The program of a bpf_conformance `--elf` input: the first program in the object. */
export async function programFromElfBytes(_bytes: Uint8Array): Promise<Instruction[]> {
  throw new EbpfError("ENOTSUPP", "--elf input needs the object loader, which is not built yet");
}
