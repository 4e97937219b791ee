import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, encode, toHex, BPF_DW, BPF_STX, BPF_ATOMIC } from "../../src/isa/index.js";
import { execute } from "../../src/vm/index.js";
import { parseConformance, xdpProlog, packetFor } from "../../src/kernel/conformance.js";
import { assembleProgram, generate, Rng, withoutItems, END } from "../../src/kernel/difftest-gen.js";
import { compareEngines, defaultConformanceDir, loadAssembler, programSeed, runConformance, runGenerated, shrink, writeFailure } from "../../src/kernel/difftest.js";
import { noBpf } from "./support.js";

describe("conformance files", () => {
  it("parses asm, mem, result, raw and error sections and ignores others", () => {
    const c = parseConformance(
      "t",
      ["# comment", "-- asm", "mov %r0, 1", "exit", "-- mem", "aa bb", "cc", "-- result", "0xffffffffffffffff", "-- c", "int x;", "-- error", "bad thing"].join("\n"),
    );
    expect(c.asm).toBe("mov %r0, 1\nexit");
    expect(Array.from(c.memory)).toEqual([0xaa, 0xbb, 0xcc]);
    expect(c.result).toBe(0xffffffffffffffffn);
    expect(c.error).toBe("bad thing");
    const raw = parseConformance("r", "-- raw\n0x00000001000000b7\n0x0000000000000095\n-- result\n0x1");
    expect(Array.from(raw.raw!)).toEqual([0xb7, 0, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("wraps programs in bpf_conformance's XDP prolog", () => {
    expect(toHex(encode(xdpProlog(5)))).toBe(
      "b7000000ffffffff" + "bf16000000000000" + "6161000000000000" + "6162040000000000" + "bf13000000000000" + "0703000005000000" + "bd23010000000000" + "9500000000000000" + "b702000005000000",
    );
    expect(packetFor(new Uint8Array(3)).length).toBe(14);
  });
});

describe("program generator", () => {
  it("is deterministic for a seed", () => {
    expect(assembleProgram(generate(123))).toEqual(assembleProgram(generate(123)));
    expect(assembleProgram(generate(123))).not.toEqual(assembleProgram(generate(124)));
    expect(new Rng(5).u32()).toBe(new Rng(5).u32());
    expect(programSeed(1, 0)).not.toBe(programSeed(2, 0));
  });

  it("retargets jumps to the next surviving item when their target is dropped", () => {
    const p = generate(99);
    const items = p.funcs[0]!.items;
    const jump = items.find((it) => it.kind === "jump" && it.target !== END);
    expect(jump).toBeDefined();
    if (jump?.kind !== "jump") return;
    const smaller = withoutItems(p, new Set([jump.target]));
    const j2 = smaller.funcs[0]!.items.find((it) => it.id === jump.id);
    expect(j2?.kind === "jump" && j2.target).not.toBe(jump.target);
  });

  it("shrinks to the items a failure needs", () => {
    // A stand-in failure: "the program has an atomic instruction".
    const p = generate(2024);
    const hasAtomic = (q: typeof p) => assembleProgram(q).some((i) => (i.op & 0xe7) === (BPF_STX | BPF_ATOMIC));
    expect(hasAtomic(p)).toBe(true);
    const small = shrink(p, hasAtomic);
    expect(hasAtomic(small)).toBe(true);
    // Only the kept init items (registers, stack) and the one atomic are left.
    const removable = small.funcs.flatMap((f) => f.items).filter((it) => !(it.kind === "insn" && it.keep));
    expect(removable.length).toBe(1);
  });
});

describe.skipIf(noBpf)("differential test against the kernel", () => {
  it("300 generated programs: the interpreter agrees with the kernel, and the verifier takes them all", () => {
    const r = runGenerated({ count: 300, seed: 20240601, write: false });
    expect(r.rejected.map((x) => `${x.seed}: ${x.log}`)).toEqual([]);
    expect(r.failed).toEqual([]);
    expect(r.passed).toBe(300);
  });

  it("notices a difference (a pointer stored into memory differs between the engines)", () => {
    const body = [build.stx(BPF_DW, 1, 1, 0), build.mov64Imm(0, 0), build.exit()];
    const cmp = compareEngines(body, new Uint8Array(16));
    expect(cmp.verdict).toBe("mismatch");
    expect(cmp.detail).toMatch(/memory differs from byte \d/);
  });

  it("reports a program the verifier rejects as rejected, not as a mismatch", () => {
    const cmp = compareEngines([build.alu64Imm(0, 7, 1), build.exit()], new Uint8Array(0));
    expect(cmp.verdict).toBe("rejected");
  });

  it("writes a failure as a replayable JSON regression case", () => {
    const dir = mkdtempSync(join(tmpdir(), "ebpf-ts-difftest-"));
    try {
      const body = [build.stx(BPF_DW, 1, 1, 0), build.mov64Imm(0, 3), build.exit()];
      const memory = new Uint8Array(16);
      const file = writeFailure(dir, 7, body, memory, compareEngines(body, memory));
      const rec = JSON.parse(readFileSync(file, "utf8"));
      expect(rec.seed).toBe(7);
      expect(rec.instructions).toHaveLength(3);
      expect(rec.kernel.retval).toBe(3);
      const replay = execute(rec.instructions, { memory: Uint8Array.from(Buffer.from(rec.memory, "hex")) });
      expect(`0x${replay.r0.toString(16)}`).toBe(rec.interpreter.r0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const corpus = defaultConformanceDir();
  it.skipIf(!existsSync(corpus))("every conformance case the kernel runs agrees with the interpreter", async () => {
    const assemble = await loadAssembler();
    if (!assemble) {
      console.warn("conformance part of the difftest skipped: src/asm has no assemble() yet");
      return;
    }
    const r = runConformance(corpus, assemble);
    expect(r.failed).toEqual([]);
    expect(r.run).toBeGreaterThan(200);
    console.info(`conformance: ${r.run} of ${r.total} run in both engines, ${r.skipped.length} skipped`);
  });
});
