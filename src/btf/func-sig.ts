import { BtfKind, BTF_VAR_STATIC, type Btf } from "./types.js";

/**
 * A function's signature as `bpftool prog dump xlated` prints it above the function's first
 * instruction ("int data_user(void * ctx)"): bpftool's own compact type printer, not C syntax.
 * Returns "" when the type cannot be printed.
 */
export function funcSignature(btf: Btf, typeId: number): string {
  const parts: string[] = [];
  const emit = (s: string) => parts.push(s);
  const name = (off: number, n: string | undefined) => (off === 0 ? "" : (n ?? "(null)"));
  const typeOnly = (id: number, depth: number): boolean => {
    if (depth > 64) return false;
    if (id === 0) {
      emit("void ");
      return true;
    }
    const t = btf.types[id];
    if (!t) return false;
    switch (t.kind) {
      case BtfKind.INT:
      case BtfKind.TYPEDEF:
      case BtfKind.FLOAT:
        emit(`${name(t.nameOff, t.name)} `);
        return true;
      case BtfKind.STRUCT:
        emit(`struct ${name(t.nameOff, t.name)} `);
        return true;
      case BtfKind.UNION:
        emit(`union ${name(t.nameOff, t.name)} `);
        return true;
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
        emit(`enum ${name(t.nameOff, t.name)} `);
        return true;
      case BtfKind.ARRAY:
        if (!typeOnly(t.elemType!, depth + 1)) return false;
        emit(`[${t.nelems! | 0}]`);
        return true;
      case BtfKind.PTR:
        if (!typeOnly(t.sizeOrType, depth + 1)) return false;
        emit("* ");
        return true;
      case BtfKind.FWD:
        emit(`${t.kflag ? "union" : "struct"} ${name(t.nameOff, t.name)} `);
        return true;
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
        emit(t.kind === BtfKind.VOLATILE ? "volatile " : t.kind === BtfKind.CONST ? "const " : "restrict ");
        return typeOnly(t.sizeOrType, depth + 1);
      case BtfKind.FUNC_PROTO:
        return func(id, undefined, depth);
      case BtfKind.FUNC:
        return func(t.sizeOrType, id, depth);
      case BtfKind.VAR:
        if (t.linkage === BTF_VAR_STATIC) emit("static ");
        if (!typeOnly(t.sizeOrType, depth + 1)) return false;
        emit(` ${name(t.nameOff, t.name)}`);
        return true;
      case BtfKind.DATASEC:
        emit(`section ("${name(t.nameOff, t.name)}") `);
        return true;
      default:
        return false;
    }
  };
  const func = (protoId: number, funcId: number | undefined, depth: number): boolean => {
    const proto = btf.types[protoId];
    if (!proto || proto.kind !== BtfKind.FUNC_PROTO) return false;
    if (!typeOnly(proto.sizeOrType, depth + 1)) return false;
    const f = funcId === undefined ? undefined : btf.types[funcId]!;
    emit(f ? `${name(f.nameOff, f.name)}(` : "(");
    proto.params!.forEach((p, i) => {
      if (i) emit(", ");
      if (p.type) {
        typeOnly(p.type, depth + 1);
        if (p.nameOff) emit(name(p.nameOff, p.name));
        else if (parts.length && parts[parts.length - 1]!.endsWith(" ")) parts[parts.length - 1] = parts[parts.length - 1]!.slice(0, -1);
      } else {
        emit("...");
      }
    });
    emit(")");
    return true;
  };
  return typeOnly(typeId, 0) ? parts.join("") : "";
}
