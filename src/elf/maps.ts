import { BtfKind, BTF_VAR_GLOBAL_ALLOCATED, BTF_VAR_STATIC, type Btf, type BtfType } from "../btf/types.js";
import { resolveSize, skipMods } from "../btf/layout.js";
import { ElfError } from "./errors.js";
import { STT_SECTION, type ElfFile, type ElfRelocation, type ElfSection, type ElfSymbol } from "./reader.js";
import type { MapSpec } from "./spec.js";

/** enum bpf_map_type names by value (libbpf's spelling). */
export const MAP_TYPE_NAMES = [
  "unspec",
  "hash",
  "array",
  "prog_array",
  "perf_event_array",
  "percpu_hash",
  "percpu_array",
  "stack_trace",
  "cgroup_array",
  "lru_hash",
  "lru_percpu_hash",
  "lpm_trie",
  "array_of_maps",
  "hash_of_maps",
  "devmap",
  "sockmap",
  "cpumap",
  "xskmap",
  "sockhash",
  "cgroup_storage",
  "reuseport_sockarray",
  "percpu_cgroup_storage",
  "queue",
  "stack",
  "sk_storage",
  "devmap_hash",
  "struct_ops",
  "ringbuf",
  "inode_storage",
  "task_storage",
  "bloom_filter",
  "user_ringbuf",
  "cgrp_storage",
  "arena",
] as const;

export const BPF_MAP_TYPE_ARRAY = 2;
export const BPF_MAP_TYPE_PROG_ARRAY = 3;
export const BPF_MAP_TYPE_ARRAY_OF_MAPS = 12;
export const BPF_MAP_TYPE_HASH_OF_MAPS = 13;
export const BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4;
export const BPF_MAP_TYPE_RINGBUF = 27;
export const BPF_MAP_TYPE_USER_RINGBUF = 31;
export const BPF_MAP_TYPE_ARENA = 33;

export const BPF_F_RDONLY_PROG = 1 << 7;
export const BPF_F_MMAPABLE = 1 << 10;

/** Smallest legacy `struct bpf_map_def` accepted: type, key_size, value_size, max_entries, map_flags. */
const LEGACY_DEF_MIN = 20;

export function isDataSectionName(name: string): "data" | "rodata" | "bss" | undefined {
  if (name === ".data" || name.startsWith(".data.")) return "data";
  if (name === ".rodata" || name.startsWith(".rodata.")) return "rodata";
  if (name === ".bss" || name.startsWith(".bss.")) return "bss";
  return undefined;
}

export function isLegacyMapSectionName(name: string): boolean {
  return name === "maps" || name.startsWith("maps/");
}

/** The DATASEC type of this name, if the BTF has one. */
export function findDatasec(btf: Btf | undefined, name: string): { id: number; type: BtfType } | undefined {
  if (!btf) return undefined;
  for (let id = 1; id < btf.types.length; id++) {
    const t = btf.types[id]!;
    if (t.kind === BtfKind.DATASEC && t.name === name) return { id, type: t };
  }
  return undefined;
}

/**
 * Legacy maps: `struct bpf_map_def` (or a longer variant such as iproute2's bpf_elf_map) per symbol
 * in a "maps" section. Symbols without a size (old clang) share the section equally, as libbpf did.
 */
