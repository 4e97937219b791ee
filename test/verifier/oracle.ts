/**
 * The kernel as the oracle: loads a program through bpf(2) (src/kernel) with a level-1 log and
 * reports the verdict and the last line of the log before the "processed …" summary, so our
 * verifier's answer can be compared with it. Maps are created for the duration of one load;
 * lddw map references in the program are indexes into the list and are rewritten to the fds.
 */
import { KernelMap } from "../../src/kernel/map.js";
import { probeLoad } from "../../src/kernel/program.js";
import { bpfStatus } from "../../src/kernel/status.js";
import type { Instruction } from "../../src/isa/instruction.js";
import type { VerifierMap } from "../../src/verifier/index.js";

export const kernelAvailable = bpfStatus().available;

export interface KernelVerdict {
  ok: boolean;
  errno: number;
  log: string;
  /** Last line before the "processed N insns" summary (the error message on rejection). */
  message: string;
}

/** The error line of a kernel (or our) log: the line before the summary. */
export function lastMessage(log: string): string {
  // A message printed without a newline runs into the summary line.
  const lines = log.replace(/(.)(processed \d+ insns)/g, "$1\n$2").split("\n").filter((l) => l.length > 0);
  let i = lines.length - 1;
  while (i >= 0 && /^processed \d+ insns|^verification time|^stack depth/.test(lines[i]!)) i--;
  return i >= 0 ? lines[i]! : "";
}

export function kernelVerify(insns: readonly Instruction[], progType: string, maps: readonly VerifierMap[] = [], logLevel = 1): KernelVerdict {
  const created: KernelMap[] = [];
  try {
    for (const m of maps) {
      created.push(KernelMap.create({ type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags, name: m.name }));
    }
    const code = insns.map((insn) => {
      if (insn.op === 0x18 && (insn.src === 1 || insn.src === 2)) {
        const map = created[insn.imm];
        if (map) return { ...insn, imm: map.fd };
      }
      return insn;
    });
    const r = probeLoad({ type: progType, instructions: code, logLevel, license: "GPL" }, 1 << 22);
    return { ok: r.loaded, errno: r.errno, log: r.log, message: r.loaded ? "" : lastMessage(r.log) };
  } finally {
    for (const m of created) m.close();
  }
}
