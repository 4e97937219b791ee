import { ElfFile, SHT_PROGBITS } from "../elf/reader.js";
import { BtfError } from "./errors.js";
import { parseBtfExt, type BtfExt } from "./ext.js";
import { parseBtf } from "./parse.js";
import { BTF_MAGIC, type Btf } from "./types.js";

export interface BtfFile {
  btf: Btf;
  btfExt?: BtfExt;
}

/**
 * BTF from the bytes of a file, as `bpftool btf dump file` reads it: raw BTF (e.g.
 * /sys/kernel/btf/vmlinux) when it starts with the BTF magic, else the `.BTF` section of an ELF
 * object (whose class fixes the pointer size). `base` makes it split BTF (kernel modules).
 */
export function btfFromFile(bytes: Uint8Array, options: { base?: Btf; ext?: boolean; name?: string } = {}): BtfFile {
  const magic = bytes.length >= 2 ? bytes[0]! | (bytes[1]! << 8) : 0;
  if (magic === BTF_MAGIC || magic === ((BTF_MAGIC >> 8) | ((BTF_MAGIC & 0xff) << 8))) {
    return { btf: parseBtf(bytes, { ...(options.base ? { base: options.base } : {}), section: options.name ?? "BTF" }) };
  }
  const elf = new ElfFile(bytes);
  const sec = elf.sectionByName(".BTF");
  if (!sec) throw new BtfError("no .BTF section in this ELF file", { section: options.name ?? ".BTF", code: "ENOENT" });
  if (sec.type !== SHT_PROGBITS) throw new BtfError(`.BTF section has type ${sec.type}, not PROGBITS`, { section: ".BTF" });
  const btf = parseBtf(elf.data(sec), { ...(options.base ? { base: options.base } : {}), pointerSize: 8 });
  const out: BtfFile = { btf };
  if (options.ext) {
    const ext = elf.sectionByName(".BTF.ext");
    if (ext) out.btfExt = parseBtfExt(elf.data(ext), btf);
  }
  return out;
}
