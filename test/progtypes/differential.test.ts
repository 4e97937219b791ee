/**
 * Differential tests: the same programs on the same packets (including too-short ones) in the
 * kernel (BPF_PROG_TEST_RUN through the Linux backend) and in the interpreter with this runtime's
 * program types, test-run rules and helpers. Retval, data_out, ctx_out and errno must agree.
 */
import { describe, expect, it } from "vitest";
import * as B from "../../src/isa/build.js";
import type { Instruction } from "../../src/isa/instruction.js";
import * as O from "../../src/isa/opcodes.js";
import type { TestRunOptions } from "../../src/progtypes/test-run.js";
import { noBpf } from "../kernel/support.js";
import { hex, kernel, ours } from "./outcome.js";

function packet(len: number, seed = 1): Uint8Array {
  const p = new Uint8Array(len);
  for (let i = 0; i < len; i++) p[i] = (i * 37 + seed * 11) & 0xff;
  return p;
}

/** An Ethernet + IPv4 + UDP packet with valid checksums. */
function udpPacket(payload = 8): Uint8Array {
  const p = new Uint8Array(14 + 20 + 8 + payload);
  p.set([0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
  const ip = 14;
  p.set([0x45, 0, 0, 20 + 8 + payload, 0x12, 0x34, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], ip);
  let s = 0;
  for (let i = 0; i < 20; i += 2) s += (p[ip + i]! << 8) | p[ip + i + 1]!;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  const c = ~s & 0xffff;
  p[ip + 10] = c >> 8;
  p[ip + 11] = c & 0xff;
  const udp = ip + 20;
  p.set([0x12, 0x34, 0x00, 0x35, 0, 8 + payload, 0, 0], udp);
  for (let i = 0; i < payload; i++) p[udp + 8 + i] = i + 1;
  // UDP checksum with pseudo header.
  let u = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 17 + 8 + payload;
  for (let i = 0; i < 8 + payload; i += 2) u += (p[udp + i]! << 8) | (p[udp + i + 1] ?? 0);
  while (u > 0xffff) u = (u & 0xffff) + (u >>> 16);
  const uc = ~u & 0xffff || 0xffff;
  p[udp + 6] = uc >> 8;
  p[udp + 7] = uc & 0xff;
  return p;
}

const SIZES = [0, 5, 13, 14, 15, 20, 60, 64, 100];

function compare(type: string, insns: Instruction[], inputs: TestRunOptions[]): void {
  for (const o of inputs) {
    const k = kernel(type, insns, o);
    const u = ours(type, insns, o);
    expect(u, `${type} data_in ${o.dataIn?.length ?? "-"} bytes ctx ${hex(o.ctxIn)}`).toEqual(k);
  }
}

const { BPF_W, BPF_H, BPF_B, BPF_DW } = O;

describe.skipIf(noBpf)("differential: kernel vs interpreter", () => {
  it("xdp: packet bounds, ctx fields, retval, too-short packets", () => {
    // r0 = (data_end - data) + ingress_ifindex * 1000 + rx_queue_index; first byte set to 0xaa if room
    const prog = [
      B.ldx(BPF_W, 2, 1, 0),
      B.ldx(BPF_W, 3, 1, 4),
      B.ldx(BPF_W, 4, 1, 12),
      B.mov64Reg(0, 3),
      B.alu64Reg(O.BPF_SUB, 0, 2),
      B.alu64Imm(O.BPF_MUL, 4, 1000),
      B.alu64Reg(O.BPF_ADD, 0, 4),
      B.mov64Reg(5, 2),
      B.alu64Imm(O.BPF_ADD, 5, 1),
      B.jmpReg(O.BPF_JGT, 5, 3, 1),
      B.st(BPF_B, 2, 0, 0xaa),
      B.exit(),
    ];
    compare("xdp", prog, SIZES.map((n) => ({ dataIn: packet(n) })));
  });

  it("xdp: adjust_head and adjust_tail bounds and data_out", () => {
    for (const head of [-256, -217, -216, -200, -14, 0, 1, 6, 46, 47, 100]) {
      for (const tail of [-100, -46, -47, 0, 1, 100, 3000, 3521, 3456]) {
        // r6 = ctx; r0 = adjust_head(ctx, head) ; r7 = r0; r0 = adjust_tail(ctx, tail); r0 = r0*256 + r7 (low bytes)
        const prog = [
          B.mov64Reg(6, 1),
          B.mov64Imm(2, head),
          B.callHelper(44),
          B.mov64Reg(7, 0),
          B.mov64Reg(1, 6),
          B.mov64Imm(2, tail),
          B.callHelper(65),
          B.alu64Imm(O.BPF_AND, 0, 0xff),
          B.alu64Imm(O.BPF_LSH, 0, 8),
          B.alu64Imm(O.BPF_AND, 7, 0xff),
          B.alu64Reg(O.BPF_OR, 0, 7),
          B.exit(),
        ];
        compare("xdp", prog, [{ dataIn: packet(60) }]);
      }
    }
  });

  it("xdp: adjust_meta and ctx_in / ctx_out", () => {
    for (const meta of [-4, -8, -32, -36, -252, -256, -3, 0, 4]) {
      const prog = [B.mov64Imm(2, meta), B.callHelper(54), B.exit()];
      compare("xdp", prog, [{ dataIn: packet(40) }]);
    }
    const ctxs = [
      [0, 40, 0, 0, 0, 0],
      [8, 40, 0, 0, 0, 0],
      [36, 40, 0, 0, 0, 0],
      [6, 40, 0, 0, 0, 0],
      [0, 39, 0, 0, 0, 0],
      [0, 41, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
      [0, 40, 4, 0, 0, 0],
      [0, 40, 0, 1, 0, 0],
      [0, 40, 0, 1, 1, 0],
      [0, 40, 0, 0, 1, 0],
      [0, 40, 0, 0, 0, 1],
    ];
    const prog = [B.ldx(BPF_W, 2, 1, 8), B.ldx(BPF_W, 3, 1, 0), B.mov64Reg(0, 3), B.alu64Reg(O.BPF_SUB, 0, 2), B.exit()];
    for (const c of ctxs) {
      const ctx = new Uint8Array(new Uint32Array(c).buffer);
      compare("xdp", prog, [{ dataIn: packet(40), ctxIn: ctx }]);
    }
  });

  it("socket filter: LD_ABS/LD_IND, len, protocol, pkt_type, too-short packets", () => {
    const prog = [
      B.mov64Reg(6, 1),
      B.ldAbs(BPF_B, 0),
      B.mov64Reg(7, 0),
      B.ldAbs(BPF_H, 2),
      B.alu64Reg(O.BPF_ADD, 7, 0),
      B.mov64Imm(8, 3),
      B.ldInd(BPF_W, 8, 1),
      B.alu64Reg(O.BPF_ADD, 7, 0),
      B.ldx(BPF_W, 2, 6, 0), // len
      B.alu64Reg(O.BPF_ADD, 7, 2),
      B.ldx(BPF_W, 2, 6, 16), // protocol
      B.alu64Reg(O.BPF_ADD, 7, 2),
      B.ldx(BPF_B, 2, 6, 4), // pkt_type (narrow)
      B.alu64Reg(O.BPF_ADD, 7, 2),
      B.ldx(BPF_W, 2, 6, 40), // ifindex
      B.alu64Reg(O.BPF_ADD, 7, 2),
      B.mov64Reg(0, 7),
      B.exit(),
    ];
    const pkts = [...SIZES.map((n) => packet(n)), udpPacket()];
    const bcast = packet(40);
    bcast.fill(0xff, 0, 6);
    const mcast = packet(40);
    mcast[0] = 1;
    const host = packet(40);
    host.fill(0, 0, 6);
    const short802 = packet(40);
    short802[12] = 0;
    short802[13] = 0x40;
    compare("socket_filter", prog, [...pkts, bcast, mcast, host, short802].map((p) => ({ dataIn: p })));
  });

  it("socket filter: ctx_in / ctx_out (mark, priority, cb, wire_len)", () => {
    // cb[0] = len; r0 = mark + priority
    const prog = [B.ldx(BPF_W, 2, 1, 0), B.stx(BPF_W, 1, 2, 48), B.ldx(BPF_W, 0, 1, 8), B.ldx(BPF_W, 3, 1, 32), B.alu64Reg(O.BPF_ADD, 0, 3), B.exit()];
    const mk = (f: (v: DataView) => void): Uint8Array => {
      const b = new Uint8Array(192);
      f(new DataView(b.buffer));
      return b;
    };
    compare("socket_filter", prog, [
      { dataIn: packet(60), ctxIn: mk((v) => { v.setUint32(8, 7, true); v.setUint32(32, 5, true); v.setUint32(52, 9, true); }) },
      { dataIn: packet(60), ctxIn: mk((v) => v.setUint32(0, 1, true)) },
      { dataIn: packet(60), ctxIn: mk((v) => v.setUint32(160, 10, true)) },
      { dataIn: packet(60), ctxIn: mk((v) => v.setUint32(160, 100, true)) },
      { dataIn: packet(60), ctxIn: mk((v) => v.setUint32(36, 3, true)) },
      { dataIn: packet(60), ctxIn: mk((v) => v.setUint32(40, 7, true)) },
      { dataIn: packet(60), ctxIn: new Uint8Array(200) },
    ]);
  });

  it("tc: skb_load_bytes / skb_store_bytes with bad offsets and flags", () => {
    for (const off of [0, 10, 50, 52, 60, 0x7fffffff]) {
      for (const flags of [0, 1, 2, 4]) {
        // load 8 bytes at off into stack, xor, store back at off; r0 = (load rc & 0xff) << 8 | (store rc & 0xff)
        const prog = [
          B.mov64Reg(6, 1),
          B.mov64Imm(2, off),
          B.mov64Reg(3, 10),
          B.alu64Imm(O.BPF_ADD, 3, -8),
          B.mov64Imm(4, 8),
          B.callHelper(26),
          B.mov64Reg(7, 0),
          B.ldx(BPF_DW, 2, 10, -8),
          B.alu64Imm(O.BPF_XOR, 2, 0x5a5a),
          B.stx(BPF_DW, 10, 2, -8),
          B.mov64Reg(1, 6),
          B.mov64Imm(2, off),
          B.mov64Reg(3, 10),
          B.alu64Imm(O.BPF_ADD, 3, -8),
          B.mov64Imm(4, 8),
          B.mov64Imm(5, flags),
          B.callHelper(9),
          B.alu64Imm(O.BPF_AND, 0, 0xff),
          B.alu64Imm(O.BPF_AND, 7, 0xff),
          B.alu64Imm(O.BPF_LSH, 7, 8),
          B.alu64Reg(O.BPF_OR, 0, 7),
          B.exit(),
        ];
        compare("sched_cls", prog, [{ dataIn: packet(60) }]);
      }
    }
  });

  it("tc: l3/l4_csum_replace and csum_diff keep IPv4/UDP checksums right", () => {
    // Rewrite the IPv4 daddr (offset 30) to 192.168.1.1 and fix both checksums: csum_diff of
    // the old/new address, then l3 (flags 0, by diff) and l4 with BPF_F_PSEUDO_HDR.
    for (const l4flags of [0x10, 0x10 | 0x20, 0x14, 0x30]) {
      const prog = [
        B.mov64Reg(6, 1),
        // old daddr -> stack -8 (4 bytes), new daddr -> stack -4
        B.mov64Imm(2, 30),
        B.mov64Reg(3, 10),
        B.alu64Imm(O.BPF_ADD, 3, -8),
        B.mov64Imm(4, 4),
        B.callHelper(26),
        B.st(BPF_W, 10, -4, 0x0101a8c0),
        // r8 = csum_diff(&old, 4, &new, 4, 0)
        B.mov64Reg(1, 10),
        B.alu64Imm(O.BPF_ADD, 1, -8),
        B.mov64Imm(2, 4),
        B.mov64Reg(3, 10),
        B.alu64Imm(O.BPF_ADD, 3, -4),
        B.mov64Imm(4, 4),
        B.mov64Imm(5, 0),
        B.callHelper(28),
        B.mov64Reg(8, 0),
        // l3_csum_replace(skb, 24, 0, diff, 0)
        B.mov64Reg(1, 6),
        B.mov64Imm(2, 24),
        B.mov64Imm(3, 0),
        B.mov64Reg(4, 8),
        B.mov64Imm(5, 0),
        B.callHelper(10),
        B.mov64Reg(9, 0),
        // l4_csum_replace(skb, 40, old, new, flags) via 4-byte form when flags has size 4, else by diff
        B.mov64Reg(1, 6),
        B.mov64Imm(2, 40),
        ...(l4flags & 4
          ? [B.ldx(BPF_W, 3, 10, -8), B.ldx(BPF_W, 4, 10, -4)]
          : [B.mov64Imm(3, 0), B.mov64Reg(4, 8)]),
        B.mov64Imm(5, l4flags),
        B.callHelper(11),
        B.alu64Imm(O.BPF_LSH, 9, 8),
        B.alu64Reg(O.BPF_OR, 0, 9),
        // store new daddr
        B.mov64Reg(1, 6),
        B.mov64Imm(2, 30),
        B.mov64Reg(3, 10),
        B.alu64Imm(O.BPF_ADD, 3, -4),
        B.mov64Imm(4, 4),
        B.mov64Imm(5, 0),
        B.mov64Reg(7, 0),
        B.callHelper(9),
        B.mov64Reg(0, 7),
        B.exit(),
      ];
      const zeroCsum = udpPacket();
      zeroCsum[40] = 0;
      zeroCsum[41] = 0;
      compare("sched_cls", prog, [{ dataIn: udpPacket() }, { dataIn: udpPacket(3) }, { dataIn: zeroCsum }]);
    }
  });

  it("tc: csum_diff with odd sizes and seeds; l3_csum_replace 2- and 4-byte forms", () => {
    for (const [fs, ts, seed] of [[4, 4, 0], [0, 8, 0x1234], [8, 0, 0xffff], [4, 12, 7], [2, 2, 0], [3, 0, 0], [0, 0, 5]]) {
      const prog = [
        B.ldImm64(2, 0x0102030405060708n),
        B.stx(BPF_DW, 10, 2, -16),
        B.ldImm64(2, 0xf0e0d0c0b0a09080n),
        B.stx(BPF_DW, 10, 2, -8),
        B.ldImm64(2, 0x1122334455667788n),
        B.stx(BPF_DW, 10, 2, -24),
        B.mov64Reg(1, 10),
        B.alu64Imm(O.BPF_ADD, 1, -24),
        B.mov64Imm(2, fs!),
        B.mov64Reg(3, 10),
        B.alu64Imm(O.BPF_ADD, 3, -16),
        B.mov64Imm(4, ts!),
        B.mov64Imm(5, seed!),
        B.callHelper(28),
        B.exit(),
      ];
      compare("sched_cls", prog, [{ dataIn: packet(40) }]);
    }
    for (const [size, from, to] of [[2, 0x1234, 0x4321], [4, 0x01020304, 0x0a0b0c0d], [2, 0, 0], [3, 1, 2], [0, 5, 6]]) {
      for (const off of [24, 25, 58, 59, 0x10000]) {
        const prog = [B.mov64Imm(2, off), B.mov64Imm(3, from!), B.mov64Imm(4, to!), B.mov64Imm(5, size!), B.callHelper(10), B.exit()];
        compare("sched_cls", prog, [{ dataIn: udpPacket() }]);
      }
    }
  });

  it("tc: skb_change_tail, skb_pull_data, data/data_end and redirect", () => {
    for (const newLen of [0, 13, 14, 20, 60, 61, 200, 2000, 4000, 65551]) {
      const prog = [
        B.mov64Reg(6, 1),
        B.mov64Imm(2, newLen),
        B.mov64Imm(3, 0),
        B.callHelper(38),
        B.mov64Reg(7, 0),
        B.mov64Reg(1, 6),
        B.mov64Imm(2, 30),
        B.callHelper(39),
        B.alu64Imm(O.BPF_AND, 0, 0xff),
        B.alu64Imm(O.BPF_LSH, 0, 8),
        B.alu64Imm(O.BPF_AND, 7, 0xff),
        B.alu64Reg(O.BPF_OR, 0, 7),
        B.ldx(BPF_W, 2, 6, 76),
        B.ldx(BPF_W, 3, 6, 80),
        B.alu64Reg(O.BPF_SUB, 3, 2),
        B.alu64Imm(O.BPF_LSH, 3, 16),
        B.alu64Reg(O.BPF_OR, 0, 3),
        B.exit(),
      ];
      compare("sched_cls", prog, [{ dataIn: packet(60) }]);
    }
    for (const flags of [0, 1, 2]) {
      compare("sched_cls", [B.mov64Imm(1, 5), B.mov64Imm(2, flags), B.callHelper(23), B.exit()], [{ dataIn: packet(20) }]);
      compare("xdp", [B.mov64Imm(1, 5), B.mov64Imm(2, flags), B.callHelper(23), B.exit()], [{ dataIn: packet(20) }]);
    }
    compare("sched_cls", [B.mov64Imm(0, 0), B.exit()], SIZES.map((n) => ({ dataIn: packet(n) })));
  });

});

describe("bpf_loop through HelperCall.callFunction", () => {
  it("bpf_loop: callback results, early stop, flags and limits (kernel semantics; the kernel needs BTF func_info to load callbacks)", () => {
    for (const [nr, stopAt, flags, want] of [[0, 99, 0, 0], [10, 99, 0, 10 + (10 << 16)], [10, 3, 0, 4 + (4 << 16)], [1 << 23, 2, 0, 3 + (3 << 16)], [(1 << 23) + 1, 2, 0, 0xfffffff9], [5, 99, 1, 0xffffffea]]) {
      // main: ctx counter on stack; r0 = loop(nr, cb, &counter, flags) + counter * 65536
      const prog: Instruction[] = [
        B.st(BPF_DW, 10, -8, 0),
        B.mov64Imm(1, nr!),
        { op: O.OP_LDDW, dst: 2, src: O.BPF_PSEUDO_FUNC, off: 0, imm: 9, imm2: 0 },
        B.mov64Reg(3, 10),
        B.alu64Imm(O.BPF_ADD, 3, -8),
        B.mov64Imm(4, flags!),
        B.callHelper(181),
        B.ldx(BPF_DW, 1, 10, -8),
        B.alu64Imm(O.BPF_LSH, 1, 16),
        B.alu64Reg(O.BPF_ADD, 0, 1),
        B.exit(),
        // callback(i, ctx): (*ctx)++; return i == stopAt
        B.ldx(BPF_DW, 3, 2, 0),
        B.alu64Imm(O.BPF_ADD, 3, 1),
        B.stx(BPF_DW, 2, 3, 0),
        B.mov64Imm(0, 0),
        B.jmpImm(O.BPF_JNE, 1, stopAt!, 1),
        B.mov64Imm(0, 1),
        B.exit(),
      ];
      expect(ours("xdp", prog, { dataIn: packet(20) })).toEqual({ retval: want, dataOut: hex(packet(20)) });
    }
  });
});
