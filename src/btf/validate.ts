import { BtfError } from "./errors.js";
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
  const types = btf.types;
  const n = types.length;
  for (let id = btf.startId; id < n; id++) {
    for (const ref of typeRefs(types[id]!)) {
      if (ref >= n) throw new BtfError(`type [${id}] refers to type id ${ref}, but only ${n - 1} types exist`);
    }
  }
  // Iterative three-colour DFS over chain-kind edges only.
  const colour = new Uint8Array(n);
  const stack: number[] = [];
  for (let root = btf.startId; root < n; root++) {
    if (colour[root] || !isChainKind(types[root]!.kind)) continue;
    stack.push(root);
    while (stack.length) {
      const id = stack[stack.length - 1]!;
      if (colour[id] === 0) {
        colour[id] = 1;
        for (const ref of typeRefs(types[id]!)) {
          if (ref === 0 || !isChainKind(types[ref]!.kind)) continue;
          if (colour[ref] === 1) throw new BtfError(`type [${id}] is part of a reference cycle through type [${ref}]`, { code: "ELOOP" });
          if (colour[ref] === 0) stack.push(ref);
        }
      } else {
        stack.pop();
        colour[id] = 2;
      }
    }
  }
  validated.add(btf);
}
