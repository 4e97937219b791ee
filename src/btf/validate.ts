import { BtfError } from "./errors.js";
import { btfTable, type BtfTable } from "./table.js";
import { BtfKind, type Btf, type BtfType } from "./types.js";

const validated = new WeakSet<Btf>();

/** Every type id a type refers to. */
export function typeRefs(t: BtfType): number[] {
  switch (t.kind) {
    case BtfKind.PTR:
    case BtfKind.TYPEDEF:
    case BtfKind.VOLATILE:
    case BtfKind.CONST:
    case BtfKind.RESTRICT:
    case BtfKind.FUNC:
    case BtfKind.VAR:
    case BtfKind.DECL_TAG:
    case BtfKind.TYPE_TAG:
      return [t.sizeOrType];
    case BtfKind.ARRAY:
      return [t.elemType!, t.indexType!];
    case BtfKind.STRUCT:
    case BtfKind.UNION:
      return t.members!.map((m) => m.type);
    case BtfKind.FUNC_PROTO:
      return [t.sizeOrType, ...t.params!.map((p) => p.type)];
    case BtfKind.DATASEC:
      return t.secinfos!.map((v) => v.type);
    default:
      return [];
  }
}

/**
 * The type ids a type of the table refers to, in `typeRefs` order, written to `out` from index
 * `at`; returns the new end. `out` must have room (a type has at most 0xffff + 1 references).
 */
export function tableRefs(table: BtfTable, id: number, out: Int32Array, at: number): number {
  const w = table.words;
  const o = table.offs[id]!;
  switch (table.kinds[id]) {
    case BtfKind.PTR:
    case BtfKind.TYPEDEF:
    case BtfKind.VOLATILE:
    case BtfKind.CONST:
    case BtfKind.RESTRICT:
    case BtfKind.FUNC:
    case BtfKind.VAR:
    case BtfKind.DECL_TAG:
    case BtfKind.TYPE_TAG:
      out[at++] = w[o + 2]!;
      return at;
    case BtfKind.ARRAY:
      out[at++] = w[o + 3]!;
      out[at++] = w[o + 4]!;
      return at;
    case BtfKind.STRUCT:
    case BtfKind.UNION: {
      const vlen = w[o + 1]! & 0xffff;
      for (let i = 0, q = o + 4; i < vlen; i++, q += 3) out[at++] = w[q]!;
      return at;
    }
    case BtfKind.FUNC_PROTO: {
      out[at++] = w[o + 2]!;
      const vlen = w[o + 1]! & 0xffff;
      for (let i = 0, q = o + 4; i < vlen; i++, q += 2) out[at++] = w[q]!;
      return at;
    }
    case BtfKind.DATASEC: {
      const vlen = w[o + 1]! & 0xffff;
      for (let i = 0, q = o + 3; i < vlen; i++, q += 3) out[at++] = w[q]!;
      return at;
    }
    default:
      return at;
  }
}

/** Kinds whose references are followed without any cycle guard by type walkers (dumper, sizes). */
function isChainKind(kind: number): boolean {
  return (
    kind === BtfKind.PTR ||
    kind === BtfKind.ARRAY ||
    kind === BtfKind.TYPEDEF ||
    kind === BtfKind.VOLATILE ||
    kind === BtfKind.CONST ||
    kind === BtfKind.RESTRICT ||
    kind === BtfKind.TYPE_TAG ||
    kind === BtfKind.FUNC_PROTO
  );
}

/**
 * Checks what the kernel's BTF verifier would reject before anything walks the type graph: type ids
 * out of range and reference cycles that do not pass through a struct or union (e.g. a pointer to
 * itself). Results are cached per Btf.
 */
export function validateBtf(btf: Btf): void {
  if (validated.has(btf)) return;
  validateBtfTable(btf, btfTable(btf));
}

/** `validateBtf` with the Btf's table at hand (cached per Btf like `validateBtf`). */
export function validateBtfTable(btf: Btf, table: BtfTable): void {
  if (validated.has(btf)) return;
  validateTable(table);
  validated.add(btf);
}

