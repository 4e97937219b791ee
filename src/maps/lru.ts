/**
 * The kernel's LRU for lru_hash maps (kernel/bpf/bpf_lru_list.c), re-implemented node for node so
 * eviction matches the kernel's on the same sequence of operations run on the same CPUs:
 *
 * - common LRU (default): one global list set (active, inactive, free) plus, per CPU, a local
 *   free list and a pending list. A CPU that needs a node takes one from its local free list;
 *   when that is empty it flushes its pending nodes into the global lists, rotates them, and
 *   moves up to target_free free nodes to its local list — shrinking the inactive list (evicting
 *   up to target_free unreferenced elements at once) when the global free list is short;
 *   target_free = clamp(max_entries / cpus / 2, 1, 128) (Linux ≥ 6.16; before, always 128). Only when all of
 *   that fails does it steal from other CPUs' local lists. This is why a small full lru_hash
 *   evicts several elements at once, exactly as the kernel does.
 * - BPF_F_NO_COMMON_LRU: one list set per CPU, shrinking 4 at a time.
 *
 * A lookup from a program sets the node's reference bit; a lookup from the host does not.
 * Host operations run on `hostCpu` (0 by default); the kernel runs them on whichever CPU the
 * calling thread is on, so a differential test must pin its process to that CPU.
 */

export const enum LruType {
  ACTIVE = 0,
  INACTIVE = 1,
  FREE = 2,
  LOCAL_FREE = 3,
  LOCAL_PENDING = 4,
}

const LOCAL_FREE_TARGET = 128;
const PERCPU_FREE_TARGET = 4;

/** A list link; nodes and list heads are both links (heads are sentinels). */
export interface Link {
  prev: Link;
  next: Link;
}

export interface LruNode extends Link {
  lruType: LruType;
  ref: number;
  cpu: number;
}

function head(): Link {
  const h = {} as Link;
  h.prev = h;
  h.next = h;
  return h;
}

function del(n: Link): void {
  n.prev.next = n.next;
  n.next.prev = n.prev;
}

function addHead(n: Link, h: Link): void {
  n.next = h.next;
  n.prev = h;
  h.next.prev = n;
  h.next = n;
}

function move(n: Link, h: Link): void {
  del(n);
  addHead(n, h);
}

const isLocal = (t: LruType): boolean => t >= LruType.LOCAL_FREE;

class LruList {
  readonly lists: Link[] = [head(), head(), head()];
  readonly counts = [0, 0];
  nextInactiveRotation: Link;
  constructor() {
    this.nextInactiveRotation = this.lists[LruType.INACTIVE]!;
  }
  inc(t: LruType): void {
    if (t < 2) this.counts[t]!++;
  }
  dec(t: LruType): void {
    if (t < 2) this.counts[t]!--;
  }
}

class LocalList {
  readonly free = head();
  readonly pending = head();
  nextSteal: number;
  constructor(cpu: number) {
    this.nextSteal = cpu;
  }
}

export class BpfLru<N extends LruNode> {
  private readonly percpu: boolean;
  private readonly nrScans: number;
  /** How many free nodes a CPU takes from the global list at once (common LRU). */
  private targetFree = LOCAL_FREE_TARGET;
  private readonly cpus: number;
  private readonly global = new LruList();
  private readonly perCpu: LruList[] = [];
  private readonly locals: LocalList[] = [];
  /** Removes the node's element from the hash table; false when it is not there. */
  private readonly delFromHtab: (node: N) => boolean;

  constructor(percpu: boolean, cpus: number, delFromHtab: (node: N) => boolean) {
    this.percpu = percpu;
    this.cpus = cpus;
    this.delFromHtab = delFromHtab;
    this.nrScans = percpu ? PERCPU_FREE_TARGET : LOCAL_FREE_TARGET;
    for (let c = 0; c < cpus; c++) {
      if (percpu) this.perCpu.push(new LruList());
      else this.locals.push(new LocalList(c));
    }
  }

