/**
 * Differential tests against the kernel: our kernel format must print exactly what
 * `bpftool prog dump xlated` prints for the same (raw xlated) instructions, and what the
 * verifier log prints; and both texts must assemble back. Needs root, bpffs, clang and bpftool.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { assemble, disassemble } from "../../src/asm/index.js";
import { decode, type Instruction } from "../../src/isa/index.js";
import * as O from "../../src/isa/opcodes.js";
import { fields } from "./forms.js";

const FIXTURES = fileURLToPath(new URL("fixtures", import.meta.url));

function missing(): string | undefined {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return "needs root on Linux";
  if (!existsSync("/sys/fs/bpf")) return "needs bpffs at /sys/fs/bpf";
  for (const tool of ["clang", "bpftool"]) {
    if (spawnSync(tool, ["--version"]).error) return `needs ${tool}`;
  }
  return undefined;
}

const reason = missing();
if (reason) console.warn(`kernel differential tests skipped: ${reason}`);

function run(cmd: string, args: string[]): { status: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return { status: r.status ?? -1, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

function compile(dir: string, name: string, cpu: string): string {
  const obj = join(dir, name.replace(/\.c$/, ".o"));
  const r = run("clang", ["-O2", "-g", "-target", "bpf", `-mcpu=${cpu}`, "-I/usr/include/x86_64-linux-gnu", "-c", join(FIXTURES, name), "-o", obj]);
  if (r.status !== 0) throw new Error(`clang failed: ${r.out}`);
  return obj;
}

/** Kernel symbols by address, as bpftool uses them to name helper calls in xlated dumps. */
function kallsyms(): { base: bigint; byAddr: Map<bigint, string> } {
  const byAddr = new Map<bigint, string>();
  let base = 0n;
  for (const line of readFileSync("/proc/kallsyms", "utf8").split("\n")) {
    const [addr, , name] = line.split(/\s+/);
    if (!addr || !name) continue;
    const a = BigInt("0x" + addr);
    if (name === "__bpf_call_base") base = a;
    if (a !== 0n && !byAddr.has(a)) byAddr.set(a, name);
  }
  return { base, byAddr };
}

/** Instruction lines of a listing, without the verifier's `; state` tail. */
const insnLines = (text: string): string[] =>
  text
    .split("\n")
    .filter((l) => /^\s*\d+: \(/.test(l))
    .map((l) => l.replace(/\s*;.*$/, ""));

/** bpftool names a jited subprogram call `call pc+5#bpf_prog_<tag>_<name>`; the name is not in the bytes. */
const dropCallSymbol = (l: string): string => l.replace(/(call pc[+-]\d+)#\S+/, "$1");

describe.skipIf(reason !== undefined)("kernel text matches bpftool and the verifier", () => {
  const syms = reason ? undefined : kallsyms();

  for (const [src, cpu] of [
    ["xdp_counter.c", "v2"],
    ["socket_v3.c", "v3"],
  ] as const) {
    it(`bpftool prog dump xlated of ${src} (-mcpu=${cpu})`, () => {
      const dir = mkdtempSync(join(tmpdir(), "ebpf-asm-"));
      const pin = `/sys/fs/bpf/ebpf_ts_asm_${process.pid}_${src.replace(/\W/g, "_")}`;
      try {
        const obj = compile(dir, src, cpu);
        const load = run("bpftool", ["prog", "load", obj, pin]);
        expect(load.status, load.out).toBe(0);
        const text = run("bpftool", ["prog", "dump", "xlated", "pinned", pin]).out;
        const rawFile = join(dir, "xlated.bin");
        expect(run("bpftool", ["prog", "dump", "xlated", "pinned", pin, "file", rawFile]).status).toBe(0);
        const raw = decode(new Uint8Array(readFileSync(rawFile)));

        // Our kernel format of the xlated bytes, naming helpers the way bpftool does.
        const ours = disassemble(raw, {
          format: "kernel",
          xlated: true,
          symbolize: (insn) => {
            if (insn.op !== O.OP_CALL) return undefined;
            if (insn.src === O.BPF_PSEUDO_CALL) return insn.off >= 0 ? `+${insn.off}` : `${insn.off}`;
            const addr = syms!.base + BigInt(insn.imm);
            return syms!.byAddr.get(addr) ?? `0x${addr.toString(16)}`;
          },
        });
        const theirs = insnLines(text).map(dropCallSymbol);
        expect(theirs.length).toBeGreaterThan(10);
        expect(insnLines(ours)).toEqual(theirs);

        // bpftool's whole listing (signatures, source comments) assembles back to the xlated bytes.
        const back = assemble(text).map(fields);
        const want = raw.map((i): Instruction => {
          const f = fields(i);
          // The text of a jited local call shows its relative offset (kept in off), not the subprog index in imm.
          if (f.op === O.OP_CALL && f.src === O.BPF_PSEUDO_CALL) return { ...f, imm: f.off, off: 0 };
          // Inlined kernel functions print by symbol name; unknown names read back as kfunc calls.
          return f;
        });
        const normalize = (i: Instruction): Instruction => (i.op === O.OP_CALL && i.src === O.BPF_PSEUDO_KFUNC_CALL ? { ...i, src: 0 } : i);
        expect(back.map(normalize)).toEqual(want);
      } finally {
        rmSync(pin, { force: true });
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("a verifier log pastes back in and prints the same instruction lines", () => {
    const dir = mkdtempSync(join(tmpdir(), "ebpf-asm-"));
    const pin = `/sys/fs/bpf/ebpf_ts_asm_${process.pid}_bad`;
    try {
      const obj = compile(dir, "xdp_null_deref.c", "v2");
      const load = run("bpftool", ["-d", "prog", "load", obj, pin]);
      expect(load.status).not.toBe(0);
      const log = /-- BEGIN PROG LOAD LOG --\n([\s\S]*?)-- END PROG LOAD LOG --/.exec(load.out)?.[1];
      expect(log, load.out).toBeDefined();
      const insns = assemble(log!);
      const printed = insnLines(disassemble(insns, { format: "kernel" }));
      // Every instruction line of the log (the verifier may print a pc more than once) is ours, verbatim.
      const ourByPc = new Map(printed.map((l) => [l.split(":")[0]!.trim(), l.trim()]));
      const logLines = insnLines(log!)
        .map((l) => l.trim())
        .filter((l) => !/^\d+: [.0-9]{10} /.test(l));
      expect(logLines.length).toBeGreaterThan(10);
      for (const l of logLines) expect(ourByPc.get(l.split(":")[0]!)).toBe(l);
    } finally {
      rmSync(pin, { force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
