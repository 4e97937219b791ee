import { describe, expect, it } from "vitest";
import { baseHelpers } from "../../src/helpers/base.js";
import { csumFold, csumPartial } from "../../src/helpers/csum.js";
import { HelperRegistry } from "../../src/helpers/registry.js";
import { ManualClock } from "../../src/helpers/time.js";
import { bpfFormat, TraceSink } from "../../src/helpers/trace.js";
import * as B from "../../src/isa/build.js";
import * as O from "../../src/isa/opcodes.js";
import { AddressSpace, createImage, Interpreter } from "../../src/vm/index.js";

function run(insns: Parameters<typeof createImage>[0], opts: Parameters<typeof baseHelpers>[0] = {}): bigint {
  const r = new HelperRegistry();
  for (const h of baseHelpers({ seed: 1, ...opts })) r.register(h);
  return new Interpreter(new AddressSpace(), r).run(createImage(insns), { context: { cpu: 3 } }).r0;
}

describe("base helpers", () => {
  it("clock, cpu, task", () => {
    const clock = new ManualClock(5000n);
    expect(run([B.callHelper(5), B.exit()], { clock })).toBe(5000n);
    expect(run([B.callHelper(8), B.exit()])).toBe(3n);
    expect(run([B.callHelper(14), B.exit()], { task: { pid: 7, tgid: 9, uid: 1, gid: 2, comm: "x" } })).toBe((9n << 32n) | 7n);
  });

  it("probe_read faults give -EFAULT and a zeroed destination", () => {
    const prog = [B.st(O.BPF_DW, 10, -8, -1), B.mov64Reg(1, 10), B.alu64Imm(O.BPF_ADD, 1, -8), B.mov64Imm(2, 8), B.mov64Imm(3, 16), B.callHelper(113), B.ldx(O.BPF_DW, 1, 10, -8), B.alu64Reg(O.BPF_ADD, 0, 1), B.exit()];
    expect(BigInt.asIntN(64, run(prog))).toBe(-14n);
  });

  it("trace_printk formats like the kernel and rejects bad formats", () => {
    const read = () => undefined;
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(bpfFormat(enc("a=%d b=%u c=%x %lld %5d|%-3d|%05d %%"), [0xffffffffn, 0xffffffffn, 255n, 0xffffffffffffffffn, 42n, 1n, -7n & 0xffffffffn], read)).toBe("a=-1 b=4294967295 c=ff -1    42|1  |-0007 %");
    expect(bpfFormat(enc("%d %d %d %d"), [1n, 2n, 3n], read)).toBe(-22);
    expect(bpfFormat(enc("%.2d"), [1n], read)).toBe(-22);
    expect(bpfFormat(enc("%hd"), [1n], read)).toBe(-22);
    expect(bpfFormat(enc("%pI4"), [0n], (_a, n) => new Uint8Array([10, 0, 0, 1].slice(0, n)))).toBe("10.0.0.1");
    const sink = new TraceSink();
    // "hi %d\n" on the stack, then trace_printk(fmt, 7, 42)
    const prog = [B.ldImm64(1, 0x0a6425206968n), B.stx(O.BPF_DW, 10, 1, -8), B.mov64Reg(1, 10), B.alu64Imm(O.BPF_ADD, 1, -8), B.mov64Imm(2, 7), B.mov64Imm(3, 42), B.callHelper(6), B.exit()];
    expect(run(prog, { trace: sink })).toBe(6n);
    expect(sink.lines[0]!.message).toBe("hi 42\n");
    expect(sink.lines[0]!.line).toMatch(/\[003\] .*bpf_trace_printk: hi 42$/);
  });

  it("checksums", () => {
    // RFC 1071 example bytes: 00 01 f2 03 f4 f5 f6 f7 → sum 0xddf2 (big-endian), fold complement 0x220d
    const b = new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
    const le = csumFold(csumPartial(b, 0, 8, 0));
    expect(((le & 0xff) << 8) | (le >> 8)).toBe(0x220d);
  });

  it("strtol / strtoul / strncmp", () => {
    // "  -0x1f" parsed with base 0 → -31, 7 chars consumed
    const str = [B.ldImm64(1, 0x66317830_2d2020n), B.stx(O.BPF_DW, 10, 1, -16), B.mov64Reg(1, 10), B.alu64Imm(O.BPF_ADD, 1, -16), B.mov64Imm(2, 7), B.mov64Imm(3, 0), B.mov64Reg(4, 10), B.alu64Imm(O.BPF_ADD, 4, -8)];
    expect(run([...str, B.callHelper(105), B.ldx(O.BPF_DW, 1, 10, -8), B.alu64Imm(O.BPF_LSH, 0, 32), B.alu64Reg(O.BPF_ADD, 1, 0), B.mov64Reg(0, 1), B.exit()])).toBe(BigInt.asUintN(64, (7n << 32n) - 31n));
    expect(BigInt.asIntN(64, run([...str, B.callHelper(106), B.exit()]))).toBe(-22n);
  });
});
