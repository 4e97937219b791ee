import { describe, expect, it } from "vitest";
import { execute } from "../../src/vm/index.js";
import { build as b, BPF_ADD, BPF_JNE, BPF_DW } from "../../src/isa/index.js";

describe("interpreter smoke", () => {
  it("loops and sums", () => {
    const prog = [b.mov64Imm(0, 0), b.mov64Imm(1, 0), b.alu64Reg(BPF_ADD, 0, 1), b.alu64Imm(BPF_ADD, 1, 1), b.jmpImm(BPF_JNE, 1, 1000, -3), b.exit()];
    expect(execute(prog).r0).toBe(499500n);
  });
  it("stack round trip", () => {
    const r = execute([b.ldImm64(0, 0x123456789abcdef0n), b.stx(BPF_DW, 10, 0, -8), b.mov64Imm(0, 0), b.ldx(BPF_DW, 0, 10, -8), b.exit()]);
    expect(r.r0).toBe(0x123456789abcdef0n);
  });
});
