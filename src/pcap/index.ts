import { EbpfError } from "../errors.js";

/** One captured packet: its bytes (as captured, possibly truncated) and metadata. */
export interface CapturedPacket {
  data: Uint8Array;
  /** Length on the wire (>= data.length when the capture was truncated by snaplen). */
  originalLength: number;
  /** Capture time in nanoseconds since the epoch, when the file says. */
  timestampNs: bigint;
  /** Link type of the interface (1 = Ethernet). */
  linkType: number;
}

export class PcapError extends EbpfError {
  constructor(message: string, readonly offset: number) {
    super("EINVAL", `${message} (at byte ${offset})`);
  }
}

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/**
 * Reads a classic pcap (either byte order, micro- or nanosecond timestamps) or a pcapng file
 * (section header, interface description, enhanced and simple packet blocks). Every packet is
 * yielded as it is parsed, so a large file streams; a truncated or foreign file is a PcapError
 * naming the byte offset.
 */
export function* readCapture(bytes: Uint8Array): Generator<CapturedPacket> {
  if (bytes.length < 4) throw new PcapError(`not a pcap or pcapng file: only ${bytes.length} bytes`, 0);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const m = dv.getUint32(0, true);
  if (m === PCAPNG_SHB) {
    yield* readPcapng(bytes, dv);
    return;
  }
  const le = m === PCAP_MAGIC_US || m === PCAP_MAGIC_NS;
  const be = dv.getUint32(0, false) === PCAP_MAGIC_US || dv.getUint32(0, false) === PCAP_MAGIC_NS;
  if (!le && !be) throw new PcapError(`not a pcap or pcapng file: magic 0x${m.toString(16).padStart(8, "0")}`, 0);
  if (bytes.length < 24) throw new PcapError("truncated pcap file header", bytes.length);
  const little = le;
  const nano = dv.getUint32(0, little) === PCAP_MAGIC_NS;
  const linkType = dv.getUint32(20, little) & 0x0fffffff;
  let at = 24;
  while (at < bytes.length) {
    if (at + 16 > bytes.length) throw new PcapError("truncated packet record header", at);
    const sec = dv.getUint32(at, little);
    const frac = dv.getUint32(at + 4, little);
    const incl = dv.getUint32(at + 8, little);
    const orig = dv.getUint32(at + 12, little);
    if (at + 16 + incl > bytes.length) throw new PcapError(`truncated packet: record says ${incl} bytes, ${bytes.length - at - 16} remain`, at);
    const ts = BigInt(sec) * 1_000_000_000n + BigInt(frac) * (nano ? 1n : 1000n);
    yield { data: bytes.subarray(at + 16, at + 16 + incl), originalLength: orig, timestampNs: ts, linkType };
    at += 16 + incl;
  }
}

function* readPcapng(bytes: Uint8Array, dv: DataView): Generator<CapturedPacket> {
  let little = true;
  const interfaces: { linkType: number; tsDiv: bigint; tsMul: bigint }[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw new PcapError("truncated pcapng block header", at);
    const type = dv.getUint32(at, little);
    if (type === PCAPNG_SHB) {
      // The byte-order magic decides how this section is read.
      const bom = dv.getUint32(at + 8, true);
      if (bom === BYTE_ORDER_MAGIC) little = true;
      else if (dv.getUint32(at + 8, false) === BYTE_ORDER_MAGIC) little = false;
      else throw new PcapError("pcapng section header has a bad byte-order magic", at + 8);
      interfaces.length = 0;
    }
    const len = dv.getUint32(at + 4, little);
    if (len < 12 || len % 4 !== 0) throw new PcapError(`pcapng block of bad length ${len}`, at);
    if (at + len > bytes.length) throw new PcapError(`truncated pcapng block: needs ${len} bytes, ${bytes.length - at} remain`, at);
    if (dv.getUint32(at + len - 4, little) !== len) throw new PcapError("pcapng block lengths disagree", at);
    const body = at + 8;
    if (type === 1) {
      // Interface description: link type, then options (if_tsresol = 9).
      const linkType = dv.getUint16(body, little);
      let tsDiv = 1n, tsMul = 1000n; // default resolution: microseconds
      let o = body + 8;
      while (o + 4 <= at + len - 4) {
        const code = dv.getUint16(o, little);
        const olen = dv.getUint16(o + 2, little);
        if (code === 0) break;
        if (code === 9 && olen >= 1) {
          const r = bytes[o + 4]!;
          const exp = BigInt(r & 0x7f);
          const unitsPerSec = r & 0x80 ? 2n ** exp : 10n ** exp;
          tsMul = 1_000_000_000n;
          tsDiv = unitsPerSec;
        }
        o += 4 + ((olen + 3) & ~3);
      }
      interfaces.push({ linkType, tsDiv, tsMul });
    } else if (type === 6 || type === 3) {
      let ifIndex = 0, ts = 0n, capLen: number, origLen: number, dataAt: number;
      if (type === 6) {
        ifIndex = dv.getUint32(body, little);
        ts = (BigInt(dv.getUint32(body + 4, little)) << 32n) | BigInt(dv.getUint32(body + 8, little));
        capLen = dv.getUint32(body + 12, little);
        origLen = dv.getUint32(body + 16, little);
        dataAt = body + 20;
      } else {
        origLen = dv.getUint32(body, little);
        dataAt = body + 4;
        capLen = Math.min(origLen, len - 16);
      }
      const iface = interfaces[ifIndex];
      if (!iface) throw new PcapError(`packet refers to interface ${ifIndex}, which has no description`, at);
      if (dataAt + capLen > at + len - 4) throw new PcapError(`packet data (${capLen} bytes) runs past its block`, at);
      yield {
        data: bytes.subarray(dataAt, dataAt + capLen),
        originalLength: origLen,
        timestampNs: (ts * iface.tsMul) / iface.tsDiv,
        linkType: iface.linkType,
      };
    }
    at += len;
  }
}

/** Writes packets as a classic little-endian pcap with microsecond timestamps (Ethernet). */
export function writePcap(packets: readonly { data: Uint8Array; timestampNs?: bigint }[], linkType = 1): Uint8Array {
  const size = 24 + packets.reduce((n, p) => n + 16 + p.data.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, PCAP_MAGIC_US, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, 65535, true);
  dv.setUint32(20, linkType, true);
  let at = 24;
  for (const p of packets) {
    const ts = p.timestampNs ?? 0n;
    dv.setUint32(at, Number(ts / 1_000_000_000n), true);
    dv.setUint32(at + 4, Number((ts % 1_000_000_000n) / 1000n), true);
    dv.setUint32(at + 8, p.data.length, true);
    dv.setUint32(at + 12, p.data.length, true);
    out.set(p.data, at + 16);
    at += 16 + p.data.length;
  }
  return out;
}