  /** bpf_lru_populate: all nodes start free (per-CPU: split evenly between the CPUs). */
  populate(nodes: N[]): void {
    if (!this.percpu) {
      // Since Linux 6.16 a CPU takes at most half its share of the map, so small maps do not
      // evict early: target_free = clamp(nr_elems / nr_cpus / 2, 1, LOCAL_FREE_TARGET).
      this.targetFree = Math.min(LOCAL_FREE_TARGET, Math.max(1, Math.floor(Math.floor(nodes.length / this.cpus) / 2)));
      const l = this.global;
      for (const n of nodes) {
        n.lruType = LruType.FREE;
        n.ref = 0;
        addHead(n, l.lists[LruType.FREE]!);
      }
      return;
    }
    const per = Math.floor(nodes.length / this.cpus);
    let i = 0;
    for (let cpu = 0; cpu < this.cpus && i < nodes.length; cpu++) {
      const l = this.perCpu[cpu]!;
      do {
        const n = nodes[i]!;
        n.cpu = cpu;
        n.lruType = LruType.FREE;
        n.ref = 0;
        addHead(n, l.lists[LruType.FREE]!);
        i++;
      } while (i < nodes.length && i % per !== 0);
    }
  }

  static setRef(n: LruNode): void {
    if (!n.ref) n.ref = 1;
  }

  // ---- list moves -------------------------------------------------------------------------------
  private moveToFree(l: LruList, n: N, freeList: Link, t: LruType): void {
    if (isLocal(n.lruType)) return;
    if (n === l.nextInactiveRotation) l.nextInactiveRotation = n.prev;
    l.dec(n.lruType);
    n.lruType = t;
    move(n, freeList);
  }

  private moveIn(l: LruList, n: N, t: LruType): void {
    if (!isLocal(n.lruType) || isLocal(t)) return;
    l.inc(t);
    n.lruType = t;
    n.ref = 0;
    move(n, l.lists[t]!);
  }

  private moveTo(l: LruList, n: N, t: LruType): void {
    if (isLocal(n.lruType) || isLocal(t)) return;
    if (n.lruType !== t) {
      l.dec(n.lruType);
      l.inc(t);
      n.lruType = t;
    }
    n.ref = 0;
    if (n === l.nextInactiveRotation) l.nextInactiveRotation = n.prev;
    move(n, l.lists[t]!);
  }

  private rotateActive(l: LruList): void {
    const active = l.lists[LruType.ACTIVE]!;
    const first = active.next;
    let i = 0;
    for (let n = active.prev, p = n.prev; n !== active; n = p, p = n.prev) {
      this.moveTo(l, n as N, (n as N).ref ? LruType.ACTIVE : LruType.INACTIVE);
      if (++i === this.nrScans || n === first) break;
    }
  }

  private rotateInactive(l: LruList): void {
    const inactive = l.lists[LruType.INACTIVE]!;
    if (inactive.next === inactive) return;
    let last = l.nextInactiveRotation.next;
    if (last === inactive) last = last.next;
    let cur = l.nextInactiveRotation;
    let next: Link = inactive;
    let i = 0;
    while (i < this.nrScans) {
      if (cur === inactive) {
        cur = cur.prev;
        continue;
      }
      next = cur.prev;
      if ((cur as N).ref) this.moveTo(l, cur as N, LruType.ACTIVE);
      if (cur === last) break;
      cur = next;
      i++;
    }
    l.nextInactiveRotation = next;
  }

  private shrinkInactive(l: LruList, target: number, freeList: Link, t: LruType): number {
    const inactive = l.lists[LruType.INACTIVE]!;
    let shrunk = 0;
    let i = 0;
    for (let n = inactive.prev, p = n.prev; n !== inactive; n = p, p = n.prev) {
      const node = n as N;
      if (node.ref) {
        this.moveTo(l, node, LruType.ACTIVE);
      } else if (this.delFromHtab(node)) {
        this.moveToFree(l, node, freeList, t);
        if (++shrunk === target) break;
      }
      if (++i === this.nrScans) break;
    }
    return shrunk;
  }

  private rotate(l: LruList): void {
    if (l.counts[LruType.INACTIVE]! < l.counts[LruType.ACTIVE]!) this.rotateActive(l);
    this.rotateInactive(l);
  }

