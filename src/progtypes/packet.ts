/**
 * Packet buffers and the contexts built around them for the network program types: the
 * `struct __sk_buff` a socket filter / cgroup_skb / tc program sees and the `struct xdp_md` of an
 * XDP program, both in the uapi layout with packet bounds as 32-bit VM addresses (types.ts).
 */
import { EbpfError } from "../errors.js";
import type { AddressSpace, Region } from "../vm/memory.js";
import { PERM_READ, PERM_RW } from "../vm/memory.js";
import { BPF_SOCK, BPF_SOCK_SIZE, SK_BUFF_SIZE, SKB } from "./sk-buff.js";
import type { PacketState } from "./types.js";
import { XDP_MD, XDP_MD_SIZE } from "./xdp.js";

export const ETH_HLEN = 14;
/** NET_SKB_PAD + NET_IP_ALIGN on x86_64: the headroom of a test-run skb. */
export const SKB_HEADROOM = 64;

/** A packet in one region: [head, limit) is the buffer, [data, dataEnd) the packet. */
export class PacketBuffer implements PacketState {
  region: Region;
  head: number;
  limit: number;
  data: number;
  dataEnd: number;
  dataMeta: number;
  mac: number;
  network: number;
  readonly ldAbs = { start: 0, length: 0 };
  csum?: number;
  private readonly space: AddressSpace;
  private readonly name: string;
  /** Called by sync() to rewrite the context fields. */
  onSync: () => void = () => {};
  /** Whether reserve() may move the packet to a bigger region (skb yes, xdp no). */
  private readonly growable: boolean;

  constructor(space: AddressSpace, bytes: Uint8Array, headroom: number, bufferSize: number, name: string, growable: boolean) {
    this.space = space;
    this.name = name;
    this.growable = growable;
    this.region = space.map(bufferSize, name, PERM_RW, 64);
    this.head = this.region.start;
    this.limit = this.head + bufferSize;
    this.data = this.head + headroom;
    space.u8.set(bytes, this.data);
    this.dataEnd = this.data + bytes.length;
    this.dataMeta = this.data;
    this.mac = this.data;
    this.network = this.data;
    this.sync();
  }

  get length(): number {
    return this.dataEnd - this.data;
  }

  sync(): void {
    this.ldAbs.start = this.data;
    this.ldAbs.length = this.dataEnd - this.data;
    this.onSync();
  }

  reserve(headroom: number, tailroom: number): void {
    const haveHead = this.data - this.head;
    const haveTail = this.limit - this.dataEnd;
    if (haveHead >= headroom && haveTail >= tailroom) return;
    if (!this.growable) throw new EbpfError("ENOMEM", `${this.name}: no room to grow the packet`);
    const newHead = Math.max(headroom, haveHead);
    const newTail = Math.max(tailroom, haveTail);
    const len = this.dataEnd - this.data;
    const old = this.region;
    const oldData = this.data;
    const size = newHead + len + newTail;
    this.space.refresh();
    const region = this.space.map(size, this.name, PERM_RW, 64);
    const u8 = this.space.u8;
    // Keep the bytes before data (headers already pushed/pulled) at the same distance from data.
    const keepFrom = Math.max(this.head, oldData - newHead);
    const newData = region.start + newHead;
    u8.copyWithin(newData - (oldData - keepFrom), keepFrom, this.dataEnd);
    const delta = newData - oldData;
    this.region = region;
    this.head = region.start;
    this.limit = region.start + size;
    this.data += delta;
    this.dataEnd += delta;
    this.dataMeta += delta;
    this.mac += delta;
    this.network += delta;
    this.space.unmap(old);
    this.sync();
  }

  bytes(from = this.data, to = this.dataEnd): Uint8Array {
    return this.space.u8.slice(from, to);
  }

  release(): void {
    this.space.unmap(this.region);
  }
}

