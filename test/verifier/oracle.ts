/**
 * The kernel as the oracle: loads a program through bpf(2) (src/kernel) with a level-1 log and
 * reports the verdict and the last line of the log before the "processed …" summary, so our
 * verifier's answer can be compared with it. Maps are created for the duration of one load;
 * lddw map references in the program are indexes into the list and are rewritten to the fds.
 */
import { KernelBtf } from "../../src/kernel/btf.js";
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

/** Slot index of every function start (0 and each bpf-to-bpf call or callback target). */
export function subprogStarts(insns: readonly Instruction[]): number[] {
  const starts = new Set<number>([0]);
  let pc = 0;
  for (const insn of insns) {
    if ((insn.op === 0x85 && insn.src === 1) || (insn.op === 0x18 && insn.src === 4)) starts.add(pc + insn.imm + 1);
    pc += insn.op === 0x18 ? 2 : 1;
  }
  return [...starts].sort((a, b) => a - b);
}

/**
 * A minimal BTF blob for func_info: `int` and one static FUNC `int f<i>(void)` per function, so
 * the kernel accepts callbacks (bpf_loop …), which need func_info. Static functions' BTF argument
 * lists are not checked against their use.
 */
export function funcInfoBtf(count: number): Uint8Array {
  const names = ["int", ...Array.from({ length: count }, (_, i) => `f${i}`)];
  const strs: number[] = [0];
  const nameOff: number[] = [];
  for (const n of names) {
    nameOff.push(strs.length);
    for (const c of n) strs.push(c.charCodeAt(0));
    strs.push(0);
  }
  const words: number[] = [nameOff[0]!, 1 << 24, 4, 32, 0, 13 << 24, 1];
  for (let i = 0; i < count; i++) words.push(nameOff[i + 1]!, 12 << 24, 2);
  const typeLen = words.length * 4;
  const out = new Uint8Array(24 + typeLen + strs.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0xeb9f, true);
  v.setUint8(2, 1);
  v.setUint32(4, 24, true);
  v.setUint32(8, 0, true);
  v.setUint32(12, typeLen, true);
  v.setUint32(16, typeLen, true);
  v.setUint32(20, strs.length, true);
  words.forEach((w, i) => v.setUint32(24 + i * 4, w >>> 0, true));
  out.set(strs, 24 + typeLen);
  return out;
}

export function kernelVerify(insns: readonly Instruction[], progType: string, maps: readonly VerifierMap[] = [], logLevel = 1, expectedAttachType?: string, attachBtfId?: number, withFuncInfo = false): KernelVerdict {
  const created: KernelMap[] = [];
  let btf: KernelBtf | undefined;
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
    let fi = {};
    if (withFuncInfo) {
      const starts = subprogStarts(insns);
      btf = KernelBtf.load(funcInfoBtf(starts.length));
      const data = new Uint8Array(starts.length * 8);
      const v = new DataView(data.buffer);
      starts.forEach((s, i) => {
        v.setUint32(i * 8, s, true);
        v.setUint32(i * 8 + 4, 3 + i, true);
      });
      fi = { btf, funcInfo: { recordSize: 8, count: starts.length, data } };
    }
    const r = probeLoad({ type: progType, instructions: code, logLevel, license: "GPL", ...(expectedAttachType ? { expectedAttachType } : {}), ...(attachBtfId !== undefined ? { attachBtfId } : {}), ...fi }, 1 << 22);
    return { ok: r.loaded, errno: r.errno, log: r.log, message: r.loaded ? "" : lastMessage(r.log) };
  } finally {
    for (const m of created) m.close();
    btf?.close();
  }
}
