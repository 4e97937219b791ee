import { alignOf, resolveSize } from "../btf/layout.js";
import { BtfKind, BTF_VAR_GLOBAL_EXTERN, BTF_VAR_STATIC, type Btf } from "../btf/types.js";
import { ElfError } from "./errors.js";
import { SHN_UNDEF, STT_NOTYPE, STT_OBJECT, STV_HIDDEN, STV_INTERNAL, type ElfFile, type ElfSymbol } from "./reader.js";

/**
 * What libbpf does to an object's BTF before using it: clang leaves DATASEC sizes and variable
 * offsets at zero, so they are filled in from the ELF sections and symbols; hidden globals become
 * static; .kconfig externs are laid out (by alignment, size, name) since no section backs them.
 * Works on the parsed types; `btf.raw` keeps the bytes as found in the file.
 */
export function fixupBtf(btf: Btf, elf: ElfFile, symbols: ElfSymbol[]): void {
  for (let id = 1; id < btf.types.length; id++) {
    const t = btf.types[id]!;
    if (t.kind !== BtfKind.DATASEC) continue;
    const name = t.name ?? "";
    if (name === ".kconfig") {
      layoutKconfig(btf, t);
      continue;
    }
    if (name === ".ksyms") continue;
    let fixOffsets = false;
    if (t.sizeOrType === 0) {
      const sec = elf.sectionByName(name);
      if (!sec || sec.size === 0) continue;
      t.sizeOrType = sec.size;
      fixOffsets = true;
    }
    for (const vi of t.secinfos!) {
      const v = btf.types[vi.type];
      if (!v || v.kind !== BtfKind.VAR) {
        throw new ElfError(`DATASEC '${name}' (type [${id}]) holds a non-VAR type [${vi.type}]`, { section: ".BTF" });
      }
      if (v.linkage === BTF_VAR_STATIC || v.linkage === BTF_VAR_GLOBAL_EXTERN) continue;
      const sym = symbols.find(
        (s) => s.name === v.name && s.shndx !== SHN_UNDEF && (s.type === STT_OBJECT || s.type === STT_NOTYPE),
      );
      if (!sym) throw new ElfError(`no ELF symbol for variable '${v.name}' of DATASEC '${name}'`, { section: ".BTF", code: "ENOENT" });
      if (fixOffsets) vi.offset = sym.value;
      if (sym.visibility === STV_HIDDEN || sym.visibility === STV_INTERNAL) v.linkage = BTF_VAR_STATIC;
    }
    t.secinfos!.sort((a, b) => a.offset - b.offset);
  }
}

function layoutKconfig(btf: Btf, ds: NonNullable<Btf["types"][number]>): void {
  const vars = ds.secinfos!.map((vi) => {
    const v = btf.types[vi.type]!;
    const size = Math.max(0, resolveSize(btf, v?.sizeOrType ?? 0));
    return { vi, name: v?.name ?? "", size, align: Math.max(1, alignOf(btf, v?.sizeOrType ?? 0)) };
  });
  vars.sort((a, b) => b.align - a.align || a.size - b.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let off = 0;
  for (const v of vars) {
    off = Math.ceil(off / v.align) * v.align;
    v.vi.offset = off;
    v.vi.size = v.size;
    off += v.size;
  }
  ds.sizeOrType = Math.ceil(off / 8) * 8;
  ds.secinfos!.sort((a, b) => a.offset - b.offset);
}