  private shrink(l: LruList, target: number, freeList: Link, t: LruType): number {
    const n = this.shrinkInactive(l, target, freeList, t);
    if (n) return n;
    const inactive = l.lists[LruType.INACTIVE]!;
    const force = inactive.next !== inactive ? inactive : l.lists[LruType.ACTIVE]!;
    for (let x = force.prev, p = x.prev; x !== force; x = p, p = x.prev) {
      if (this.delFromHtab(x as N)) {
        this.moveToFree(l, x as N, freeList, t);
        return 1;
      }
    }
    return 0;
  }

  private flushLocal(l: LruList, loc: LocalList): void {
    for (let n = loc.pending.prev, p = n.prev; n !== loc.pending; n = p, p = n.prev) {
      this.moveIn(l, n as N, (n as N).ref ? LruType.ACTIVE : LruType.INACTIVE);
    }
  }

  private popFreeToLocal(loc: LocalList): void {
    const l = this.global;
    this.flushLocal(l, loc);
    this.rotate(l);
    const free = l.lists[LruType.FREE]!;
    let nfree = 0;
    for (let n = free.next, nx = n.next; n !== free; n = nx, nx = n.next) {
      this.moveToFree(l, n as N, loc.free, LruType.LOCAL_FREE);
      if (++nfree === this.targetFree) break;
    }
    if (nfree < this.targetFree) this.shrink(l, this.targetFree - nfree, loc.free, LruType.LOCAL_FREE);
  }

  private addPending(loc: LocalList, cpu: number, n: N): void {
    n.cpu = cpu;
    n.lruType = LruType.LOCAL_PENDING;
    n.ref = 0;
    addHead(n, loc.pending);
  }

  private localPopFree(loc: LocalList): N | undefined {
    const n = loc.free.next;
    if (n === loc.free) return undefined;
    del(n);
    return n as N;
  }

  private localPopPending(loc: LocalList): N | undefined {
    for (const force of [false, true]) {
      for (let n = loc.pending.prev; n !== loc.pending; n = n.prev) {
        if ((!(n as N).ref || force) && this.delFromHtab(n as N)) {
          del(n);
          return n as N;
        }
      }
    }
    return undefined;
  }

  /** bpf_lru_pop_free: a node for a new element on `cpu` (evicting if it must), or undefined. */
  popFree(cpu: number): N | undefined {
    if (this.percpu) {
      const l = this.perCpu[cpu]!;
      this.rotate(l);
      const free = l.lists[LruType.FREE]!;
      if (free.next === free) this.shrink(l, PERCPU_FREE_TARGET, free, LruType.FREE);
      if (free.next === free) return undefined;
      const n = free.next as N;
      n.ref = 0;
      this.moveTo(l, n, LruType.INACTIVE);
      return n;
    }
    const loc = this.locals[cpu]!;
    let n = this.localPopFree(loc);
    if (!n) {
      this.popFreeToLocal(loc);
      n = this.localPopFree(loc);
    }
    if (n) {
      this.addPending(loc, cpu, n);
      return n;
    }
    const first = loc.nextSteal;
    let steal = first;
    do {
      const sl = this.locals[steal]!;
      n = this.localPopFree(sl) ?? this.localPopPending(sl);
      steal = (steal + 1) % this.cpus;
    } while (!n && steal !== first);
    loc.nextSteal = steal;
    if (n) this.addPending(loc, cpu, n);
    return n;
  }

  /** bpf_lru_push_free: gives a node back after its element was deleted (or never inserted). */
  pushFree(n: N): void {
    if (this.percpu) {
      this.moveTo(this.perCpu[n.cpu]!, n, LruType.FREE);
      return;
    }
    if (n.lruType === LruType.FREE || n.lruType === LruType.LOCAL_FREE) return;
    if (n.lruType === LruType.LOCAL_PENDING) {
      n.lruType = LruType.LOCAL_FREE;
      n.ref = 0;
      move(n, this.locals[n.cpu]!.free);
      return;
    }
    this.moveTo(this.global, n, LruType.FREE);
  }
}
