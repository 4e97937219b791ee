// Writes examples/sample.pcap: a small deterministic capture (IPv4 TCP/UDP/ICMP, IPv6, ARP) for the
// README's main command. Run: npx tsx scripts/make-sample-pcap.ts
import { writeFileSync } from "node:fs";
import { writePcap } from "../src/pcap/index.js";

function ipv4(proto: number, payload: number, id: number): Uint8Array {
  const total = 20 + payload;
  const p = new Uint8Array(14 + total);
  p.set([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00]);
  p.set([0x45, 0, total >> 8, total & 0xff, id >> 8, id & 0xff, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14);
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += (p[i]! << 8) | p[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  const c = ~sum & 0xffff;
  p[24] = c >> 8;
  p[25] = c & 0xff;
  for (let i = 34; i < p.length; i++) p[i] = (i * 7 + id) & 0xff;
  return p;
}

function ipv6(nextHeader: number, payload: number): Uint8Array {
  const p = new Uint8Array(14 + 40 + payload);
  p.set([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x86, 0xdd]);
  p.set([0x60, 0, 0, 0, payload >> 8, payload & 0xff, nextHeader, 64], 14);
  p[22 + 15] = 1;
  p[38 + 15] = 2;
  return p;
}

function arp(): Uint8Array {
  const p = new Uint8Array(42);
  p.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1]);
  return p;
}

const packets: Uint8Array[] = [];
for (let i = 0; i < 40; i++) {
  const kind = i % 8;
  if (kind < 4) packets.push(ipv4(6, 20 + ((i * 37) % 1200), i)); // TCP
  else if (kind < 6) packets.push(ipv4(17, 8 + ((i * 53) % 500), i)); // UDP
  else if (kind === 6) packets.push(ipv4(1, 8 + 56, i)); // ICMP echo
  else packets.push(i % 16 === 7 ? ipv6(58, 64) : arp());
}
const out = writePcap(packets.map((data, i) => ({ data, timestampNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n })));
writeFileSync(new URL("../examples/sample.pcap", import.meta.url), out);
console.log(`wrote ${packets.length} packets, ${out.length} bytes`);
