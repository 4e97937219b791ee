import { ElfError } from "./errors.js";

/*
 * A minimal ELF64 reader (little- and big-endian) for relocatable BPF objects: header, section
 * headers and names, symbols and REL/RELA relocations. Every offset and size is checked against
 * the file before it is read.
 */

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;

export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;

export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;

export const STV_DEFAULT = 0;
export const STV_HIDDEN = 2;
export const STV_INTERNAL = 1;

export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

export const EM_NONE = 0;
export const EM_BPF = 247;
export const ET_REL = 1;

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface ElfSymbol {
  index: number;
  name: string;
  /** STB_* */
  bind: number;
  /** STT_* */
  type: number;
  /** STV_* */
  visibility: number;
  shndx: number;
  value: number;
  size: number;
}

export interface ElfRelocation {
  /** Byte offset inside the target section. */
  offset: number;
  symbol: number;
  type: number;
  addend?: number;
}

export class ElfFile {
  readonly bigEndian: boolean;
  readonly machine: number;
  readonly fileType: number;
  readonly sections: ElfSection[];
  private readonly view: DataView;
  private readonly le: boolean;
  private symbolsCache: ElfSymbol[] | undefined;

  constructor(readonly bytes: Uint8Array) {
    if (bytes.length < 64) throw new ElfError(`file too short for an ELF64 header (${bytes.length} bytes)`, { offset: 0, code: "ENOEXEC" });
    if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
      throw new ElfError("not an ELF file (bad magic)", { offset: 0, code: "ENOEXEC" });
    }
    if (bytes[4] !== 2) throw new ElfError(`unsupported ELF class ${bytes[4]} (only ELF64 is a BPF object)`, { offset: 4, code: "ENOEXEC" });
    if (bytes[5] !== 1 && bytes[5] !== 2) throw new ElfError(`bad ELF data encoding ${bytes[5]}`, { offset: 5, code: "ENOEXEC" });
    this.bigEndian = bytes[5] === 2;
    this.le = !this.bigEndian;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const v = this.view;
    this.fileType = v.getUint16(16, this.le);
    this.machine = v.getUint16(18, this.le);
    const shoff = this.u64(40, "e_shoff");
    const shentsize = v.getUint16(58, this.le);
    let shnum = v.getUint16(60, this.le);
    let shstrndx = v.getUint16(62, this.le);
    if (shoff === 0) {
      this.sections = [];
      return;
    }
    if (shentsize !== 64) throw new ElfError(`bad section header size ${shentsize} (want 64)`, { offset: 58 });
    if (shoff + 64 > bytes.length) throw new ElfError(`section header table at 0x${shoff.toString(16)} is past the end of the file`, { offset: 40 });
    // Extended numbering: the real counts live in section 0.
    if (shnum === 0) shnum = this.u64(shoff + 32, "sh_size of section 0");
    if (shstrndx === SHN_XINDEX) shstrndx = v.getUint32(shoff + 40, this.le);
    if (shoff + shnum * 64 > bytes.length) {
      throw new ElfError(`section header table (${shnum} entries at 0x${shoff.toString(16)}) runs past the end of the file`, { offset: 40 });
    }
    const raw: Omit<ElfSection, "name">[] = [];
    const nameOffs: number[] = [];
    for (let i = 0; i < shnum; i++) {
      const at = shoff + i * 64;
      nameOffs.push(v.getUint32(at, this.le));
      const s = {
        index: i,
        type: v.getUint32(at + 4, this.le),
        flags: this.u64(at + 8, "sh_flags"),
        offset: this.u64(at + 24, "sh_offset"),
        size: this.u64(at + 32, "sh_size"),
        link: v.getUint32(at + 40, this.le),
        info: v.getUint32(at + 44, this.le),
        addralign: this.u64(at + 48, "sh_addralign"),
        entsize: this.u64(at + 56, "sh_entsize"),
      };
      if (s.type !== SHT_NOBITS && s.type !== SHT_NULL && s.offset + s.size > bytes.length) {
        throw new ElfError(`section ${i} data (0x${s.offset.toString(16)}+0x${s.size.toString(16)}) runs past the end of the file`, {
          offset: at,
        });
      }
      raw.push(s);
    }
    if (shnum > 0 && shstrndx >= shnum) throw new ElfError(`section name table index ${shstrndx} out of range`, { offset: 62 });
    const strtab = raw[shstrndx];
    this.sections = raw.map((s, i) => {
      const nameOff = nameOffs[i]!;
      let name = "";
      if (strtab && strtab.type !== SHT_NOBITS) {
        if (nameOff >= strtab.size) {
          throw new ElfError(`section ${i} name offset ${nameOff} is outside the section name table`, { offset: shoff + i * 64 });
        }
        name = this.cstring(strtab.offset + nameOff, strtab.offset + strtab.size);
      }
      return { ...s, name };
    });
  }

  private u64(at: number, what: string): number {
    const hi = this.view.getUint32(at + (this.le ? 4 : 0), this.le);
    const lo = this.view.getUint32(at + (this.le ? 0 : 4), this.le);
    if (hi > 0x1fffff) throw new ElfError(`${what} does not fit in 53 bits`, { offset: at });
    return hi * 0x100000000 + lo;
  }

  private cstring(start: number, end: number): string {
    let i = start;
    while (i < end && this.bytes[i] !== 0) i++;
    return latin1(this.bytes.subarray(start, i));
  }

  /** The section's bytes (empty for NOBITS). */
  data(s: ElfSection): Uint8Array {
    if (s.type === SHT_NOBITS) return new Uint8Array(0);
    return this.bytes.subarray(s.offset, s.offset + s.size);
  }

  sectionByName(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** The (single) symbol table; undefined for a stripped object. */
  get symtab(): ElfSection | undefined {
    const tabs = this.sections.filter((s) => s.type === SHT_SYMTAB);
    if (tabs.length > 1) throw new ElfError("multiple symbol tables", { section: tabs[1]!.name });
    return tabs[0];
  }

  get symbols(): ElfSymbol[] {
    if (this.symbolsCache) return this.symbolsCache;
    const tab = this.symtab;
    if (!tab) return (this.symbolsCache = []);
    if (tab.entsize !== 24 && tab.entsize !== 0) throw new ElfError(`bad symbol entry size ${tab.entsize}`, { section: tab.name });
    if (tab.size % 24 !== 0) throw new ElfError(`size ${tab.size} is not a multiple of the symbol size`, { section: tab.name });
    const strs = this.sections[tab.link];
    if (!strs || strs.type !== SHT_STRTAB) throw new ElfError(`symbol string table (section ${tab.link}) missing`, { section: tab.name });
    const out: ElfSymbol[] = [];
    for (let i = 0, at = tab.offset; at < tab.offset + tab.size; i++, at += 24) {
      const nameOff = this.view.getUint32(at, this.le);
      if (nameOff >= strs.size && nameOff !== 0) {
        throw new ElfError(`symbol ${i} name offset ${nameOff} is outside '${strs.name}'`, { section: tab.name, offset: at - tab.offset });
      }
      const info = this.view.getUint8(at + 4);
      out.push({
        index: i,
        name: nameOff === 0 ? "" : this.cstring(strs.offset + nameOff, strs.offset + strs.size),
        bind: info >> 4,
        type: info & 0xf,
        visibility: this.view.getUint8(at + 5) & 0x3,
        shndx: this.view.getUint16(at + 6, this.le),
        value: this.u64(at + 8, "st_value"),
        size: this.u64(at + 16, "st_size"),
      });
    }
    return (this.symbolsCache = out);
  }

  /** Relocations of a SHT_REL or SHT_RELA section. */
  relocations(s: ElfSection): ElfRelocation[] {
    const rela = s.type === SHT_RELA;
    const entsize = rela ? 24 : 16;
    if (s.entsize !== entsize && s.entsize !== 0) throw new ElfError(`bad relocation entry size ${s.entsize}`, { section: s.name });
    if (s.size % entsize !== 0) throw new ElfError(`size ${s.size} is not a multiple of ${entsize}`, { section: s.name });
    const out: ElfRelocation[] = [];
    for (let at = s.offset; at < s.offset + s.size; at += entsize) {
      const r: ElfRelocation = {
        offset: this.u64(at, "r_offset"),
        symbol: this.view.getUint32(at + (this.le ? 12 : 8), this.le),
        type: this.view.getUint32(at + (this.le ? 8 : 12), this.le),
      };
      if (rela) r.addend = Number(this.view.getBigInt64(at + 16, this.le));
      out.push(r);
    }
    return out;
  }

  u32(bytes: Uint8Array, at: number): number {
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, this.le);
  }
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}