/** The fields BPF_PROG_TEST_RUN derives from the packet and the optional __sk_buff ctx_in. */
export interface SkbInit {
  /** Program type name: decides whether data starts at the mac header (tc) or the network header. */
  l2: boolean;
  directPacketAccess: boolean;
  mark: number;
  priority: number;
  ingressIfindex: number;
  ifindex: number;
  cb: Uint8Array;
  tstamp: bigint;
  wireLen: number;
  gsoSegs: number;
  gsoSize: number;
  hwtstamp: bigint;
}

export interface SkbRun {
  ctx: Region;
  sock: Region;
  packet: PacketBuffer;
  release(): void;
}

const PACKET_HOST = 0;
const PACKET_BROADCAST = 1;
const PACKET_MULTICAST = 2;
const PACKET_OTHERHOST = 3;
const AF_INET = 2;
const AF_INET6 = 10;
const TCP_CLOSE = 7;
/** dev_addr of the loopback device. */
const LOOPBACK_MAC = new Uint8Array(6);

/** eth_type_trans(): pkt_type and protocol (as the u16 in network order loaded little-endian). */
export function ethTypeTrans(pkt: Uint8Array): { pktType: number; protocol: number } {
  let pktType = PACKET_HOST;
  const dest = pkt.subarray(0, 6);
  if (dest[0]! & 1) {
    // PACKET_BROADCAST needs dest == dev->broadcast, which is all zeros on loopback.
    pktType = dest.every((b) => b === 0) ? PACKET_BROADCAST : PACKET_MULTICAST;
  } else if (!dest.every((b, i) => b === LOOPBACK_MAC[i])) {
    pktType = PACKET_OTHERHOST;
  }
  const hProto = (pkt[12]! << 8) | pkt[13]!;
  let be: number;
  if (hProto >= 0x600) be = hProto;
  else if (pkt[14] === 0xff && pkt[15] === 0xff) be = 0x0001; // ETH_P_802_3
  else be = 0x0004; // ETH_P_802_2
  return { pktType, protocol: ((be & 0xff) << 8) | (be >> 8) };
}

/**
 * Builds the skb of a test run: the packet after skb_reserve(NET_SKB_PAD) with data at the mac
 * header (l2: tc) or the network header (socket filter, cgroup_skb), and its __sk_buff context.
 */
