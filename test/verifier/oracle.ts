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
import type { Btf } from "../../src/btf/types.js";
import { hostBtfLoader } from "../../src/runtime/node.js";
import { resolveTracingTarget } from "../../src/verifier/btf-access.js";

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

/**
 * A tracing case's target in the host's vmlinux BTF: what our verifier is given (kernelBtf,
 * attachTo) and what the kernel is given (attach_btf_id). Undefined when the host has no BTF.
 */
export function tracingTarget(c: { attachType?: string; attachTo?: string }): { kernelBtf: Btf; attachTo: string; attachBtfId: number } | undefined {
  if (!c.attachTo) return undefined;
  const kernelBtf = hostBtfLoader()();
  if (!kernelBtf) return undefined;
  const t = resolveTracingTarget(kernelBtf, c.attachType ?? "trace_fentry", c.attachTo);
  if ("error" in t) throw new Error(t.error);
  return { kernelBtf, attachTo: c.attachTo, attachBtfId: t.btfId };
}

export function kernelVerify(insns: readonly Instruction[], progType: string, maps: readonly VerifierMap[] = [], logLevel = 1, expectedAttachType?: string, attachBtfId?: number): KernelVerdict {
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
    const r = probeLoad({ type: progType, instructions: code, logLevel, license: "GPL", ...(expectedAttachType ? { expectedAttachType } : {}), ...(attachBtfId !== undefined ? { attachBtfId } : {}) }, 1 << 22);
    return { ok: r.loaded, errno: r.errno, log: r.log, message: r.loaded ? "" : lastMessage(r.log) };
  } finally {
    for (const m of created) m.close();
  }
}
