import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { assemble, assembleBytes, disassemble } from "../../src/asm/index.js";
import { encode, toHex } from "../../src/isa/index.js";
import { fields } from "./forms.js";

/** Hex of what a single statement (or program) assembles to. */
const hex = (text: string, dialect?: "auto" | "kernel" | "ubpf"): string => toHex(assembleBytes(text, dialect ? { dialect } : {}), " ");

describe("kernel/LLVM dialect", () => {
  const cases: [string, string][] = [
    ["r0 = 1", "b7 00 00 00 01 00 00 00"],
    ["w1 += w2", "0c 21 00 00 00 00 00 00"],
    ["r1 = -r1", "87 01 00 00 00 00 00 00"],
    ["w1 = -w1", "84 01 00 00 00 00 00 00"],
    ["r1 s/= r2", "3f 21 01 00 00 00 00 00"],
    ["r1 s%= 3", "97 01 01 00 03 00 00 00"],
    ["w1 s/= w2", "3c 21 01 00 00 00 00 00"],
    ["r1 s>>= 3", "c7 01 00 00 03 00 00 00"],
    ["r1 = (s8)r2", "bf 21 08 00 00 00 00 00"],
    ["r1 = (s16)r2", "bf 21 10 00 00 00 00 00"],
    ["r1 = (s32)r2", "bf 21 20 00 00 00 00 00"],
    ["w1 = (s8)w2", "bc 21 08 00 00 00 00 00"],
    ["r1 = be16 r1", "dc 01 00 00 10 00 00 00"],
    ["r1 = le64 r1", "d4 01 00 00 40 00 00 00"],
    ["r1 = bswap32 r1", "d7 01 00 00 20 00 00 00"],
    ["r1 = 0x1122334455667788 ll", "18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11"],
    ["r1 = 1234605616436508552 ll", "18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11"],
    ["r1 = -1 ll", "18 01 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff"],
    ["r1 = 0x100000000", "18 01 00 00 00 00 00 00 00 00 00 00 01 00 00 00"],
    ["r1 = 0xffffffff", "b7 01 00 00 ff ff ff ff"],
    ["(18) r1 = 0xffffffff", "18 01 00 00 ff ff ff ff 00 00 00 00 00 00 00 00"],
    ["r1 = map[id:5]", "18 11 00 00 05 00 00 00 00 00 00 00 00 00 00 00"],
    ["r1 = map[id:5][0]+8", "18 21 00 00 05 00 00 00 00 00 00 00 08 00 00 00"],
    ["r1 = map[idx:2]", "18 51 00 00 02 00 00 00 00 00 00 00 00 00 00 00"],
    ["r1 = map[idx:2]+16", "18 61 00 00 02 00 00 00 00 00 00 00 10 00 00 00"],
    ["r1 = subprog[+3]", "18 41 00 00 03 00 00 00 00 00 00 00 00 00 00 00"],
    ["ld_pseudo r1, 3, 100", "18 31 00 00 64 00 00 00 00 00 00 00 00 00 00 00"],
    ["if r1 > r2 goto +3", "2d 21 03 00 00 00 00 00"],
    ["if w1 s< 5 goto -2", "c6 01 fe ff 05 00 00 00"],
    ["if r1 & 0x4 goto +1", "45 01 01 00 04 00 00 00"],
    ["if r0 == 0x0 goto pc+1", "15 00 01 00 00 00 00 00"],
    ["if r1 != 0xffffffff goto pc-3", "55 01 fd ff ff ff ff ff"],
    ["goto +5", "05 00 05 00 00 00 00 00"],
    ["goto pc-1", "05 00 ff ff 00 00 00 00"],
    ["gotol +70000", "06 00 00 00 70 11 01 00"],
    ["may_goto pc+2", "e5 00 02 00 00 00 00 00"],
    ["*(u32 *)(r10 - 4) = r1", "63 1a fc ff 00 00 00 00"],
    ["*(u32 *)(r10 -4) = r1", "63 1a fc ff 00 00 00 00"],
    ["*(u32 *)(r10 - 4) = w1", "63 1a fc ff 00 00 00 00"],
    ["*(u64 *)(r1 + 8) = 7", "7a 01 08 00 07 00 00 00"],
    ["*(u8 *)(r1 +0) = -1", "72 01 00 00 ff ff ff ff"],
    ["r0 = *(u8 *)(r1 + 2)", "71 10 02 00 00 00 00 00"],
    ["w0 = *(u16 *)(r1 + 2)", "69 10 02 00 00 00 00 00"],
    ["r0 = *(s16 *)(r1 + 2)", "89 10 02 00 00 00 00 00"],
    ["r0 = *(u64 *)(r1 +0x10)", "79 10 10 00 00 00 00 00"],
    ["lock *(u64 *)(r1 + 0) += r2", "db 21 00 00 00 00 00 00"],
    ["lock *(u32 *)(r1 +0) += r2", "c3 21 00 00 00 00 00 00"],
    ["lock *(u32 *)(r1 +0) ^= w2", "c3 21 00 00 a0 00 00 00"],
    ["r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)", "db 01 00 00 01 00 00 00"],
    ["r0 = atomic64_fetch_add((u64 *)(r1 +0), r0)", "db 01 00 00 01 00 00 00"],
    ["w3 = atomic_fetch_or((u32 *)(r1 - 8), w3)", "c3 31 f8 ff 41 00 00 00"],
    ["r0 = xchg_64(r1 + 0, r0)", "db 01 00 00 e1 00 00 00"],
    ["w2 = xchg32_32(r1 + 4, w2)", "c3 21 04 00 e1 00 00 00"],
    ["r2 = atomic64_xchg((u64 *)(r1 +4), r2)", "db 21 04 00 e1 00 00 00"],
    ["r0 = cmpxchg_64(r1 + 0, r0, r2)", "db 21 00 00 f1 00 00 00"],
    ["w0 = cmpxchg32_32(r1 + 0, w0, w2)", "c3 21 00 00 f1 00 00 00"],
    ["r0 = atomic_cmpxchg((u32 *)(r1 +0), r0, r2)", "c3 21 00 00 f1 00 00 00"],
    ["r0 = load_acquire((u64 *)(r1 +8))", "db 10 08 00 00 01 00 00"],
    ["store_release((u16 *)(r1 -8), r2)", "cb 21 f8 ff 10 01 00 00"],
    ["r1 = addr_space_cast(r2, 0, 1)", "bf 21 01 00 01 00 00 00"],
    ["call bpf_map_lookup_elem", "85 00 00 00 01 00 00 00"],
    ["call bpf_map_lookup_elem#1", "85 00 00 00 01 00 00 00"],
    ["call map_lookup_elem", "85 00 00 00 01 00 00 00"],
    ["call map_lookup_elem\nmap_lookup_elem: exit", "85 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00"],
    ["call 1", "85 00 00 00 01 00 00 00"],
    ["call unknown#5000", "85 00 00 00 88 13 00 00"],
    ["call pc+3", "85 10 00 00 03 00 00 00"],
    ["call kernel-function#77", "85 20 00 00 4d 00 00 00"],
    ["call bpf_obj_new_impl#77@2", "85 20 02 00 4d 00 00 00"],
    ["callx r2", "8d 02 00 00 00 00 00 00"],
    ["exit", "95 00 00 00 00 00 00 00"],
    ["r0 = *(u8 *)skb[12]", "30 00 00 00 0c 00 00 00"],
    ["r0 = *(u16 *)skb[r1 + 4]", "48 10 00 00 04 00 00 00"],
    ["r0 = *(u32 *)skb[r1 + -4]", "40 10 00 00 fc ff ff ff"],
    ["r0 = *(u16 *)skb[r1]", "48 10 00 00 00 00 00 00"],
  ];
  for (const [text, want] of cases) {
    it(text, () => expect(hex(text)).toBe(want));
  }

  it("labels, local calls and subprogram addresses", () => {
    const insns = assemble(["start:", "  call func", "  r1 = subprog[func]", "  goto out", "func: r0 = 1", "out:", "  exit"].join("\n"));
    expect(insns.map(fields)).toEqual(
      assemble("call pc+3\nr1 = subprog[+2]\ngoto +1\nr0 = 1\nexit").map(fields),
    );
    expect(insns[0]!.meta?.symbol).toBe("start");
    expect(insns[3]!.meta?.symbol).toBe("func");
    expect(insns[3]!.meta?.source).toEqual({ line: 5, column: 7, text: "r0 = 1" });
  });

  it("an lddw of a symbol is left for relocation", () => {
    const [i] = assemble("r1 = my_map ll");
    expect(fields(i!)).toEqual({ op: 0x18, dst: 1, src: 0, off: 0, imm: 0, imm2: 0 });
    expect(i!.meta?.reference).toBe("my_map");
  });

  it("reads a verifier log back, with pcs, annotations, state comments and revisited paths", () => {
    const log = [
      "func#0 @0",
      "0: R1=ctx() R10=fp0",
      "; int prog(struct xdp_md *ctx) { @ x.c:5",
      "0: (bf) r6 = r1                       ; R1=ctx() R6=ctx()",
      "1: (18) r1 = 0xffff88810434a400       ; R1=map_ptr(map=m,ks=4,vs=8)",
      "3: (15) if r6 == 0x0 goto pc+1",
      "5: (95) exit",
      "from 3 to 4: R6=ctx()",
      "4: (b7) r0 = 2                        ; R0=2",
      "5: (95) exit",
      "processed 6 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
    ].join("\n");
    expect(hex(log)).toBe(
      "bf 16 00 00 00 00 00 00 18 01 00 00 00 a4 34 04 00 00 00 00 81 88 ff ff 15 06 01 00 00 00 00 00 b7 00 00 00 02 00 00 00 95 00 00 00 00 00 00 00",
    );
  });

  it("reads bpftool and llvm-objdump listings back", () => {
    const xlated = ["int prog(struct xdp_md * ctx):", "; return 0;", "   0: (b7) r0 = 0", "       b7 00 00 00 00 00 00 00", "   1: (95) exit"].join("\n");
    const insns = assemble(xlated);
    expect(toHex(encode(insns), " ")).toBe("b7 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00");
    expect(insns[0]!.meta?.symbol).toBe("prog");
    const objdump = [
      "x.o:\tfile format elf64-bpf",
      "",
      "Disassembly of section xdp:",
      "",
      "0000000000000000 <prog>:",
      "       0:\tb7 00 00 00 00 00 00 00\tr0 = 0",
      "       1:\t05 00 00 00 00 00 00 00\tgoto +0 <LBB0_1>",
      "       2:\t95 00 00 00 00 00 00 00\texit",
    ].join("\n");
    expect(hex(objdump)).toBe("b7 00 00 00 00 00 00 00 05 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00");
  });

  it("comments in every style", () => {
    expect(hex("r0 = 1 // one\nr0 += 2 # two\n# whole line\n; whole line\nr0 += /* inline */ 3 ; three\nexit")).toBe(
      "b7 00 00 00 01 00 00 00 07 00 00 00 02 00 00 00 07 00 00 00 03 00 00 00 95 00 00 00 00 00 00 00",
    );
  });

  it("big-endian output", () => {
    expect(toHex(assembleBytes("r1 = 0x1122334455667788 ll\nr1 += r2", { bigEndian: true }), " ")).toBe(
      "18 10 00 00 55 66 77 88 00 00 00 00 11 22 33 44 0f 12 00 00 00 00 00 00",
    );
  });
});

