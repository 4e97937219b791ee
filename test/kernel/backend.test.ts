import { describe, expect, it } from "vitest";
import { build, BPF_W, BPF_DW } from "../../src/isa/index.js";
import { KernelBtf, KernelMap, KernelProgram, KernelUnavailableError, runInKernel } from "../../src/kernel/index.js";
import { resetNativeForTests } from "../../src/kernel/ffi.js";
import { noBpf } from "./support.js";

describe("without koffi", () => {
  it("every kernel call fails with one clear sentence, as a typed error", () => {
    resetNativeForTests(() => {
      throw new Error("Cannot find module 'koffi'");
    });
    try {
      let err: unknown;
      try {
        KernelMap.create({ type: "array", keySize: 4, valueSize: 4, maxEntries: 1 });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KernelUnavailableError);
      expect((err as KernelUnavailableError).code).toBe("ENOSYS");
      expect((err as Error).message).toBe("the kernel backend needs the optional dependency koffi, which is not installed (npm install koffi)");
    } finally {
      resetNativeForTests();
    }
  });
});

describe.skipIf(noBpf)("test runs and BTF-annotated loads", () => {
  it("passes ctx in and reads ctx out (sched_cls writing skb->mark)", () => {
    const insns = [build.mov64Imm(2, 42), build.stx(BPF_W, 1, 2, 8), build.mov64Imm(0, 0), build.exit()];
    using p = KernelProgram.load({ type: "sched_cls", instructions: insns });
    const ctx = new Uint8Array(192); // struct __sk_buff
    const r = p.testRun({ data: new Uint8Array(64), ctx });
    expect(r.ctxOut).toBeDefined();
    expect(new DataView(r.ctxOut!.buffer, r.ctxOut!.byteOffset).getUint32(8, true)).toBe(42);
  });

  it("the kernel engine runs a program value with its inputs", () => {
    // *(u64 *)(data + 0) = 0xff…; return data_end - data.
    const insns = [
      build.ldx(BPF_W, 2, 1, 0),
      build.ldx(BPF_W, 3, 1, 4),
      build.mov64Reg(4, 2),
      build.alu64Imm(0x00, 4, 8),
      build.jmpReg(0x20 /* JGT */, 4, 3, 3),
      build.mov64Imm(5, -1),
      build.stx(BPF_DW, 2, 5, 0),
      build.mov64Reg(0, 3),
      build.alu64Reg(0x10 /* SUB */, 0, 2),
      build.exit(),
    ];
    // The jump skips to "r0 = r3" when the packet is short; with 20 bytes it is not.
    insns[4] = build.jmpReg(0x20, 4, 3, 2);
    const r = runInKernel({ instructions: insns, type: "xdp" }, { data: new Uint8Array(20), repeat: 2 });
    expect(r.retval).toBe(20);
    expect(Array.from(r.dataOut.subarray(0, 9))).toEqual([255, 255, 255, 255, 255, 255, 255, 255, 0]);
    expect(r.durationNs).toBeGreaterThanOrEqual(0);
  });

  it("loads with prog_btf_fd, func_info and line_info", () => {
    const { btf, funcInfo, lineInfo } = annotatedBtf();
    using b = KernelBtf.load(btf);
    using p = KernelProgram.load({
      type: "socket_filter",
      instructions: [build.mov64Imm(0, 0), build.exit()],
      btf: b,
      funcInfo: { recordSize: 8, count: 1, data: funcInfo },
      lineInfo: { recordSize: 16, count: 1, data: lineInfo },
      name: "annotated",
    });
    expect(p.info().btfId).toBe(b.info().id);
  });

  it("a bad func_info is rejected with the verifier's reason", () => {
    const { btf, funcInfo } = annotatedBtf();
    using b = KernelBtf.load(btf);
    const bad = funcInfo.slice();
    new DataView(bad.buffer).setUint32(4, 1, true); // type 1 is an int, not a FUNC
    expect(() =>
      KernelProgram.load({ type: "socket_filter", instructions: [build.mov64Imm(0, 0), build.exit()], btf: b, funcInfo: { recordSize: 8, count: 1, data: bad } }),
    ).toThrowError(expect.objectContaining({ code: "EINVAL", log: expect.stringMatching(/invalid type id 1 in func info/) }));
  });
});

/** BTF with int, a func proto returning int and a FUNC "prog"; func_info and line_info for insn 0. */
function annotatedBtf(): { btf: Uint8Array; funcInfo: Uint8Array; lineInfo: Uint8Array } {
  const strings = new TextEncoder().encode("\0int\0prog\0prog.c\0return 0;\0");
  const words = [
    1, 0x01000000, 4, (1 << 24) | 32, // [1] int
    0, 0x0d000000, 1, // [2] FUNC_PROTO, no params, returns [1]
    5, 0x0c000000, 2, // [3] FUNC "prog" (static) of type [2]
  ];
  const types = new Uint8Array(words.length * 4);
  words.forEach((w, i) => new DataView(types.buffer).setUint32(i * 4, w >>> 0, true));
  const btf = new Uint8Array(24 + types.length + strings.length);
  const h = new DataView(btf.buffer);
  h.setUint16(0, 0xeb9f, true);
  h.setUint8(2, 1);
  h.setUint32(4, 24, true);
  h.setUint32(12, types.length, true);
  h.setUint32(16, types.length, true);
  h.setUint32(20, strings.length, true);
  btf.set(types, 24);
  btf.set(strings, 24 + types.length);
  const funcInfo = new Uint8Array(8);
  new DataView(funcInfo.buffer).setUint32(4, 3, true); // insn 0 → type [3]
  const lineInfo = new Uint8Array(16);
  const l = new DataView(lineInfo.buffer);
  l.setUint32(4, 10, true); // file "prog.c"
  l.setUint32(8, 17, true); // line "return 0;"
  l.setUint32(12, (3 << 10) | 5, true); // line 3, column 5
  return { btf, funcInfo, lineInfo };
}