/** `validateBtf` on a table (uncached). */
export function validateTable(table: BtfTable): void {
  const { count: n, kinds, offs, words: w } = table;
  // Type ids in range (the first offender, in id and typeRefs order). Meanwhile note the chain
  // edges that do not point to a lower id: every reference cycle has one.
  const upSources: number[] = [];
  for (let id = table.startId; id < n; id++) {
    const o = offs[id]!;
    let bad = -1;
    let up = false;
    switch (kinds[id]) {
      case BtfKind.PTR:
      case BtfKind.TYPEDEF:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG: {
        const ref = w[o + 2]!;
        if (ref >= n) bad = ref;
        else if (ref >= id) up = true;
        break;
      }
      case BtfKind.FUNC:
      case BtfKind.VAR:
      case BtfKind.DECL_TAG:
        if (w[o + 2]! >= n) bad = w[o + 2]!;
        break;
      case BtfKind.ARRAY: {
        const elem = w[o + 3]!;
        const index = w[o + 4]!;
        if (elem >= n) bad = elem;
        else if (index >= n) bad = index;
        else if (elem >= id || index >= id) up = true;
        break;
      }
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        const vlen = w[o + 1]! & 0xffff;
        for (let i = 0, q = o + 4; i < vlen; i++, q += 3) {
          if (w[q]! >= n) {
            bad = w[q]!;
            break;
          }
        }
        break;
      }
      case BtfKind.FUNC_PROTO: {
        const ret = w[o + 2]!;
        if (ret >= n) {
          bad = ret;
          break;
        }
        if (ret >= id) up = true;
        const vlen = w[o + 1]! & 0xffff;
        for (let i = 0, q = o + 4; i < vlen; i++, q += 2) {
          const ref = w[q]!;
          if (ref >= n) {
            bad = ref;
            break;
          }
          if (ref >= id) up = true;
        }
        break;
      }
      case BtfKind.DATASEC: {
        const vlen = w[o + 1]! & 0xffff;
        for (let i = 0, q = o + 3; i < vlen; i++, q += 3) {
          if (w[q]! >= n) {
            bad = w[q]!;
            break;
          }
        }
        break;
      }
      default:
        break;
    }
    if (bad >= 0) throw new BtfError(`type [${id}] refers to type id ${bad}, but only ${n - 1} types exist`);
    if (up) upSources.push(id);
  }
  // The base's own chains are checked too: a cycle there is reachable from this BTF's types.
  if (table.startId > 1) {
    const refs = new Int32Array(0x10001);
    for (let id = 1; id < table.startId; id++) {
      if (isChainKind(kinds[id]!) && hasUpRef(table, id, refs)) upSources.push(id);
    }
  }
  if (upSources.length === 0 || !findsCycle(table, upSources)) return;
  // There is a cycle: find it again the way it has always been reported.
  reportCycle(table);
}

/** Whether a chain-kind type refers to itself or to a higher id. */
function hasUpRef(table: BtfTable, id: number, refs: Int32Array): boolean {
  const end = tableRefs(table, id, refs, 0);
  for (let i = 0; i < end; i++) if (refs[i]! >>> 0 >= id) return true;
  return false;
}

/** Three-colour DFS over chain-kind edges from the given roots: is there a cycle? */
function findsCycle(table: BtfTable, roots: readonly number[]): boolean {
  const kinds = table.kinds;
  const colour = new Uint8Array(table.count);
  const refs = new Int32Array(0x10001);
  let stack = new Int32Array(1024);
  for (const root of roots) {
    if (colour[root] || !isChainKind(kinds[root]!)) continue;
    let sp = 0;
    stack[sp++] = root;
    while (sp) {
      const id = stack[sp - 1]!;
      if (colour[id] === 0) {
        colour[id] = 1;
        const end = tableRefs(table, id, refs, 0);
        for (let i = 0; i < end; i++) {
          const ref = refs[i]!;
          if (ref === 0 || !isChainKind(kinds[ref]!)) continue;
          if (colour[ref] === 1) return true;
          if (colour[ref] === 0) {
            if (sp === stack.length) {
              const bigger = new Int32Array(stack.length * 2);
              bigger.set(stack);
              stack = bigger;
            }
            stack[sp++] = ref;
          }
        }
      } else {
        sp--;
        colour[id] = 2;
      }
    }
  }
  return false;
}

/** The full DFS, from every type of this BTF in id order: throws for the first cycle it meets. */
function reportCycle(table: BtfTable): void {
  const n = table.count;
  const kinds = table.kinds;
  const refs = new Int32Array(0x10001);
  const colour = new Uint8Array(n);
  const stack: number[] = [];
  for (let root = table.startId; root < n; root++) {
    if (colour[root] || !isChainKind(kinds[root]!)) continue;
    stack.push(root);
    while (stack.length) {
      const id = stack[stack.length - 1]!;
      if (colour[id] === 0) {
        colour[id] = 1;
        const end = tableRefs(table, id, refs, 0);
        for (let i = 0; i < end; i++) {
          const ref = refs[i]!;
          if (ref === 0 || !isChainKind(kinds[ref]!)) continue;
          if (colour[ref] === 1) throw new BtfError(`type [${id}] is part of a reference cycle through type [${ref}]`, { code: "ELOOP" });
          if (colour[ref] === 0) stack.push(ref);
        }
      } else {
        stack.pop();
        colour[id] = 2;
      }
    }
  }
}