describe("bpf_conformance/ubpf dialect", () => {
  const cases: [string, string][] = [
    ["mov %r0, 1", "b7 00 00 00 01 00 00 00"],
    ["mov32 %r0, 1", "b4 00 00 00 01 00 00 00"],
    ["mov64 %r0, %r1", "bf 10 00 00 00 00 00 00"],
    ["add %r1, %r2", "0f 21 00 00 00 00 00 00"],
    ["add32 %r0, -3", "04 00 00 00 fd ff ff ff"],
    ["neg %r1", "87 01 00 00 00 00 00 00"],
    ["neg32 %r1", "84 01 00 00 00 00 00 00"],
    ["sdiv %r1, %r2", "3f 21 01 00 00 00 00 00"],
    ["smod32 %r1, 3", "94 01 01 00 03 00 00 00"],
    ["be16 %r1", "dc 01 00 00 10 00 00 00"],
    ["le32 %r1", "d4 01 00 00 20 00 00 00"],
    ["bswap64 %r1", "d7 01 00 00 40 00 00 00"],
    ["swap16 %r1", "d7 01 00 00 10 00 00 00"],
    ["movsx864 %r0, %r1", "bf 10 08 00 00 00 00 00"],
    ["movsx1632 %r0, %r1", "bc 10 10 00 00 00 00 00"],
    ["movsx3264 %r0, %r1", "bf 10 20 00 00 00 00 00"],
    ["ldxw %r0, [%r1+4]", "61 10 04 00 00 00 00 00"],
    ["ldxdw %r0, [%r1]", "79 10 00 00 00 00 00 00"],
    ["ldxsb %r0, [%r1-1]", "91 10 ff ff 00 00 00 00"],
    ["stw [%r1-4], 7", "62 01 fc ff 07 00 00 00"],
    ["stxdw [%r10-8], %r0", "7b 0a f8 ff 00 00 00 00"],
    ["stb [%r1 + 0x10], 0xff", "72 01 10 00 ff 00 00 00"],
    ["lddw %r0, 0x123456789abcdef0", "18 00 00 00 f0 de bc 9a 00 00 00 00 78 56 34 12"],
    ["lddw %r0, -1", "18 00 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff"],
    ["jne %r0, 15, +3", "55 00 03 00 0f 00 00 00"],
    ["jeq32 %r1, %r2, +3", "1e 21 03 00 00 00 00 00"],
    ["jset %r1, 0x80000000, -1", "45 01 ff ff 00 00 00 80"],
    ["ja +5", "05 00 05 00 00 00 00 00"],
    ["ja32 +70000", "06 00 00 00 70 11 01 00"],
    ["lock add [%r1+0], %r2", "db 21 00 00 00 00 00 00"],
    ["lock fetch add32 [%r10-8], %r1", "c3 1a f8 ff 01 00 00 00"],
    ["lock xchg [%r10-8], %r1", "db 1a f8 ff e1 00 00 00"],
    ["lock cmpxchg32 [%r10-8], %r1", "c3 1a f8 ff f1 00 00 00"],
    ["lock fetch xor [%r10], %r3", "db 3a 00 00 a1 00 00 00"],
    ["call 5", "85 00 00 00 05 00 00 00"],
    ["call helper 5", "85 00 00 00 05 00 00 00"],
    ["call %r2", "8d 02 00 00 00 00 00 00"],
    ["call helper %r2", "8d 02 00 00 00 00 00 00"],
    ["callx %r3", "8d 03 00 00 00 00 00 00"],
    ["call runtime 0x2a", "85 20 00 00 2a 00 00 00"],
    ["call local +3", "85 10 00 00 03 00 00 00"],
    ["exit", "95 00 00 00 00 00 00 00"],
    ["ldabsh 12", "28 00 00 00 0c 00 00 00"],
    ["ldindw %r1, 4", "40 10 00 00 04 00 00 00"],
    ["mov r0, 1", "b7 00 00 00 01 00 00 00"],
  ];
  for (const [text, want] of cases) {
    it(text, () => expect(hex(text, "ubpf")).toBe(want));
  }

  it("labels, local calls and the implicit exit label", () => {
    const prog = ["  mov %r0, 0", "  jeq %r1, 0, exit", "  call local func1", "  ja done", "func1:", "  mov %r0, 2", "  exit", "done:", "  exit"].join("\n");
    expect(hex(prog)).toBe(
      hex("mov %r0, 0\njeq %r1, 0, +3\ncall local +1\nja +2\nmov %r0, 2\nexit\nexit"),
    );
  });

  it("mixes with kernel syntax line by line in auto mode", () => {
    expect(hex("mov %r0, 1\nr0 += 2\nexit")).toBe("b7 00 00 00 01 00 00 00 07 00 00 00 02 00 00 00 95 00 00 00 00 00 00 00");
  });

  const conformance = fileURLToPath(new URL("../../../shared/corpus/conformance", import.meta.url));
  it.skipIf(!existsSync(conformance))("assembles every bpf_conformance test and round-trips it through the ubpf format", () => {
    const files = readdirSync(conformance).filter((f) => f.endsWith(".data"));
    expect(files.length).toBeGreaterThan(100);
    let programs = 0;
    for (const f of files) {
      const text = readFileSync(join(conformance, f), "utf8");
      const m = /^-- asm\n([\s\S]*?)(?=^-- |(?![\s\S]))/m.exec(text);
      if (!m) continue;
      const insns = assemble(m[1]!, { file: f, dialect: "ubpf" });
      for (const format of ["ubpf", "kernel", "objdump"] as const) {
        const again = assemble(disassemble(insns, { format }), { file: `${f} (${format})` });
        expect(again.map(fields), `${f} via ${format}`).toEqual(insns.map(fields));
      }
      programs++;
    }
    expect(programs).toBeGreaterThan(100);
  });
});

