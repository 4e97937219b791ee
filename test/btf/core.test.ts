import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CORE_POISON_IMM, essentialNameLen, parseBtf, relocateObjectCore } from "../../src/btf/index.js";
import { loadObject } from "../../src/elf/index.js";
import { FIXTURES, hasBpftool, hasVmlinux, VMLINUX } from "./oracle.js";

const isRoot = process.getuid?.() === 0;

/** libbpf's CO-RE decisions for an object, from `bpftool -d prog load` (logged before verification). */
function libbpfCoreLog(obj: string): string[] {
  const pin = `/sys/fs/bpf/ebpf_ts_core_${process.pid}`;
  const r = spawnSync("bpftool", ["-d", "prog", "load", obj, pin], { encoding: "utf8" });
  rmSync(pin, { force: true });
  const out: string[] = [];
  for (const line of r.stderr.split("\n")) {
    let m = /prog '([^']+)': relo #(\d+): patched insn #(\d+) \([^)]*\) (imm|off|imm64) (-?\d+) -> (-?\d+)/.exec(line);
    if (m) {
      out.push(`${m[1]} #${m[2]} insn ${m[3]} ${m[4]} ${m[5]} -> ${m[6]}`);
      continue;
    }
    m = /prog '([^']+)': relo #(\d+): substituting insn #(\d+) w\/ invalid insn/.exec(line);
    if (m) out.push(`${m[1]} #${m[2]} insn ${m[3]} poisoned`);
  }
  return out;
}

describe("CO-RE", () => {
  it("strips ___flavor suffixes like libbpf", () => {
    expect(essentialNameLen("task_struct___old")).toBe("task_struct".length);
    expect(essentialNameLen("a___b___c")).toBe("a___b".length);
    expect(essentialNameLen("____x")).toBe(5);
    expect(essentialNameLen("plain")).toBe(5);
  });

  describe.skipIf(!hasVmlinux)("against the running kernel's BTF", () => {
    const spec = loadObject(new Uint8Array(readFileSync(join(FIXTURES, "core.o"))));
    const target = parseBtf(new Uint8Array(readFileSync(VMLINUX)));
    const { programs, outcomes } = relocateObjectCore(spec, target);

    it("covers every relocation kind clang 14 emits, with poisoning", () => {
      const kinds = new Set(outcomes.map((o) => o.kind));
      for (const k of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) expect(kinds.has(k)).toBe(true);
      const poisoned = outcomes.filter((o) => o.poisoned);
      expect(poisoned.length).toBe(1);
      const insn = programs[0]!.instructions.find((_, i, a) => {
        let slot = 0;
        for (let j = 0; j < i; j++) slot += a[j]!.op === 0x18 ? 2 : 1;
        return slot === poisoned[0]!.insnOff;
      });
      expect(insn).toMatchObject({ op: 0x85, imm: CORE_POISON_IMM });
      expect(spec.programs[0]!.instructions).not.toBe(programs[0]!.instructions);
    });

    it.skipIf(!hasBpftool || !isRoot)("produces exactly libbpf's patches (bpftool -d prog load)", () => {
      const want = libbpfCoreLog(join(FIXTURES, "core.o"));
      expect(want.length).toBeGreaterThan(20);
      const got = outcomes.map((o) =>
        o.poisoned ? `${o.program} #${o.relo} insn ${o.insnOff} poisoned` : `${o.program} #${o.relo} insn ${o.insnOff} ${o.field} ${o.before} -> ${o.after}`,
      );
      expect(got).toEqual(want);
    });
  });
});
