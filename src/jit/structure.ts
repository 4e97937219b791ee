/**
 * Turns a function's CFG into WebAssembly's structured control flow.
 *
 * Reducible CFGs (everything clang emits) go through the dominator-tree translation of Ramsey,
 * "Beyond Relooper" (ICFP 2022): loops become `loop`, forward edges to merge points become `br`
 * out of a `block`, and a block with a single forward predecessor is placed inline at its branch.
 * Branches are then direct, so V8 sees ordinary loops and allocates registers across them.
 *
 * Irreducible CFGs (possible in hand-written or fuzzed programs) fall back to a dispatch loop:
 * a `br_table` on a label local selects the next block; correct for any graph, slower.
 */
import type { Block, CfgAnalysis, FuncCfg } from "./cfg.js";
import { Op, type Code } from "./wasm.js";

export interface BlockEmitter {
  /**
   * Emits a block's instructions up to its terminating branch. For "exit" and "falloff" blocks
   * this ends with return / a trap, so control never falls out.
   */
  body(b: Block): void;
  /** Pushes the i32 "branch taken" condition of a cond block. */
  cond(b: Block): void;
}

type Label = { kind: "loop" | "block" | "if"; node: number };

/** Work items of the (iterative) translation; see emitStructured. */
const enum Task {
  Tree, // translate the dominator subtree rooted at x
  Body, // x's instructions and branches
  Close, // `end` of the innermost construct
}

/**
 * The translation is iterative (an explicit task stack in emission order), so programs with long
 * chains of blocks cannot exhaust the JS stack. Every translated subtree ends in br, return or
 * unreachable, which lets a two-way branch be `if { taken } end; fallthrough` instead of nesting
 * the fallthrough in an `else`: nesting then grows only with real nesting in the program.
 */
export function emitStructured(cfg: FuncCfg, an: CfgAnalysis, code: Code, em: BlockEmitter): void {
  const { rpo, children, loopHeader, forwardIn } = an;
  const blocks = cfg.blocks;
  const ctx: Label[] = [];
  const isMerge = (b: number) => forwardIn[b]! >= 2;
  const tasks: number[] = []; // pairs (task, node), popped from the end

  const labelIndex = (kind: Label["kind"], node: number): number => {
    for (let i = ctx.length - 1; i >= 0; i--) {
      const l = ctx[i]!;
      if (l.kind === kind && l.node === node) return ctx.length - 1 - i;
    }
    throw new Error(`stackifier: no ${kind} label for block ${node}`);
  };

  /** The br depth a branch from x to y needs, or -1 when y is to be placed inline. */
  const branchDepth = (x: number, y: number): number => {
    if (rpo[y]! <= rpo[x]!) return labelIndex("loop", y);
    if (isMerge(y)) return labelIndex("block", y);
    return -1;
  };

  const tree = (x: number) => {
    // Merge children, highest reverse-postorder number first: outermost block, emitted last.
    const ys = children[x]!.filter(isMerge).sort((p, q) => rpo[q]! - rpo[p]!);
    if (loopHeader[x]) {
      code.loop();
      ctx.push({ kind: "loop", node: x });
      tasks.push(Task.Close, x);
    }
    // After x's body: close y_last and translate it, …, close y_0 and translate it.
    for (let i = 0; i < ys.length; i++) tasks.push(Task.Tree, ys[i]!, Task.Close, x);
    for (const y of ys) {
      code.block();
      ctx.push({ kind: "block", node: y });
    }
    tasks.push(Task.Body, x);
  };

  const body = (x: number) => {
    const b = blocks[x]!;
    em.body(b);
    if (b.kind === "exit" || b.kind === "falloff") return;
    if (b.kind === "jump" || b.kind === "fall") {
      const y = b.succ[0]!;
      const d = branchDepth(x, y);
      if (d >= 0) code.br(d);
      else tasks.push(Task.Tree, y);
      return;
    }
    const [t, f] = b.succ as [number, number];
    em.cond(b);
    const dt = branchDepth(x, t);
    const df = branchDepth(x, f);
    if (dt >= 0) {
      code.brIf(dt);
      if (df >= 0) code.br(df);
      else tasks.push(Task.Tree, f);
    } else if (df >= 0) {
      code.op(Op.i32_eqz).brIf(df);
      tasks.push(Task.Tree, t);
    } else {
      code.if();
      ctx.push({ kind: "if", node: x });
      tasks.push(Task.Tree, f, Task.Close, x, Task.Tree, t);
    }
  };

  tasks.push(Task.Tree, 0);
  while (tasks.length > 0) {
    const x = tasks.pop()!;
    const task = tasks.pop()! as Task;
    if (task === Task.Tree) tree(x);
    else if (task === Task.Body) body(x);
    else {
      code.end();
      ctx.pop();
    }
  }
}

/**
 * Dispatch-loop form for any CFG: `loop { block_n { … block_0 { br_table } code_0 } … code_n }`.
 * Falling out of code_k runs code_k+1, so straight-line successors cost nothing.
 */
export function emitDispatch(cfg: FuncCfg, an: CfgAnalysis, code: Code, em: BlockEmitter, labelLocal: number): void {
  const order = an.order;
  const pos = new Int32Array(cfg.blocks.length).fill(-1);
  order.forEach((b, i) => (pos[b] = i));
  const n = order.length;
  code.loop();
  for (let i = 0; i < n; i++) code.block();
  code.get(labelLocal).byte(Op.br_table).u32(n);
  for (let i = 0; i < n; i++) code.u32(i);
  code.u32(0);
  code.end();
  // After the end of block_k we are at depth (n - 1 - k) blocks + the loop.
  const goTo = (k: number, target: number) => {
    const t = pos[target]!;
    if (t === k + 1) return; // falls into the next block's code
    code.i32(t).set(labelLocal).br(n - 1 - k);
  };
  for (let k = 0; k < n; k++) {
    const b = cfg.blocks[order[k]!]!;
    em.body(b);
    if (b.kind === "jump" || b.kind === "fall") goTo(k, b.succ[0]!);
    else if (b.kind === "cond") {
      em.cond(b);
      code.if();
      // Inside the if, one more label sits between us and the loop.
      const t = pos[b.succ[0]!]!;
      code.i32(t).set(labelLocal).br(n - k);
      code.end();
      goTo(k, b.succ[1]!);
    }
    if (k < n - 1) code.end();
  }
  code.end(); // loop
}
