import type { Region } from "../vm/memory.js";
import { BPF_EXIST, BPF_NOEXIST, EEXIST, EINVAL, ENOENT, ENOSPC } from "./constants.js";
import { MapBase, round8 } from "./base.js";
import { Slab } from "./slab.js";
import type { MapEnvironment, MapInfo, MapSpec } from "./types.js";

interface Node {
  prefixlen: number;
  /** The key's data bytes as last written (bits past prefixlen included, as the kernel keeps them). */
  data: Uint8Array;
  child: [Node | undefined, Node | undefined];
  /** Intermediate nodes only split the trie; they hold no value. */
  im: boolean;
  addr: number;
}

const bit = (data: Uint8Array, i: number): 0 | 1 => ((data[i >> 3]! >> (7 - (i & 7))) & 1) as 0 | 1;

/**
 * lpm_trie: keys are `{u32 prefixlen; u8 data[key_size − 4]}` (data in network order). The same
 * binary trie the kernel builds — real nodes, and intermediate nodes where two prefixes diverge —
 * so lookups return the longest matching prefix and get_next_key walks it in the kernel's
 * postorder (more specific prefixes before the prefixes that contain them).
 */
export class LpmTrieMap extends MapBase {
  private root: Node | undefined;
  private nEntries = 0;
  private readonly dataSize: number;
  private readonly maxPrefixlen: number;
  private readonly slab: Slab;

  constructor(info: MapInfo, env: MapEnvironment, spec?: MapSpec) {
    super(info, env, spec);
    this.dataSize = info.keySize - 4;
    this.maxPrefixlen = this.dataSize * 8;
    this.slab = new Slab(this, round8(info.valueSize), info.maxEntries);
    this.batchOps = { lookup: true, lookupAndDelete: false, update: true, delete: true };
  }

  mapSlabRegion(size: number): Region {
    return this.mapRegion(size, "values");
  }