export function loadLegacyMaps(elf: ElfFile, sec: ElfSection, symbols: ElfSymbol[]): MapSpec[] {
  const data = elf.data(sec);
  const syms = symbols.filter((s) => s.shndx === sec.index && s.type !== STT_SECTION && s.name !== "").sort((a, b) => a.value - b.value);
  if (syms.length === 0) {
    if (data.length === 0) return [];
    throw new ElfError("legacy map section has no symbols", { section: sec.name });
  }
  const evenSize = Math.floor(data.length / syms.length);
  const out: MapSpec[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const le = !elf.bigEndian;
  for (const s of syms) {
    const size = s.size || evenSize;
    if (s.value + size > data.length) {
      throw new ElfError(`map '${s.name}' (${size} bytes) runs past the end of the section`, { section: sec.name, offset: s.value });
    }
    if (size < LEGACY_DEF_MIN) {
      throw new ElfError(`map '${s.name}': definition is ${size} bytes, a struct bpf_map_def needs at least ${LEGACY_DEF_MIN}`, {
        section: sec.name,
        offset: s.value,
      });
    }
    const at = s.value;
    const spec: MapSpec = {
      name: s.name,
      type: view.getUint32(at, le),
      keySize: view.getUint32(at + 4, le),
      valueSize: view.getUint32(at + 8, le),
      maxEntries: view.getUint32(at + 12, le),
      flags: view.getUint32(at + 16, le),
      sectionName: sec.name,
    };
    if (size > LEGACY_DEF_MIN) spec.extra = data.slice(at + LEGACY_DEF_MIN, at + size);
    out.push(spec);
  }
  return out;
}

/**
 * Map-in-map templates of the two legacy loaders that define them in the object: iproute2's
 * `struct bpf_elf_map` (36 bytes: … id, pinning, inner_id, inner_idx — the outer map's inner_id
 * names the map whose id matches, as Cilium's objects do) and samples/bpf's bpf_load.c
 * `struct bpf_map_def` (28 bytes: … inner_map_idx, numa_node — an index into the section's maps in
 * offset order, across the object's legacy map sections). libbpf knows neither; without a template
 * the kernel cannot create the outer map. A reference that names nothing is left unlinked: the
 * loader's user may still supply an inner map, as samples/bpf's user-space code did.
 */
export function linkLegacyInnerMaps(maps: MapSpec[], le: boolean): void {
  const word = (m: MapSpec, i: number): number | undefined => {
    const x = m.extra;
    if (!x || x.length < (i + 1) * 4) return undefined;
    return new DataView(x.buffer, x.byteOffset, x.byteLength).getUint32(i * 4, le);
  };
  const isOuter = (m: MapSpec): boolean => m.type === BPF_MAP_TYPE_ARRAY_OF_MAPS || m.type === BPF_MAP_TYPE_HASH_OF_MAPS;
  for (const m of maps) {
    if (!isOuter(m) || m.innerMap || !m.extra) continue;
    let inner: MapSpec | undefined;
    if (m.extra.length >= 16) {
      const innerId = word(m, 2)!;
      if (innerId === 0) continue;
      inner = maps.find((x) => x !== m && word(x, 0) === innerId);
    } else if (m.extra.length === 8) {
      const idx = word(m, 0)!;
      inner = maps[idx];
    }
    if (!inner || inner === m) continue;
    const template: MapSpec = { ...inner };
    delete template.innerMap;
    m.innerMap = template;
    // bpf_create_map_in_map() always passed value_size 4 (an fd); these definitions leave it 0.
    if (m.valueSize === 0) m.valueSize = 4;
  }
}

interface BtfMapDef {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  numaNode?: number;
  mapExtra?: bigint;
  pinning?: number;
  keyTypeId?: number;
  valueTypeId?: number;
  inner?: BtfMapDef;
  /** Byte offset of the `values` member inside the definition. */
  valuesOffset?: number;
}

/**
 * BTF-defined maps: each VAR of the ".maps" DATASEC is a struct whose members encode the map
 * attributes in their types (`int (*type)[BPF_MAP_TYPE_HASH]`, `__u32 *key` …). Initial `values`
 * (inner maps, programs) come from the relocations of ".maps".
 */
export function loadBtfMaps(
  sec: ElfSection,
  btf: Btf | undefined,
  symbols: ElfSymbol[],
  relocs: ElfRelocation[],
): MapSpec[] {
  if (!btf) throw new ElfError("'.maps' section needs BTF, but the object has none", { section: sec.name });
  const ds = findDatasec(btf, ".maps");
  if (!ds) throw new ElfError("BTF has no DATASEC '.maps'", { section: sec.name, code: "ENOENT" });
  const out: MapSpec[] = [];
  for (const vi of ds.type.secinfos!) {
    const v = btf.types[vi.type];
    const name = v?.name ?? "";
    const fail = (msg: string): never => {
      throw new ElfError(`map '${name}': ${msg}`, { section: sec.name, offset: vi.offset });
    };
    if (!v) fail(`variable type id ${vi.type} out of range`);
    if (name === "") fail("empty map name");
    if (vi.offset + vi.size > sec.size) fail(`definition (${vi.size} bytes) runs past the end of the section`);
    if (v!.kind !== BtfKind.VAR) fail(`expected a VAR, got kind ${v!.kind}`);
    if (v!.linkage !== BTF_VAR_GLOBAL_ALLOCATED) fail(`unsupported linkage ${v!.linkage === BTF_VAR_STATIC ? "static" : v!.linkage}`);
    const def = btf.types[skipMods(btf, v!.sizeOrType)];
    if (!def || def.kind !== BtfKind.STRUCT) fail("definition is not a struct");
    if (def!.sizeOrType > vi.size) fail("invalid definition size");
    const d = parseBtfMapDef(btf, def!, name, false, fail);
    const spec = toSpec(name, d, sec.name);
    if (d.inner) spec.innerMap = toSpec(`${name}.inner`, d.inner, sec.name);
    if (d.valuesOffset !== undefined) {
      // initial contents: one 8-byte pointer slot per entry, filled by relocations
      const start = vi.offset + d.valuesOffset;
      const end = vi.offset + vi.size;
      const contents = [];
      for (const r of relocs) {
        if (r.offset < start || r.offset >= end) continue;
        if ((r.offset - start) % 8 !== 0) fail(`misaligned 'values' relocation at 0x${r.offset.toString(16)}`);
        const sym = symbols[r.symbol];
        if (!sym) fail(`relocation against missing symbol #${r.symbol}`);
        contents.push({ key: (r.offset - start) / 8, value: sym!.name });
      }
      if (contents.length) spec.contents = contents.sort((a, b) => a.key - b.key);
    }
    out.push(spec);
  }
  return out;
}

function toSpec(name: string, d: BtfMapDef, sectionName: string): MapSpec {
  const spec: MapSpec = {
    name,
    type: d.type,
    keySize: d.keySize,
    valueSize: d.valueSize,
    maxEntries: d.maxEntries,
    flags: d.flags,
    sectionName,
  };
  if (d.numaNode !== undefined) spec.numaNode = d.numaNode;
  if (d.mapExtra !== undefined) spec.mapExtra = d.mapExtra;
  if (d.pinning !== undefined) spec.pinning = d.pinning;
  if (d.keyTypeId !== undefined) spec.btfKeyTypeId = d.keyTypeId;
  if (d.valueTypeId !== undefined) spec.btfValueTypeId = d.valueTypeId;
  return spec;
}

function parseBtfMapDef(btf: Btf, def: BtfType, mapName: string, isInner: boolean, fail: (m: string) => never): BtfMapDef {
  const d: BtfMapDef = { type: 0, keySize: 0, valueSize: 0, maxEntries: 0, flags: 0 };
  const members = def.members!;
  // `int (*name)[N]` encodes N
  const intField = (field: string, typeId: number): number => {
    const p = btf.types[skipMods(btf, typeId)];
    if (!p || p.kind !== BtfKind.PTR) fail(`attribute '${field}': expected a pointer to an array`);
    const arr = btf.types[p!.sizeOrType];
    if (!arr || arr.kind !== BtfKind.ARRAY) fail(`attribute '${field}': expected a pointer to an array`);
    return arr!.nelems!;
  };
  const sizeOf = (field: string, typeId: number): { size: number; typeId: number } => {
    const p = btf.types[typeId];
    if (!p || p.kind !== BtfKind.PTR) fail(`${field} spec is not a pointer`);
    const size = resolveSize(btf, p!.sizeOrType);
    if (size < 0) fail(`cannot determine ${field} size for type [${p!.sizeOrType}]`);
    return { size, typeId: p!.sizeOrType };
  };
  const setSize = (which: "keySize" | "valueSize", sz: number, label: string): void => {
    if (d[which] && d[which] !== sz) fail(`conflicting ${label} size ${d[which]} != ${sz}`);
    d[which] = sz;
  };
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    const name = m.name;
    if (name === undefined) fail(`invalid field #${i}`);
    switch (name) {
      case "type":
        d.type = intField(name, m.type);
        break;
      case "max_entries":
        d.maxEntries = intField(name, m.type);
        break;
      case "map_flags":
        d.flags = intField(name, m.type);
        break;
      case "numa_node":
        d.numaNode = intField(name, m.type);
        break;
      case "key_size":
        setSize("keySize", intField(name, m.type), "key");
        break;
      case "value_size":
        setSize("valueSize", intField(name, m.type), "value");
        break;
      case "key": {
        const k = sizeOf("key", m.type);
        setSize("keySize", k.size, "key");
        d.keyTypeId = k.typeId;
        break;
      }
      case "value": {
        const v = sizeOf("value", m.type);
        setSize("valueSize", v.size, "value");
        d.valueTypeId = v.typeId;
        break;
      }
      case "values": {
        const isMapInMap = d.type === BPF_MAP_TYPE_ARRAY_OF_MAPS || d.type === BPF_MAP_TYPE_HASH_OF_MAPS;
        const isProgArray = d.type === BPF_MAP_TYPE_PROG_ARRAY;
        if (isInner) fail("multi-level inner maps are not supported");
        if (i !== members.length - 1) fail("'values' must be the last member");
        if (!isMapInMap && !isProgArray) fail("'values' needs a map-in-map or a prog array");
        setSize("valueSize", 4, "value");
        const arr = btf.types[m.type];
        if (!arr || arr.kind !== BtfKind.ARRAY || arr.nelems !== 0) fail("'values' is not a zero-sized array");
        const p = btf.types[skipMods(btf, arr!.elemType!)];
        if (!p || p.kind !== BtfKind.PTR) fail("'values' element is not a pointer");
        const target = btf.types[skipMods(btf, p!.sizeOrType)];
        if (isProgArray) {
          if (!target || target.kind !== BtfKind.FUNC_PROTO) fail("prog-array value def is not a function prototype");
        } else {
          if (!target || target.kind !== BtfKind.STRUCT) fail("map-in-map inner def is not a struct");
          d.inner = parseBtfMapDef(btf, target!, `${mapName}.inner`, true, fail);
        }
        d.valuesOffset = (def.kflag ? m.offset & 0xffffff : m.offset) / 8;
        break;
      }
      case "pinning": {
        if (isInner) fail("an inner map cannot be pinned");
        const v = intField(name, m.type);
        if (v !== 0 && v !== 1) fail(`invalid pinning value ${v}`);
        d.pinning = v;
        break;
      }
      case "map_extra": {
        const t = btf.types[skipMods(btf, m.type)];
        if (t && t.kind === BtfKind.PTR) {
          d.mapExtra = BigInt(intField(name, m.type));
        } else if (t && (t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64) && t.vlen === 1) {
          const v = t.values![0]!.value;
          d.mapExtra = typeof v === "bigint" ? v : BigInt(v >>> 0);
        } else {
          fail("attribute 'map_extra': expected a pointer to an array or a one-value enum");
        }
        break;
      }
      default:
        fail(`unknown field '${name}'`);
    }
  }
  if (d.type === 0) fail("map type isn't specified");
  // As cilium/ebpf: `__type(value, struct event)` on a ring buffer or perf event array only
  // documents what the program emits; the kernel wants value_size 0 (ringbuf, arena) or 4 (perf).
  if (d.valueTypeId !== undefined) {
    if (d.type === BPF_MAP_TYPE_RINGBUF || d.type === BPF_MAP_TYPE_USER_RINGBUF || d.type === BPF_MAP_TYPE_ARENA) d.valueSize = 0;
    else if (d.type === BPF_MAP_TYPE_PERF_EVENT_ARRAY) d.valueSize = 4;
  }
  if (d.type === BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
    // cilium/ebpf's fixupMagicFields: key and value of a perf event array are always u32
    d.keySize ||= 4;
    d.valueSize ||= 4;
  }
  return d;
}

