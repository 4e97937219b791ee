import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PcapError, readCapture, writePcap } from "../../src/pcap/index.js";

const sample = new Uint8Array(readFileSync(join(import.meta.dirname, "../../examples/sample.pcap")));

function pcapng(bigEndian: boolean, tsresol?: number): Uint8Array {
  const blocks: number[][] = [];
  const u32 = (v: number) => (bigEndian ? [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255] : [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24]);
  const u16 = (v: number) => (bigEndian ? [v >>> 8, v & 255] : [v & 255, v >>> 8]);
  const block = (type: number, body: number[]) => {
    const len = 12 + body.length;
    blocks.push([...u32(type), ...u32(len), ...body, ...u32(len)]);
  };
  block(0x0a0d0d0a, [...u32(0x1a2b3c4d), ...u16(1), ...u16(0), ...u32(0xffffffff), ...u32(0xffffffff)]);
  const opts = tsresol === undefined ? [] : [...u16(9), ...u16(1), tsresol, 0, 0, 0, ...u16(0), ...u16(0)];
  block(1, [...u16(1), ...u16(0), ...u32(65535), ...opts]);
  block(6, [...u32(0), ...u32(0), ...u32(1500), ...u32(4), ...u32(6), 1, 2, 3, 4]);
  block(3, [...u32(4), 9, 8, 7, 6]);
  return new Uint8Array(blocks.flat());
}

describe("capture reader", () => {
  it("reads the shipped sample", () => {
    const packets = [...readCapture(sample)];
    expect(packets.length).toBe(40);
    expect(packets[0]!.linkType).toBe(1);
    expect(packets[0]!.data[12]).toBe(0x08);
  });

  it("round-trips what it writes", () => {
    const data = [new Uint8Array([1, 2, 3]), new Uint8Array(60).fill(7)];
    const back = [...readCapture(writePcap(data.map((d, i) => ({ data: d, timestampNs: BigInt(i) * 1000n }))))];
    expect(back.map((p) => [...p.data])).toEqual(data.map((d) => [...d]));
    expect(back[1]!.timestampNs).toBe(1000n);
  });

  it("reads pcapng in both byte orders, with enhanced and simple packet blocks", () => {
    for (const be of [false, true]) {
      const packets = [...readCapture(pcapng(be))];
      expect(packets.map((p) => [...p.data])).toEqual([[1, 2, 3, 4], [9, 8, 7, 6]]);
      expect(packets[0]!.originalLength).toBe(6);
      expect(packets[0]!.timestampNs).toBe(1500000n);
    }
    expect([...readCapture(pcapng(false, 9))][0]!.timestampNs).toBe(1500n);
  });

  it("rejects files that are not captures or are truncated, naming the offset", () => {
    expect(() => [...readCapture(new TextEncoder().encode("hello world, no capture"))]).toThrow(/not a pcap or pcapng file: magic/);
    expect(() => [...readCapture(new Uint8Array(2))]).toThrow(PcapError);
    expect(() => [...readCapture(sample.subarray(0, 60))]).toThrow(/truncated packet: .* \(at byte 24\)/);
    expect(() => [...readCapture(sample.subarray(0, 30))]).toThrow(/truncated packet record header/);
    const ng = pcapng(false);
    expect(() => [...readCapture(ng.subarray(0, ng.length - 3))]).toThrow(/truncated pcapng block/);
  });
});
