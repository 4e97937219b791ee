/**
 * Differential tests of the packet helpers that move or reshape the packet and of the hash and
 * checksum helpers: skb_change_head, skb_adjust_room, skb_change_proto, skb_load_bytes_relative,
 * set_hash / get_hash_recalc, csum_update, xdp_load_bytes / xdp_store_bytes / xdp_get_buff_len.
 * Each program runs in the kernel (BPF_PROG_TEST_RUN) and in the interpreter on the same packets,
 * too-short ones included; retval, data_out, ctx_out and errno must agree. skb programs end with
 * an epilogue that copies protocol, len, hash and data_end - data into cb[0..3], so ctx_out shows
 * what the helpers did to the skb.
 */
import { describe, expect, it } from "vitest";
import * as B from "../../src/isa/build.js";
import type { Instruction } from "../../src/isa/instruction.js";
import * as O from "../../src/isa/opcodes.js";
import type { TestRunOptions } from "../../src/progtypes/test-run.js";
import { noBpf } from "../kernel/support.js";
import { kernel, ours } from "./outcome.js";

function compare(type: string, insns: Instruction[], inputs: TestRunOptions[], what = ""): void {
  for (const o of inputs) {
    expect(ours(type, insns, o), `${type} ${what} data_in ${o.dataIn?.length ?? "-"} bytes flags ${o.flags ?? 0}`).toEqual(kernel(type, insns, o));
  }
}

function packet(len: number, seed = 1): Uint8Array {
  const p = new Uint8Array(len);
  for (let i = 0; i < len; i++) p[i] = (i * 37 + seed * 11) & 0xff;
  return p;
}

