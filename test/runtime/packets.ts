/** Packets for the runtime tests: valid frames of several protocols and ones the kernel refuses. */

function csum(b: Uint8Array, seed = 0): number {
  let s = seed;
  for (let i = 0; i < b.length; i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

const MAC_A = [0x02, 0, 0, 0, 0, 0x01];
const MAC_B = [0x02, 0, 0, 0, 0, 0x02];

export function eth(type: number, payload: Uint8Array, dst = MAC_B, src = MAC_A): Uint8Array {
  return new Uint8Array([...dst, ...src, type >> 8, type & 0xff, ...payload]);
}

export function ipv4(proto: number, payload: Uint8Array, o: { dst?: number[]; src?: number[]; options?: number[] } = {}): Uint8Array {
  const opts = o.options ?? [];
  const hl = 20 + opts.length;
  const h = new Uint8Array(hl);
  const total = hl + payload.length;
  h.set([0x40 | (hl / 4), 0, total >> 8, total & 0xff, 0x12, 0x34, 0x40, 0, 64, proto, 0, 0, ...(o.src ?? [10, 0, 0, 1]), ...(o.dst ?? [10, 0, 0, 2]), ...opts]);
  const c = csum(h);
  h[10] = c >> 8;
  h[11] = c & 0xff;
  const out = new Uint8Array(total);
  out.set(h);
  out.set(payload, hl);
  // L4 checksum with the pseudo header (UDP and TCP)
  if (proto === 17 || proto === 6) {
    const at = proto === 17 ? 6 : 16;
    const l4 = out.subarray(hl);
    if (l4.length >= at + 2) {
      const src = h.subarray(12, 16);
      const dst = h.subarray(16, 20);
      const pseudo = ((src[0]! << 8) | src[1]!) + ((src[2]! << 8) | src[3]!) + ((dst[0]! << 8) | dst[1]!) + ((dst[2]! << 8) | dst[3]!) + proto + l4.length;
      l4[at] = 0;
      l4[at + 1] = 0;
      const c4 = csum(l4, pseudo);
      l4[at] = c4 >> 8;
      l4[at + 1] = c4 & 0xff;
    }
  }
  return out;
}

export function udp(dport: number, data: Uint8Array = new TextEncoder().encode("hello"), sport = 1234): Uint8Array {
  const len = 8 + data.length;
  return new Uint8Array([sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, len >> 8, len & 0xff, 0, 0, ...data]);
}

export function tcp(dport: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return new Uint8Array([0x30, 0x39, dport >> 8, dport & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0, ...data]);
}

export function icmpEcho(): Uint8Array {
  const b = new Uint8Array([8, 0, 0, 0, 0, 1, 0, 1, 0xde, 0xad, 0xbe, 0xef]);
  const c = csum(b);
  b[2] = c >> 8;
  b[3] = c & 0xff;
  return b;
}

function filled(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 37 + seed * 11) & 0xff;
  return b;
}

export interface NamedPacket {
  name: string;
  data: Uint8Array;
}

/** The packet set of the differential tests, including ones the kernel refuses (too short). */
export function packetSet(): NamedPacket[] {
  const vxlanInner = eth(0x0800, ipv4(6, tcp(80)), [0x02, 0, 0, 0, 0, 0x09], [0x02, 0, 0, 0, 0, 0x08]);
  return [
    { name: "empty", data: new Uint8Array(0) },
    { name: "5 bytes", data: filled(5, 1) },
    { name: "13 bytes", data: filled(13, 2) },
    { name: "ethernet header only (IPv4 type)", data: eth(0x0800, new Uint8Array(0)) },
    { name: "IPv4 header cut short", data: eth(0x0800, ipv4(17, udp(53)).subarray(0, 12)) },
    { name: "udp 53", data: eth(0x0800, ipv4(17, udp(53))) },
    { name: "udp 53 other dst", data: eth(0x0800, ipv4(17, udp(53, new TextEncoder().encode("query")), { dst: [192, 168, 1, 7] })) },
    { name: "tcp 53", data: eth(0x0800, ipv4(6, tcp(53, filled(12, 3)))) },
    { name: "tcp 80", data: eth(0x0800, ipv4(6, tcp(80))) },
    { name: "udp 9 (tag push)", data: eth(0x0800, ipv4(17, udp(9))) },
    { name: "vxlan (decap)", data: eth(0x0800, ipv4(17, udp(4789, new Uint8Array([0x08, 0, 0, 0, 0, 0, 0x2a, 0, ...vxlanInner])))) },
    { name: "vxlan without inner frame", data: eth(0x0800, ipv4(17, udp(4789, new Uint8Array(8)))) },
    { name: "icmp echo", data: eth(0x0800, ipv4(1, icmpEcho())) },
    { name: "ipv4 with options", data: eth(0x0800, ipv4(17, udp(53), { options: [1, 1, 1, 0] })) },
    { name: "ipv6", data: eth(0x86dd, filled(60, 4)) },
    { name: "arp broadcast", data: eth(0x0806, filled(28, 5), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) },
    { name: "junk 60", data: filled(60, 6) },
    { name: "udp 1400 bytes", data: eth(0x0800, ipv4(17, udp(53, filled(1400, 7)))) },
  ];
}
