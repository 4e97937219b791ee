/**
 * Differential test: every hand-written case is verified by us and judged by the kernel (live when
 * bpf(2) works here, otherwise the recorded verdicts of fixtures/kernel-verdicts.json). Verdicts
 * must agree, and for rejected programs our error message must be the kernel's last log line.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/asm/index.js";
import { verify } from "../../src/verifier/index.js";
import { CASES, MAPS } from "./cases.js";
import { kernelAvailable, kernelVerify, tracingTarget } from "./oracle.js";

const recorded = JSON.parse(readFileSync(new URL("./fixtures/kernel-verdicts.json", import.meta.url), "utf8")) as {
  verdicts: Record<string, { ok: boolean; message: string }>;
};

/** Cases that run to the 1,000,000-instruction limit: slow, run them once. */
const SLOW = new Set(["unbounded loop ctx", "large loop"]);

describe("verifier agrees with the kernel on hand-written programs", () => {
  for (const c of CASES) {
    // Tracing cases walk this host's kernel structs: only against the live kernel, with its BTF.
    const tracing = c.attachTo && kernelAvailable ? tracingTarget(c) : undefined;
    it.skipIf((SLOW.has(c.name) && process.env.EBPF_SLOW !== "1") || (c.attachTo !== undefined && !tracing))(c.name, () => {
      const insns = assemble(c.asm);
      const type = c.type ?? "socket_filter";
      const t = tracing ? { kernelBtf: tracing.kernelBtf, attachTo: tracing.attachTo } : {};
      const ours = verify({ insns, progType: type, maps: MAPS, hasFuncInfo: c.funcInfo === true, ...(c.attachType ? { attachType: c.attachType } : {}), ...t }, { logLevel: 1, nrCpus: 2 });
      const kernel = kernelAvailable ? kernelVerify(insns, type, MAPS, 1, c.attachType, tracing?.attachBtfId, c.funcInfo === true) : recorded.verdicts[c.name]!;
      expect(kernel, "recorded verdict").toBeDefined();
      // Never accept what the kernel rejects.
      if (!kernel.ok) expect(ours.ok).toBe(false);
      expect(ours.ok).toBe(kernel.ok);
      if (!kernel.ok) expect(ours.error?.message).toBe(kernel.message);
      if (ours.error) expect(ours.error.hint.length).toBeGreaterThan(0);
    });
  }
});

describe.skipIf(!kernelAvailable)("level-1 logs match the kernel's", () => {
  // Map addresses (ours prints map[id:N]) change the padding before ";" on lddw lines.
  const normalize = (s: string): string =>
    s.replace(/0x[0-9a-f]{16}/g, "MAP").replace(/map\[id:\d+\]/g, "MAP").replace(/ +;/g, " ;").replace(/ max_states_per_insn .*/g, "");
  for (const name of ["return 0", "uninit r2", "stack misaligned", "xdp pkt oob", "lookup no null check", "lookup oob", "ringbuf leak", "array var index oob", "tc pkt var off", "linked mixed widths", "linked alu32 zext", "linked alu32 wrap", "linked neg64"]) {
    it(name, () => {
      const c = CASES.find((x) => x.name === name)!;
      const insns = assemble(c.asm);
      const type = c.type ?? "socket_filter";
      const ours = verify({ insns, progType: type, maps: MAPS }, { logLevel: 1, nrCpus: 2 });
      const kernel = kernelVerify(insns, type, MAPS, 1);
      expect(normalize(ours.log)).toBe(normalize(kernel.log));
    });
  }
});

describe.skipIf(!kernelAvailable)("level-2 'Live regs before insn' listing matches the kernel's", () => {
  // The listing compute_live_registers prints: loop (SCC) numbers, registers live before each insn.
  const listing = (log: string): string => {
    const lines = log.split("\n");
    const at = lines.indexOf("Live regs before insn:");
    if (at < 0) return "";
    const out: string[] = [];
    for (let i = at + 1; i < lines.length && /^ {4}[ \d]{3}: /.test(lines[i]!) ; i++) out.push(lines[i]!.replace(/0x[0-9a-f]{16}|map\[id:\d+\]/g, "MAP"));
    return out.join("\n");
  };
  it("for every non-tracing hand-written case", () => {
    let compared = 0;
    for (const c of CASES) {
      if (c.attachTo || SLOW.has(c.name)) continue;
      const insns = assemble(c.asm);
      const type = c.type ?? "socket_filter";
      const ours = verify({ insns, progType: type, maps: MAPS, hasFuncInfo: c.funcInfo === true, ...(c.attachType ? { attachType: c.attachType } : {}) }, { logLevel: 2, nrCpus: 2 });
      const kernel = kernelVerify(insns, type, MAPS, 2, c.attachType, undefined, c.funcInfo === true);
      expect(listing(ours.log), c.name).toBe(listing(kernel.log));
      if (listing(kernel.log)) compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });
});

describe.skipIf(!kernelAvailable)("level-2 logs match the kernel's", () => {
  // Map addresses print as map[id:N] here; the timing line differs by nature.
  const normalize = (s: string): string =>
    s
      .replace(/0x[0-9a-f]{16}|map\[id:\d+\]/g, "MAP")
      .split("\n")
      .filter((l) => !/^verification time/.test(l))
      .join("\n");
  it("for every hand-written case", () => {
    const differing: string[] = [];
    let compared = 0;
    for (const c of CASES) {
      if (SLOW.has(c.name)) continue;
      const tracing = c.attachTo ? tracingTarget(c) : undefined;
      if (c.attachTo && !tracing) continue;
      const insns = assemble(c.asm);
      const type = c.type ?? "socket_filter";
      const t = tracing ? { kernelBtf: tracing.kernelBtf, attachTo: tracing.attachTo } : {};
      const ours = verify({ insns, progType: type, maps: MAPS, hasFuncInfo: c.funcInfo === true, ...(c.attachType ? { attachType: c.attachType } : {}), ...t }, { logLevel: 2, nrCpus: 2 });
      const kernel = kernelVerify(insns, type, MAPS, 2, c.attachType, tracing?.attachBtfId, c.funcInfo === true);
      compared++;
      if (normalize(ours.log) !== normalize(kernel.log)) differing.push(c.name);
    }
    expect(differing).toEqual([]);
    expect(compared).toBeGreaterThan(200);
  });
});
