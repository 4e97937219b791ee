/**
 * Control-flow graphs of a program image, one per wasm function. A function starts at pc 0, at
 * every local-call target and at every subprogram address (lddw src=4); it holds every block
 * reachable from its entry by jumps (calls do not end blocks). A block reachable from two entries
 * is compiled into both functions, which keeps eBPF's "any pc may be jumped to" semantics.
 */
import type { ProgramImage } from "../vm/image.js";
import { BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC } from "../isa/opcodes.js";

export type BlockKind = "exit" | "jump" | "cond" | "fall" | "falloff";

export interface Block {
  /** Index in FuncCfg.blocks; 0 is the entry. */
  id: number;
  /** First pc; for "falloff" the program length. */
  start: number;
  /** pc after the last instruction (exclusive). */
  end: number;
  kind: BlockKind;
  /** pc of the terminating jump / exit (kind exit, jump, cond). */
  termPc: number;
  /** Successor block ids: cond → [taken, fallthrough]; jump / fall → [target]. */
  succ: number[];
}

export interface FuncCfg {
  entry: number;
  blocks: Block[];
}

/** True for conditional jumps (JMP/JMP32 compare codes and may_goto). */
export function isCondJump(op: number): boolean {
  const c = op & 7;
  if (c !== 5 && c !== 6) return false;
  const code = op & 0xf0;
  if (code === 0x00 || code === 0x80 || code === 0x90) return false;
  return code !== 0xe0 || op === 0xe5;
}

/** Slot count of the instruction at pc. */
export function width(image: ProgramImage, pc: number): number {
  return image.op[pc] === 0x18 ? 2 : 1;
}

/** Function entries: pc 0, local-call targets and lddw src=4 targets, sorted. */
export function functionEntries(image: ProgramImage): number[] {
  const set = new Set<number>([0]);
  for (let pc = 0; pc < image.length; pc += width(image, pc)) {
    const op = image.op[pc]!;
    if (op === 0x85 && image.src[pc] === BPF_PSEUDO_CALL) set.add(pc + 1 + image.imm[pc]!);
    if (op === 0x18 && image.src[pc] === BPF_PSEUDO_FUNC) set.add(image.imm[pc]!);
  }
  return [...set].sort((a, b) => a - b);
}

/** Block leaders of the whole program: entries, jump targets and pcs after a terminator. */
export function leaders(image: ProgramImage, entries: readonly number[]): Uint8Array {
  const n = image.length;
  const lead = new Uint8Array(n + 1);
  for (const e of entries) lead[e] = 1;
  for (let pc = 0; pc < n; pc += width(image, pc)) {
    const op = image.op[pc]!;
    if (op === 0x05) lead[pc + 1 + image.off[pc]!] = 1;
    else if (op === 0x06) lead[pc + 1 + image.imm[pc]!] = 1;
    else if (isCondJump(op)) lead[pc + 1 + image.off[pc]!] = 1;
    else if (op !== 0x95) continue;
    lead[pc + 1] = 1;
  }
  return lead;
}

/** Builds the CFG of the function entered at `entry`. */
export function buildCfg(image: ProgramImage, entry: number, lead: Uint8Array): FuncCfg {
  const n = image.length;
  const blocks: Block[] = [];
  const byPc = new Map<number, number>();
  const work: number[] = [];
  const blockAt = (pc: number): number => {
    let id = byPc.get(pc);
    if (id === undefined) {
      id = blocks.length;
      byPc.set(pc, id);
      blocks.push({ id, start: pc, end: pc, kind: "falloff", termPc: pc, succ: [] });
      if (pc < n) work.push(id);
    }
    return id;
  };
  blockAt(entry);
  while (work.length > 0) {
    const b = blocks[work.pop()!]!;
    let pc = b.start;
    for (;;) {
      const op = image.op[pc]!;
      const next = pc + width(image, pc);
      if (op === 0x95) {
        b.kind = "exit";
      } else if (op === 0x05 || op === 0x06) {
        b.kind = "jump";
        b.succ = [blockAt(next + (op === 0x05 ? image.off[pc]! : image.imm[pc]!))];
      } else if (isCondJump(op)) {
        b.kind = "cond";
        const taken = blockAt(next + image.off[pc]!);
        b.succ = [taken, blockAt(next)];
      } else if (next >= n || lead[next]) {
        b.kind = "fall";
        b.end = next;
        b.succ = [blockAt(next)];
        break;
      } else {
        pc = next;
        continue;
      }
      b.termPc = pc;
      b.end = next;
      break;
    }
  }
  return { entry, blocks };
}

/** Reverse postorder, immediate dominators and the facts the stackifier needs. */
export interface CfgAnalysis {
  /** Block ids in reverse postorder (only reachable blocks). */
  order: number[];
  /** rpo[id] = position in `order`. */
  rpo: Int32Array;
  idom: Int32Array;
  /** Dominator-tree children of each block. */
  children: number[][];
  loopHeader: Uint8Array;
  /** Number of forward in-edges (counting a cond whose two arms agree twice). */
  forwardIn: Int32Array;
  reducible: boolean;
}

export function analyze(cfg: FuncCfg): CfgAnalysis {
  const nb = cfg.blocks.length;
  const rpo = new Int32Array(nb).fill(-1);
  const post: number[] = [];
  // Iterative DFS (programs can be long; recursion would overflow).
  const seen = new Uint8Array(nb);
  const stack: [number, number][] = [[0, 0]];
  seen[0] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const succ = cfg.blocks[top[0]]!.succ;
    if (top[1] < succ.length) {
      const s = succ[top[1]++]!;
      if (!seen[s]) {
        seen[s] = 1;
        stack.push([s, 0]);
      }
    } else {
      post.push(top[0]);
      stack.pop();
    }
  }
  const order = post.reverse();
  order.forEach((b, i) => (rpo[b] = i));

  const preds: number[][] = Array.from({ length: nb }, () => []);
  for (const b of order) for (const s of cfg.blocks[b]!.succ) preds[s]!.push(b);

  // Cooper, Harvey & Kennedy: "A Simple, Fast Dominance Algorithm".
  const idom = new Int32Array(nb).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (rpo[a]! > rpo[b]!) a = idom[a]!;
      while (rpo[b]! > rpo[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 1; i < order.length; i++) {
      const b = order[i]!;
      let d = -1;
      for (const p of preds[b]!) {
        if (idom[p] === -1) continue;
        d = d === -1 ? p : intersect(p, d);
      }
      if (d !== idom[b]) {
        idom[b] = d;
        changed = true;
      }
    }
  }
  const children: number[][] = Array.from({ length: nb }, () => []);
  for (const b of order) if (b !== 0) children[idom[b]!]!.push(b);

  const dominates = (a: number, b: number): boolean => {
    while (b !== a && b !== 0) b = idom[b]!;
    return b === a;
  };
  const loopHeader = new Uint8Array(nb);
  const forwardIn = new Int32Array(nb);
  let reducible = true;
  for (const b of order) {
    for (const s of cfg.blocks[b]!.succ) {
      if (rpo[s]! <= rpo[b]!) {
        loopHeader[s] = 1;
        if (!dominates(s, b)) reducible = false;
      } else {
        forwardIn[s]!++;
      }
    }
  }
  return { order, rpo, idom, children, loopHeader, forwardIn, reducible };
}