  private static prefixlenOf(key: Uint8Array): number {
    return (key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24)) >>> 0;
  }

  /** Bits of `key` that match `node`, capped at both prefix lengths. */
  private match(node: Node, key: Uint8Array, keyPrefixlen: number): number {
    const limit = Math.min(node.prefixlen, keyPrefixlen);
    let n = 0;
    for (let i = 0; i < this.dataSize; i++) {
      const d = node.data[i]! ^ key[4 + i]!;
      if (d === 0) {
        n += 8;
        if (n >= limit) return limit;
        continue;
      }
      n += Math.clz32(d) - 24;
      return Math.min(n, limit);
    }
    return Math.min(n, limit);
  }

  private lookupNode(key: Uint8Array): Node | undefined {
    const plen = LpmTrieMap.prefixlenOf(key);
    if (plen > this.maxPrefixlen) return undefined;
    let found: Node | undefined;
    for (let node = this.root; node; ) {
      const m = this.match(node, key, plen);
      if (m === this.maxPrefixlen) {
        found = node;
        break;
      }
      if (m < node.prefixlen) break;
      if (!node.im) found = node;
      node = node.child[bit(key.subarray(4), node.prefixlen)];
    }
    return found;
  }

  protected sysLookup(key: Uint8Array | undefined): Uint8Array | number {
    const n = this.lookupNode(key!);
    if (!n) return ENOENT;
    const out = new Uint8Array(this.info.valueSize);
    this.copyOut(out, 0, n.addr);
    return out;
  }

  private addCheck(flags: number): number {
    if (flags === BPF_EXIST) return ENOENT;
    if (this.nEntries === this.info.maxEntries) return ENOSPC;
    this.nEntries++;
    return 0;
  }

  private updateRaw(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (flags > BPF_EXIST) return EINVAL;
    const plen = LpmTrieMap.prefixlenOf(key);
    if (plen > this.maxPrefixlen) return EINVAL;
    const data = key.slice(4, 4 + this.dataSize);
    const fresh = (): Node => {
      const addr = this.slab.alloc();
      this.copyIn(addr, value);
      return { prefixlen: plen, data, child: [undefined, undefined], im: false, addr };
    };
    // Walk down to the slot the new node belongs in.
    let parent: Node | undefined;
    let side: 0 | 1 = 0;
    let node = this.root;
    let m = 0;
    while (node) {
      m = this.match(node, key, plen);
      if (node.prefixlen !== m || node.prefixlen === plen || node.prefixlen === this.maxPrefixlen) break;
      parent = node;
      side = bit(data, node.prefixlen);
      node = node.child[side];
    }
    const put = (n: Node): void => {
      if (parent) parent.child[side] = n;
      else this.root = n;
    };
    if (!node) {
      const err = this.addCheck(flags);
      if (err) return err;
      put(fresh());
      return 0;
    }
    if (node.prefixlen === m) {
      // Same prefix: replace the node (a new value slot), or make an intermediate one real.
      if (!node.im) {
        if (flags === BPF_NOEXIST) return EEXIST;
      } else {
        const err = this.addCheck(flags);
        if (err) return err;
      }
      const n = fresh();
      n.child = node.child;
      if (!node.im) this.slab.release(node.addr);
      put(n);
      return 0;
    }
    const err = this.addCheck(flags);
    if (err) return err;
    const n = fresh();
    if (m === plen) {
      // The new prefix contains the node's: insert it as its ancestor.
      n.child[bit(node.data, m)] = node;
      put(n);
      return 0;
    }
    const im: Node = { prefixlen: m, data: node.data.slice(), child: [undefined, undefined], im: true, addr: 0 };
    if (bit(data, m)) im.child = [node, n];
    else im.child = [n, node];
    put(im);
    return 0;
  }

  protected sysUpdate(key: Uint8Array | undefined, value: Uint8Array, flags: number): number {
    return this.updateRaw(key!, value, flags);
  }

  private deleteRaw(key: Uint8Array): number {
    const plen = LpmTrieMap.prefixlenOf(key);
    if (plen > this.maxPrefixlen) return EINVAL;
    const data = key.subarray(4);
    // Slots are (holder, side); holder undefined means the root.
    let trim: [Node | undefined, 0 | 1] = [undefined, 0];
    let trim2 = trim;
    let parent: Node | undefined;
    let node = this.root;
    let m = 0;
    while (node) {
      m = this.match(node, key, plen);
      if (node.prefixlen !== m || node.prefixlen === plen) break;
      parent = node;
      trim2 = trim;
      const s = bit(data, node.prefixlen);
      trim = [node, s];
      node = node.child[s];
    }
    if (!node || node.prefixlen !== plen || node.prefixlen !== m || node.im) return ENOENT;
    const set = (slot: [Node | undefined, 0 | 1], n: Node | undefined): void => {
      if (slot[0]) slot[0].child[slot[1]] = n;
      else this.root = n;
    };
    this.nEntries--;
    this.slab.release(node.addr);
    if (node.child[0] && node.child[1]) {
      node.im = true;
      node.addr = 0;
      return 0;
    }
    if (parent && parent.im && !node.child[0] && !node.child[1]) {
      set(trim2, node === parent.child[0] ? parent.child[1] : parent.child[0]);
      return 0;
    }
    set(trim, node.child[0] ?? node.child[1]);
    return 0;
  }

  protected override sysDelete(key: Uint8Array | undefined): number {
    return this.deleteRaw(key!);
  }

  private leftmost(from: Node | undefined): Node | undefined {
    let next: Node | undefined;
    for (let node = from; node; ) {
      if (node.im) node = node.child[0];
      else {
        next = node;
        node = node.child[0] ?? next.child[1];
      }
    }
    return next;
  }

  private keyOf(n: Node): Uint8Array {
    const k = new Uint8Array(this.info.keySize);
    new DataView(k.buffer).setUint32(0, n.prefixlen, true);
    k.set(n.data, 4);
    return k;
  }

  protected override sysNextKey(key: Uint8Array | undefined): Uint8Array | number {
    if (!this.root) return ENOENT;
    const first = (): Uint8Array => this.keyOf(this.leftmost(this.root)!);
    if (key === undefined) return first();
    const plen = LpmTrieMap.prefixlenOf(key);
    if (plen > this.maxPrefixlen) return first();
    const stack: Node[] = [];
    let node: Node | undefined = this.root;
    let m = 0;
    while (node) {
      stack.push(node);
      m = this.match(node, key, plen);
      if (node.prefixlen !== m || node.prefixlen === plen) break;
      node = node.child[bit(key.subarray(4), node.prefixlen)];
    }
    // Only an exact match (every prefix bit equal) continues from the key; anything else restarts.
    if (!node || node.prefixlen !== plen || node.prefixlen !== m || node.im) return first();
    let cur = stack[stack.length - 1]!;
    for (let sp = stack.length - 1; sp > 0; sp--) {
      const p = stack[sp - 1]!;
      if (p.child[0] === cur && p.child[1]) return this.keyOf(this.leftmost(p.child[1])!);
      if (!p.im) return this.keyOf(p);
      cur = p;
    }
    return ENOENT;
  }

  override lookupAddr(keyAddr: number): number {
    return this.lookupNode(this.readKey(keyAddr))?.addr ?? 0;
  }

  override updateFromVm(keyAddr: number, valueAddr: number, flags: number): number {
    this.assertProgWrite("bpf_map_update_elem");
    return this.updateRaw(this.readKey(keyAddr), this.readValue(valueAddr), flags);
  }

  override deleteFromVm(keyAddr: number): number {
    this.assertProgWrite("bpf_map_delete_elem");
    return this.deleteRaw(this.readKey(keyAddr));
  }
}