/**
 * Global data: every non-empty .data*, .rodata* and .bss* section becomes a one-element array map
 * whose value is the section (libbpf's internal maps). .rodata is read-only to programs and frozen.
 */
export function loadDataMap(elf: ElfFile, sec: ElfSection, btf: Btf | undefined, symbols: ElfSymbol[]): MapSpec | undefined {
  const kind = isDataSectionName(sec.name);
  if (!kind || sec.size === 0) return undefined;
  const spec: MapSpec = {
    name: sec.name,
    type: BPF_MAP_TYPE_ARRAY,
    keySize: 4,
    valueSize: sec.size,
    maxEntries: 1,
    flags: kind === "rodata" ? BPF_F_RDONLY_PROG : 0,
    sectionName: sec.name,
  };
  const ds = findDatasec(btf, sec.name);
  if (ds) {
    spec.btfValueTypeId = ds.id;
    const vars = [];
    let mmapable = false;
    for (const vi of ds.type.secinfos!) {
      const v = btf!.types[vi.type];
      if (!v || v.kind !== BtfKind.VAR) continue;
      if (v.linkage !== BTF_VAR_STATIC) mmapable = true;
      vars.push({ name: v.name ?? "", offset: vi.offset, size: vi.size, typeId: v.sizeOrType });
    }
    // libbpf makes the map mmapable when some variable is visible to a skeleton
    if (mmapable) spec.flags |= BPF_F_MMAPABLE;
    spec.variables = vars;
  } else {
    spec.variables = symbols
      .filter((s) => s.shndx === sec.index && s.type !== STT_SECTION && s.name !== "")
      .sort((a, b) => a.value - b.value)
      .map((s) => ({ name: s.name, offset: s.value, size: s.size }));
  }
  if (kind === "rodata") spec.frozen = true;
  if (kind !== "bss") spec.contents = [{ key: 0, value: elf.data(sec).slice() }];
  return spec;
}