function ipv4(payload = 16): Uint8Array {
  const p = packet(14 + 20 + payload, 3);
  p.set([0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0, 0, 20 + payload, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
  return p;
}

function ipv6(payload = 16): Uint8Array {
  const p = packet(14 + 40 + payload, 4);
  p.set([0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x86, 0xdd, 0x60, 0, 0, 0, 0, payload, 17, 64]);
  return p;
}

const { BPF_W, BPF_DW } = O;
const CTX = (): Uint8Array => new Uint8Array(192);

/** r6 = ctx on entry; the epilogue writes protocol, len, hash and data_end - data to cb[0..3]. */
const EPILOGUE: Instruction[] = [
  B.ldx(BPF_W, 2, 6, 16),
  B.stx(BPF_W, 6, 2, 48),
  B.ldx(BPF_W, 2, 6, 0),
  B.stx(BPF_W, 6, 2, 52),
  B.ldx(BPF_W, 2, 6, 68),
  B.stx(BPF_W, 6, 2, 56),
  B.ldx(BPF_W, 2, 6, 76),
  B.ldx(BPF_W, 3, 6, 80),
  B.alu64Reg(O.BPF_SUB, 3, 2),
  B.stx(BPF_W, 6, 3, 60),
  B.exit(),
];

/** r0 = (first rc & 0xffff) << 16 | (second rc & 0xffff), with the rc of the first call in r7. */
const COMBINE: Instruction[] = [B.alu64Imm(O.BPF_AND, 0, 0xffff), B.alu64Imm(O.BPF_AND, 7, 0xffff), B.alu64Imm(O.BPF_LSH, 7, 16), B.alu64Reg(O.BPF_OR, 0, 7)];

function call(id: number, ...args: (number | bigint)[]): Instruction[] {
  const out: Instruction[] = [B.mov64Reg(1, 6)];
  args.forEach((a, i) => out.push(typeof a === "bigint" ? B.ldImm64(i + 2, a) : B.mov64Imm(i + 2, a)));
  out.push(B.callHelper(id));
  return out;
}

const TC_PACKETS = (): Uint8Array[] => [ipv4(), ipv6(), packet(60), packet(14), ipv4(0)];

describe.skipIf(noBpf)("differential: reshaping, hash and checksum helpers vs the kernel", () => {
  it("skb_change_head: sizes, flags, limits, data_out", () => {
    // Growth past 4096 bytes overflows the harness's data_out buffer in the kernel (ENOSPC), so the
    // accepted sizes stay below it; 16005 is one past BPF_SKB_MAX_LEN (16064) for 60 bytes.
    for (const room of [0, 1, 14, 50, 64, 65, 200, 4000, 16005, 65536, 65551 - 60, -1]) {
      for (const flags of [0, 1]) {
        const prog = [B.mov64Reg(6, 1), ...call(43, room, flags), B.mov64Reg(7, 0), ...call(43, 2, 0), ...COMBINE, ...EPILOGUE];
        compare("sched_cls", prog, [{ dataIn: packet(60), ctxIn: CTX() }, { dataIn: ipv4(26), ctxIn: CTX() }], `room ${room} flags ${flags}`);
      }
    }
  });

  it("skb_adjust_room: modes, lengths and too-short packets", () => {
    for (const mode of [0, 1, 2]) {
      for (const diff of [-4096, -100, -41, -40, -28, -21, -20, -16, -8, -1, 0, 1, 8, 20, 4095, 4096]) {
        const prog = [B.mov64Reg(6, 1), ...call(50, diff, mode, 0), B.mov64Reg(7, 0), ...call(50, -4, mode, 0), ...COMBINE, ...EPILOGUE];
        compare("sched_cls", prog, TC_PACKETS().map((p) => ({ dataIn: p, ctxIn: CTX() })), `mode ${mode} diff ${diff}`);
      }
    }
  });

  it("skb_adjust_room: flags (encap, decap, gso, csum reset, bad bits) and EALREADY", () => {
    const L2 = (n: number): bigint => BigInt(n) << 56n;
    const flagSets: bigint[] = [0n, 1n, 2n, 4n, 6n, 2n | 8n, 2n | 16n, 2n | 8n | 16n, 4n | 16n, 32n, 64n, 2n | 64n, 2n | 64n | L2(14), 2n | 64n | L2(16), 2n | L2(8), 2n | L2(40), 128n, 256n, 384n, 512n, 1n << 9n, 1n << 40n];
    for (const flags of flagSets) {
      for (const diff of [-20, 20, 40]) {
        for (const mode of [0, 1]) {
          // Two calls with the same flags: the second encap call sees skb->encapsulation.
          const prog = [B.mov64Reg(6, 1), ...call(50, diff, mode, flags), B.mov64Reg(7, 0), ...call(50, 20, mode, flags), ...COMBINE, ...EPILOGUE];
          compare("sched_cls", prog, [ipv4(40), ipv6(40)].map((p) => ({ dataIn: p, ctxIn: CTX() })), `flags ${flags} diff ${diff} mode ${mode}`);
        }
      }
    }
  });

  it("skb_adjust_room and skb_change_head with BPF_F_TEST_SKB_CHECKSUM_COMPLETE", () => {
    for (const diff of [-8, -20, 8]) {
      const prog = [B.mov64Reg(6, 1), ...call(50, diff, 0, 0), B.mov64Reg(7, 0), ...call(43, 6, 0), ...COMBINE, ...EPILOGUE];
      compare("sched_cls", prog, [ipv4(40), ipv6(40)].map((p) => ({ dataIn: p, ctxIn: CTX(), flags: 4 })), `diff ${diff}`);
    }
  });

  it("skb_change_proto: 4 <-> 6, round trips, flags, unsupported protocols, hash cleared", () => {
    for (const to of [0xdd86, 0x0008, 0x0608, 0]) {
      for (const flags of [0, 1]) {
        const back = to === 0xdd86 ? 0x0008 : 0xdd86;
        const prog = [B.mov64Reg(6, 1), ...call(48, 0x1234), ...call(31, to, flags), B.mov64Reg(7, 0), ...call(31, back, 0), ...COMBINE, ...EPILOGUE];
        compare("sched_cls", prog, TC_PACKETS().map((p) => ({ dataIn: p, ctxIn: CTX() })), `to ${to} flags ${flags}`);
      }
    }
  });

  it("skb_load_bytes_relative: mac and network headers, bad start, offsets past the end", () => {
    for (const type of ["sched_cls", "socket_filter"]) {
      for (const start of [0, 1, 2]) {
        for (const off of [0, 6, 20, 30, 45, 46, 50, 0xffff, 0x10000]) {
          for (const len of [1, 8, 16]) {
            const prog = [
              B.mov64Reg(6, 1),
              B.st(BPF_DW, 10, -16, 0),
              B.st(BPF_DW, 10, -8, 0),
              B.mov64Reg(1, 6),
              B.mov64Imm(2, off),
              B.mov64Reg(3, 10),
              B.alu64Imm(O.BPF_ADD, 3, -16),
              B.mov64Imm(4, len),
              B.mov64Imm(5, start),
              B.callHelper(68),
              ...[0, 1, 2, 3].flatMap((i) => [B.ldx(BPF_W, 2, 10, -16 + 4 * i), B.stx(BPF_W, 6, 2, 48 + 4 * i)]),
              B.exit(),
            ];
            compare(type, prog, [{ dataIn: packet(60), ctxIn: CTX() }, { dataIn: ipv4(8), ctxIn: CTX() }], `start ${start} off ${off} len ${len}`);
          }
        }
      }
    }
  });

  it("set_hash, get_hash_recalc, set_hash_invalid and skb_store_bytes(BPF_F_INVALIDATE_HASH)", () => {
    const progs: Instruction[][] = [
      [B.mov64Reg(6, 1), ...call(48, 0x12345678), B.mov64Reg(7, 0), ...call(34), ...EPILOGUE],
      [B.mov64Reg(6, 1), ...call(48, -1), ...call(41), B.mov64Imm(0, 0), ...EPILOGUE],
      [B.mov64Reg(6, 1), ...call(48, 7), B.st(BPF_W, 10, -4, 0), B.mov64Reg(1, 6), B.mov64Imm(2, 0), B.mov64Reg(3, 10), B.alu64Imm(O.BPF_ADD, 3, -4), B.mov64Imm(4, 4), B.mov64Imm(5, 2), B.callHelper(9), ...EPILOGUE],
      [B.mov64Reg(6, 1), ...call(48, 0), ...call(34), ...EPILOGUE],
      [B.mov64Reg(6, 1), ...call(48, 99), ...call(48, 100), ...call(34), ...EPILOGUE],
    ];
    for (const prog of progs) compare("sched_cls", prog, [{ dataIn: ipv4(), ctxIn: CTX() }, { dataIn: packet(20), ctxIn: CTX() }]);
  });

  it("csum_update: ENOTSUPP without CHECKSUM_COMPLETE, the running csum with it", () => {
    for (const add of [0, 1, 0xffff, -1]) {
      const prog = [B.mov64Reg(6, 1), ...call(40, add), ...EPILOGUE];
      compare("sched_cls", prog, [ipv4(), ipv6(), packet(40)].flatMap((p) => [{ dataIn: p, ctxIn: CTX() }, { dataIn: p, ctxIn: CTX(), flags: 4 }]), `add ${add}`);
    }
  });

  it("skb_vlan_push / skb_vlan_pop: hardware tag, tags in the packet, protocol and network header", () => {
    // cb[0] protocol, cb[1] len, cb[2] vlan_tci | vlan_present << 16, cb[3] vlan_proto, cb[4] 4 bytes at the network header
    const vlanEpilogue: Instruction[] = [
      B.ldx(BPF_W, 2, 6, 16),
      B.stx(BPF_W, 6, 2, 48),
      B.ldx(BPF_W, 2, 6, 0),
      B.stx(BPF_W, 6, 2, 52),
      B.ldx(BPF_W, 2, 6, 24),
      B.ldx(BPF_W, 3, 6, 20),
      B.alu64Imm(O.BPF_LSH, 3, 16),
      B.alu64Reg(O.BPF_OR, 2, 3),
      B.stx(BPF_W, 6, 2, 56),
      B.ldx(BPF_W, 2, 6, 28),
      B.stx(BPF_W, 6, 2, 60),
      B.mov64Reg(8, 0),
      B.st(BPF_W, 10, -4, 0),
      B.mov64Reg(1, 6),
      B.mov64Imm(2, 0),
      B.mov64Reg(3, 10),
      B.alu64Imm(O.BPF_ADD, 3, -4),
      B.mov64Imm(4, 4),
      B.mov64Imm(5, 1),
      B.callHelper(68),
      B.ldx(BPF_W, 2, 10, -4),
      B.stx(BPF_W, 6, 2, 64),
      B.mov64Reg(0, 8),
      B.exit(),
    ];
    const tagged = (outer: number, inner?: number, len = 60): Uint8Array => {
      const p = packet(len, 5);
      p.set([0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, outer >> 8, outer & 0xff, 0x20, 0x05]);
      if (inner !== undefined) p.set([inner >> 8, inner & 0xff, 0x30, 0x07, 0x08, 0x00], 16);
      else if (len >= 18) p.set([0x08, 0x00], 16);
      return p;
    };
    const pkts = [ipv4(), ipv6(), tagged(0x8100), tagged(0x88a8, 0x8100), tagged(0x8100, 0x8100), tagged(0x8100, undefined, 16), tagged(0x8100, undefined, 18), packet(60)];
    const progs: Instruction[][] = [
      [B.mov64Reg(6, 1), ...call(18, 0x0081, 5), B.mov64Reg(7, 0), ...call(18, 0xa888, 0x1007), ...COMBINE, ...vlanEpilogue],
      [B.mov64Reg(6, 1), ...call(18, 0x0081, 5), ...call(18, 0x1234, 6), B.mov64Reg(7, 0), ...call(18, 0x0081, 0xffff), ...COMBINE, ...vlanEpilogue],
      [B.mov64Reg(6, 1), ...call(19), B.mov64Reg(7, 0), ...call(19), ...COMBINE, ...vlanEpilogue],
      [B.mov64Reg(6, 1), ...call(18, 0x0081, 5), ...call(18, 0x0081, 6), ...call(19), B.mov64Reg(7, 0), ...call(19), ...COMBINE, ...vlanEpilogue],
      [B.mov64Reg(6, 1), ...call(18, 0x0081, 5), ...call(18, 0x0081, 6), B.mov64Reg(7, 0), ...call(50, 4, 1, 0), ...COMBINE, ...vlanEpilogue],
      [B.mov64Reg(6, 1), ...call(19), B.mov64Reg(7, 0), ...call(50, -4, 0, 0), ...COMBINE, ...vlanEpilogue],
    ];
    for (const [i, prog] of progs.entries()) compare("sched_cls", prog, pkts.map((p) => ({ dataIn: p, ctxIn: CTX() })), `program ${i}`);
    compare("sched_cls", progs[3]!, [tagged(0x8100, 0x8100), ipv4()].map((p) => ({ dataIn: p, ctxIn: CTX(), flags: 4 })), "checksum complete");
  });

  it("xdp_load_bytes / xdp_store_bytes / xdp_get_buff_len: bounds, errnos, data_out", () => {
    for (const off of [0, 10, 44, 45, 52, 53, 59, 60, 0xffff, 0x10000]) {
      for (const len of [1, 8, 16]) {
        // load len bytes at off, xor the first 8, store them back at 60 - off - len; r0 = rcs and buff_len
        const prog = [
          B.mov64Reg(6, 1),
          B.st(BPF_DW, 10, -16, 0),
          B.st(BPF_DW, 10, -8, 0),
          B.mov64Reg(1, 6),
          B.mov64Imm(2, off),
          B.mov64Reg(3, 10),
          B.alu64Imm(O.BPF_ADD, 3, -16),
          B.mov64Imm(4, len),
          B.callHelper(189),
          B.mov64Reg(7, 0),
          B.ldx(BPF_DW, 2, 10, -16),
          B.ldImm64(3, 0x5a5a5a5a5a5a5a5an),
          B.alu64Reg(O.BPF_XOR, 2, 3),
          B.stx(BPF_DW, 10, 2, -16),
          B.mov64Reg(1, 6),
          B.mov64Imm(2, Math.max(0, 60 - off - len) + (off > 0xffff ? off : 0)),
          B.mov64Reg(3, 10),
          B.alu64Imm(O.BPF_ADD, 3, -16),
          B.mov64Imm(4, len),
          B.callHelper(190),
          B.mov64Reg(8, 0),
          B.alu64Imm(O.BPF_AND, 8, 0xff),
          B.alu64Imm(O.BPF_AND, 7, 0xff),
          B.alu64Imm(O.BPF_LSH, 7, 8),
          B.alu64Reg(O.BPF_OR, 8, 7),
          ...call(188),
          B.alu64Imm(O.BPF_LSH, 0, 16),
          B.alu64Reg(O.BPF_OR, 0, 8),
          B.exit(),
        ];
        const linear40 = new Uint8Array(new Uint32Array([0, 40, 0, 0, 0, 0]).buffer);
        compare("xdp", prog, [{ dataIn: packet(60) }, { dataIn: packet(14) }, { dataIn: packet(60), ctxIn: linear40 }], `off ${off} len ${len}`);
      }
    }
  });
});
