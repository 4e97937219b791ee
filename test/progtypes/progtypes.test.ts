import { describe, expect, it } from "vitest";
import { baseHelpers } from "../../src/helpers/base.js";
import { HelperRegistry } from "../../src/helpers/registry.js";
import * as B from "../../src/isa/build.js";
import * as O from "../../src/isa/opcodes.js";
import { checkContextAccesses, programType, programTypeForSection, PROGRAM_TYPES } from "../../src/progtypes/index.js";
import { runWithContext, testRun } from "../../src/progtypes/test-run.js";
import { AddressSpace, createImage, Interpreter } from "../../src/vm/index.js";

const engine = (): Interpreter => {
  const r = new HelperRegistry();
  for (const h of baseHelpers({ seed: 1 })) r.register(h);
  return new Interpreter(new AddressSpace(), r);
};

describe("program types", () => {
  it("names, numbers and sections", () => {
    expect(PROGRAM_TYPES.map((t) => [t.name, t.kernelType])).toContainEqual(["xdp", 6]);
    expect(programType("BPF_PROG_TYPE_SCHED_CLS").name).toBe("sched_cls");
    expect(programType(31).name).toBe("syscall");
    expect(programTypeForSection("tc/ingress")?.name).toBe("sched_cls");
    expect(programTypeForSection("kprobe/do_exit")?.name).toBe("kprobe");
    expect(() => programType("nope")).toThrow(/unknown/);
  });

  it("__sk_buff access rules with the kernel's message", () => {
    const sf = programType("socket_filter");
    expect(sf.checkAccess({ off: 0, size: 4, write: false })).toEqual({ ok: true, regType: "SCALAR_VALUE" });
    expect(sf.checkAccess({ off: 76, size: 4, write: false })).toEqual({ ok: false, message: "invalid bpf_context access off=76 size=4" });
    expect(sf.checkAccess({ off: 0, size: 4, write: true }).ok).toBe(false);
    expect(sf.checkAccess({ off: 48, size: 8, write: true }).ok).toBe(true);
    expect(sf.checkAccess({ off: 64, size: 8, write: true }).ok).toBe(false);
    const tc = programType("sched_cls");
    expect(tc.checkAccess({ off: 76, size: 4, write: false })).toEqual({ ok: true, regType: "PTR_TO_PACKET" });
    expect(tc.checkAccess({ off: 76, size: 2, write: false }).ok).toBe(false);
    expect(tc.checkAccess({ off: 17, size: 1, write: false }).ok).toBe(true);
    expect(tc.checkAccess({ off: 180, size: 1, write: false }).ok).toBe(true);
    expect(tc.checkAccess({ off: 88, size: 4, write: false }).ok).toBe(false);
    expect(programType("cgroup_skb").checkAccess({ off: 88, size: 4, write: false }).ok).toBe(true);
    const x = programType("xdp");
    expect(x.checkAccess({ off: 4, size: 4, write: false })).toEqual({ ok: true, regType: "PTR_TO_PACKET_END" });
    expect(x.checkAccess({ off: 20, size: 4, write: false }).ok).toBe(false);
    expect(x.checkAccess({ off: 20, size: 4, write: false, attachType: "xdp_devmap" }).ok).toBe(true);
    expect(programType("kprobe").checkAccess({ off: 160, size: 8, write: false }).ok).toBe(true);
    expect(programType("tracepoint").checkAccess({ off: 4, size: 4, write: false }).ok).toBe(false);
  });

  it("load-time context checks follow copies and spills and reject like the verifier", () => {
    const xdp = programType("xdp");
    const ok = checkContextAccesses([B.mov64Reg(6, 1), B.stx(O.BPF_DW, 10, 6, -8), B.ldx(O.BPF_DW, 2, 10, -8), B.ldx(O.BPF_W, 0, 2, 4), B.exit()], xdp);
    expect(ok.maxCtxOffset).toBe(8);
    expect(() => checkContextAccesses([B.stx(O.BPF_W, 1, 2, 0), B.exit()], xdp)).toThrow("invalid bpf_context access off=0 size=4");
    expect(() => checkContextAccesses([B.st(O.BPF_W, 1, 0, 0), B.exit()], xdp)).toThrow("BPF_ST stores into R1 ctx is not allowed");
    expect(() => checkContextAccesses([B.alu64Imm(O.BPF_ADD, 1, 4), B.ldx(O.BPF_W, 0, 1, 0), B.exit()], xdp)).toThrow("dereference of modified ctx ptr R1 off=4 disallowed");
    expect(() => checkContextAccesses([B.mov64Reg(6, 1), B.ldAbs(O.BPF_B, 0), B.exit()], programType("cgroup_skb"))).toThrow("BPF_LD_[ABS|IND] instructions not allowed for this program type");
    expect(() => checkContextAccesses([B.callHelper(9), B.exit()], xdp)).toThrow("program of this type cannot use helper bpf_skb_store_bytes#9");
  });

  it("test-run rules per type", () => {
    const ret = createImage([B.mov64Imm(0, 1), B.exit()]);
    expect(() => testRun(engine(), ret, "kprobe", {})).toThrow(expect.objectContaining({ code: "ENOTSUPP" }));
    expect(() => testRun(engine(), ret, "sched_cls", { dataIn: new Uint8Array(13) })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => testRun(engine(), ret, "sched_cls", { dataIn: new Uint8Array(3713) })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => testRun(engine(), ret, "socket_filter", { dataIn: new Uint8Array(20), ctxIn: new Uint8Array(193).fill(1, 192) })).toThrow(expect.objectContaining({ code: "E2BIG" }));
    expect(() => testRun(engine(), ret, "xdp", { dataIn: new Uint8Array(20), flags: 4 })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(testRun(engine(), ret, "xdp", { dataIn: new Uint8Array(20), repeat: 5 }).retval).toBe(1);
    // raw_tp: ctx must cover what the program reads; syscall copies ctx back
    const rd = createImage([B.ldx(O.BPF_DW, 0, 1, 8), B.exit()]);
    expect(() => testRun(engine(), rd, "raw_tracepoint", { ctxIn: new Uint8Array(8) })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(testRun(engine(), rd, "raw_tracepoint", { ctxIn: new Uint8Array(16).fill(2) }).retval).toBe(0x02020202);
    const wr = createImage([B.mov64Imm(2, 7), B.stx(O.BPF_W, 1, 2, 0), B.mov64Imm(0, 0), B.exit()]);
    expect(testRun(engine(), wr, "syscall", { ctxIn: new Uint8Array(4) }).ctxOut).toEqual(new Uint8Array([7, 0, 0, 0]));
    expect(() => testRun(engine(), wr, "syscall", { ctxIn: new Uint8Array(4), repeat: 1 })).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("kprobe programs run on a host-supplied pt_regs", () => {
    const regs = new Uint8Array(168);
    new DataView(regs.buffer).setBigUint64(112, 42n, true); // di = PT_REGS_PARM1
    expect(runWithContext(engine(), createImage([B.ldx(O.BPF_DW, 0, 1, 112), B.exit()]), "kprobe", regs)).toBe(42n);
  });
});