describe("disassembler formats", () => {
  const prog = assemble(
    [
      "r0 = 0",
      "call bpf_map_lookup_elem",
      "r1 = 0x1122334455667788 ll",
      "r2 = r10",
      "r2 += -4",
      "if r0 == 0x0 goto pc+1",
      "*(u32 *)(r10 -4) = r1",
      "lock *(u32 *)(r1 +0) += r2",
      "r0 = atomic64_fetch_add((u64 *)(r1 +0), r0)",
      "r1 = le16 r1",
      "r1 = be32 r1",
      "r1 = bswap64 r1",
      "r1 = (s8)r2",
      "r1 s/= r2",
      "gotol pc+2",
      "call pc+3",
      "r1 = map[id:5]",
      "exit",
    ].join("\n"),
  );

  it("kernel format is the verifier log's text", () => {
    expect(disassemble(prog)).toBe(
      [
        "0: (b7) r0 = 0",
        "1: (85) call bpf_map_lookup_elem#1",
        "2: (18) r1 = 0x1122334455667788",
        "4: (bf) r2 = r10",
        "5: (07) r2 += -4",
        "6: (15) if r0 == 0x0 goto pc+1",
        "7: (63) *(u32 *)(r10 -4) = r1",
        "8: (c3) lock *(u32 *)(r1 +0) += r2",
        "9: (db) r0 = atomic64_fetch_add((u64 *)(r1 +0), r0)",
        "10: (d4) r1 = le16 r1",
        "11: (dc) r1 = be32 r1",
        "12: (d7) r1 = bswap64 r1",
        "13: (bf) r1 = (s8)r2",
        "14: (3f) r1 s/= r2",
        "15: (06) gotol pc+2",
        "16: (85) call pc+3",
        "17: (18) r1 = map[id:5]",
        "19: (95) exit",
        "",
      ].join("\n"),
    );
  });

  it("xlated layout and opcodes as bpftool prints them", () => {
    const out = disassemble(prog.slice(0, 3), { xlated: true, opcodes: true });
    expect(out).toBe(
      [
        "   0: (b7) r0 = 0",
        "       b7 00 00 00 00 00 00 00",
        "   1: (85) call bpf_map_lookup_elem#1",
        "       85 00 00 00 01 00 00 00",
        "   2: (18) r1 = 0x1122334455667788",
        "       18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11",
        "",
      ].join("\n"),
    );
  });

  it("objdump format with opcodes is llvm-objdump's layout", () => {
    expect(disassemble(prog.slice(0, 6), { format: "objdump", opcodes: true })).toBe(
      [
        "       0:\tb7 00 00 00 00 00 00 00\tr0 = 0",
        "       1:\t85 00 00 00 01 00 00 00\tcall 1",
        "       2:\t18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11\tr1 = 0x1122334455667788 ll",
        "       4:\tbf a2 00 00 00 00 00 00\tr2 = r10",
        "       5:\t07 02 00 00 fc ff ff ff\tr2 += -4",
        "       6:\t15 00 01 00 00 00 00 00\tif r0 == 0 goto +1",
        "",
      ].join("\n"),
    );
  });

  it("ubpf format", () => {
    expect(disassemble(prog.slice(0, 8), { format: "ubpf" })).toBe(
      [
        "mov %r0, 0",
        "call 1",
        "lddw %r1, 0x1122334455667788",
        "mov %r2, %r10",
        "add %r2, -4",
        "jeq %r0, 0, +1",
        "stxw [%r10-4], %r1",
        "lock add32 [%r1], %r2",
        "",
      ].join("\n"),
    );
  });

  it("symbolize names calls, jumps and constants", () => {
    const out = disassemble(assemble("call 1\nr1 = 0 ll\ngoto +0\nexit"), {
      format: "objdump",
      symbolize: (insn) => (insn.op === 0x85 ? "lookup" : insn.op === 0x18 ? "my_map" : insn.op === 0x05 ? "next" : undefined),
    });
    expect(out).toBe("call lookup\nr1 = my_map ll\ngoto next\nexit\n");
  });

  it("never throws on invalid instructions", () => {
    for (let op = 0; op < 256; op++) {
      for (const format of ["kernel", "objdump", "ubpf"] as const) {
        expect(() => disassemble([{ op, dst: 15, src: 15, off: -1, imm: 0x7fffffff, imm2: 1 }], { format, opcodes: true })).not.toThrow();
      }
    }
  });
});