export function buildSkb(space: AddressSpace, pkt: Uint8Array, init: SkbInit): SkbRun {
  // Buffer: headroom, the packet rounded up to 64 bytes, and the skb_shared_info tail.
  const bufferSize = SKB_HEADROOM + Math.ceil(pkt.length / 64) * 64 + 320;
  const packet = new PacketBuffer(space, pkt, SKB_HEADROOM, bufferSize, "packet", true);
  packet.mac = packet.data;
  packet.network = packet.data + ETH_HLEN;
  if (!init.l2) packet.data += ETH_HLEN; // eth_type_trans pulled the mac header
  packet.dataMeta = packet.data;
  const ctx = space.map(SK_BUFF_SIZE, "context (struct __sk_buff)", PERM_RW);
  const sock = space.map(BPF_SOCK_SIZE, "socket (struct bpf_sock)", PERM_READ);
  const v = space.view;
  const { pktType, protocol } = ethTypeTrans(pkt);
  const c = ctx.start;
  v.setUint32(c + SKB.pkt_type, pktType, true);
  v.setUint32(c + SKB.mark, init.mark, true);
  v.setUint32(c + SKB.protocol, protocol, true);
  v.setUint32(c + SKB.priority, init.priority, true);
  v.setUint32(c + SKB.ingress_ifindex, init.ingressIfindex, true);
  v.setUint32(c + SKB.ifindex, init.ifindex, true);
  space.u8.set(init.cb.subarray(0, 20), c + SKB.cb);
  v.setBigUint64(c + SKB.tstamp, init.tstamp, true);
  v.setUint32(c + SKB.gso_segs, init.gsoSegs, true);
  v.setUint32(c + SKB.gso_size, init.gsoSize, true);
  v.setBigUint64(c + SKB.hwtstamp, init.hwtstamp, true);
  v.setBigUint64(c + SKB.sk, BigInt(sock.start), true);
  // The test run's socket: family and addresses from the IP header (bpf_prog_test_run_skb).
  const net = pkt.subarray(ETH_HLEN);
  let family = 0;
  const u8 = space.u8;
  if (protocol === 0x0008) {
    family = AF_INET;
    if (net.length >= 20) {
      u8.set(net.subarray(12, 16), c + SKB.local_ip4);
      u8.set(net.subarray(16, 20), c + SKB.remote_ip4);
      u8.set(net.subarray(12, 16), sock.start + BPF_SOCK.src_ip4);
      u8.set(net.subarray(16, 20), sock.start + BPF_SOCK.dst_ip4);
    }
  } else if (protocol === 0xdd86) {
    family = AF_INET6;
    if (net.length >= 40) {
      u8.set(net.subarray(8, 24), c + SKB.local_ip6);
      u8.set(net.subarray(24, 40), c + SKB.remote_ip6);
      u8.set(net.subarray(8, 24), sock.start + BPF_SOCK.src_ip6);
      u8.set(net.subarray(24, 40), sock.start + BPF_SOCK.dst_ip6);
    }
  }
  v.setUint32(c + SKB.family, family, true);
  v.setUint32(sock.start + BPF_SOCK.family, family, true);
  v.setUint32(sock.start + BPF_SOCK.state, TCP_CLOSE, true);
  packet.onSync = () => {
    const w = space.view;
    w.setUint32(c + SKB.len, packet.dataEnd - packet.data, true);
    if (init.directPacketAccess) {
      w.setUint32(c + SKB.data, packet.data, true);
      w.setUint32(c + SKB.data_end, packet.dataEnd, true);
      w.setUint32(c + SKB.data_meta, packet.dataMeta, true);
    }
  };
  packet.sync();
  v.setUint32(c + SKB.wire_len, init.wireLen === 0 ? packet.length : init.wireLen, true);
  return {
    ctx,
    sock,
    packet,
    release() {
      packet.release();
      space.unmap(ctx);
      space.unmap(sock);
    },
  };
}

export interface XdpRun {
  ctx: Region;
  packet: PacketBuffer;
  release(): void;
}

/**
 * Builds the xdp_buff of a test run in one 4 KiB frame: `headroom` bytes before data_meta, the
 * packet (metadata first when ctx_in asked for some), the shared-info tail at the end.
 */
export function buildXdp(space: AddressSpace, linear: Uint8Array, headroom: number, metaLen: number, frameSize: number, tailroom: number, rxq: { ifindex: number; queue: number }): XdpRun {
  const packet = new PacketBuffer(space, linear, headroom, frameSize, "packet", false);
  packet.limit = packet.head + frameSize - tailroom;
  packet.dataMeta = packet.data;
  packet.data = packet.dataMeta + metaLen;
  packet.mac = packet.data;
  packet.network = packet.data + ETH_HLEN;
  const ctx = space.map(XDP_MD_SIZE, "context (struct xdp_md)", PERM_READ);
  const c = ctx.start;
  space.view.setUint32(c + XDP_MD.ingress_ifindex, rxq.ifindex, true);
  space.view.setUint32(c + XDP_MD.rx_queue_index, rxq.queue, true);
  packet.onSync = () => {
    const w = space.view;
    w.setUint32(c + XDP_MD.data, packet.data, true);
    w.setUint32(c + XDP_MD.data_end, packet.dataEnd, true);
    w.setUint32(c + XDP_MD.data_meta, packet.dataMeta, true);
  };
  packet.sync();
  return {
    ctx,
    packet,
    release() {
      packet.release();
      space.unmap(ctx);
    },
  };
}
