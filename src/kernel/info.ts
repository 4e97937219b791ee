/**
 * BPF_OBJ_GET_INFO_BY_FD: what the kernel says about a loaded program, map, BTF object or link.
 * The kernel fills the info struct up to the size passed; arrays (map ids, xlated instructions)
 * need a second call with buffers sized from the first answer.
 */
import { BPF_OBJ_GET_INFO_BY_FD, mapTypeName, progTypeName } from "./constants.js";
import { BTF_INFO, INFO_ATTR, LINK_INFO, MAP_INFO, PROG_INFO } from "./attr.js";
import { Struct, StructView } from "./layout.js";
import { shared } from "./syscall.js";

export interface ProgramInfo {
  type: number;
  typeName: string;
  id: number;
  name: string;
  /** The program tag (hash of its instructions), 16 hex digits as bpftool prints it. */
  tag: string;
  jitedLength: number;
  xlatedLength: number;
  loadTimeNs: bigint;
  createdByUid: number;
  mapIds: number[];
  gplCompatible: boolean;
  btfId: number;
  runTimeNs: bigint;
  runCount: bigint;
  verifiedInstructions: number;
  /** Instructions after the verifier's rewrites (only when asked for). */
  xlated?: Uint8Array;
}

export interface MapInfo {
  type: number;
  typeName: string;
  id: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  name: string;
  btfId: number;
  btfKeyTypeId: number;
  btfValueTypeId: number;
  mapExtra: bigint;
}

export interface BtfInfo {
  id: number;
  size: number;
  name: string;
  kernelBtf: boolean;
}

export interface LinkInfo {
  type: number;
  id: number;
  progId: number;
}

/** Calls OBJ_GET_INFO_BY_FD with an info struct (and extra buffer space); returns a view over the result. */
function getInfo(fd: number, struct: Struct, extra: number, fill?: (info: StructView, extraAt: (n: number) => bigint) => void, context?: string): StructView {
  const attr = shared.begin(INFO_ATTR, struct.size + extra);
  const at = shared.reserve(struct.size);
  const info = new StructView(struct, shared.data.view, at);
  let extraUsed = 0;
  const extraBase = shared.reserve(extra);
  fill?.(info, (n) => {
    const a = shared.address(extraBase + extraUsed);
    extraUsed += Math.ceil(n / 8) * 8;
    return a;
  });
  attr.set("bpf_fd", fd).set("info_len", struct.size).set("info", shared.address(at));
  shared.call(BPF_OBJ_GET_INFO_BY_FD, INFO_ATTR.size, context);
  // Copy out (struct at 0, extras from the 8-aligned end of the struct): the scratch is reused.
  const copy = shared.data.bytes.slice(0, extraBase + extra);
  return new StructView(struct, new DataView(copy.buffer), 0);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function programInfo(fd: number, options: { xlated?: boolean } = {}): ProgramInfo {
  const first = getInfo(fd, PROG_INFO, 0, undefined, "reading program info");
  const nrMaps = first.get("nr_map_ids");
  const xlatedLen = options.xlated ? first.get("xlated_prog_len") : 0;
  let full = first;
  let mapIds: number[] = [];
  let xlated: Uint8Array | undefined;
  if (nrMaps > 0 || xlatedLen > 0) {
    // The extra area starts 8-aligned right after the struct in the copy (reserve() rounds up).
    const extraOffset = Math.ceil(PROG_INFO.size / 8) * 8;
    const mapBytes = Math.ceil((nrMaps * 4) / 8) * 8;
    full = getInfo(
      fd,
      PROG_INFO,
      mapBytes + xlatedLen + 8,
      (info, extra) => {
        if (nrMaps > 0) info.set("nr_map_ids", nrMaps).set("map_ids", extra(nrMaps * 4));
        if (xlatedLen > 0) info.set("xlated_prog_len", xlatedLen).set("xlated_prog_insns", extra(xlatedLen));
      },
      "reading program info",
    );
    const bytes = new Uint8Array(full.view.buffer);
    const dv = new DataView(full.view.buffer);
    const n = Math.min(nrMaps, full.get("nr_map_ids"));
    for (let i = 0; i < n; i++) mapIds.push(dv.getUint32(extraOffset + i * 4, true));
    if (xlatedLen > 0) xlated = bytes.slice(extraOffset + mapBytes, extraOffset + mapBytes + xlatedLen);
  }
  if (mapIds.length === 0) mapIds = [];
  const type = full.get("type");
  return {
    type,
    typeName: progTypeName(type),
    id: full.get("id"),
    name: full.getString("name"),
    tag: hex(full.getBytes("tag")),
    jitedLength: full.get("jited_prog_len"),
    xlatedLength: first.get("xlated_prog_len"),
    loadTimeNs: full.getBig("load_time"),
    createdByUid: full.get("created_by_uid"),
    mapIds,
    gplCompatible: (full.get("gpl_compatible") & 1) === 1,
    btfId: full.get("btf_id"),
    runTimeNs: full.getBig("run_time_ns"),
    runCount: full.getBig("run_cnt"),
    verifiedInstructions: full.get("verified_insns"),
    ...(xlated ? { xlated } : {}),
  };
}

export function mapInfo(fd: number): MapInfo {
  const info = getInfo(fd, MAP_INFO, 0, undefined, "reading map info");
  const type = info.get("type");
  return {
    type,
    typeName: mapTypeName(type),
    id: info.get("id"),
    keySize: info.get("key_size"),
    valueSize: info.get("value_size"),
    maxEntries: info.get("max_entries"),
    flags: info.get("map_flags"),
    name: info.getString("name"),
    btfId: info.get("btf_id"),
    btfKeyTypeId: info.get("btf_key_type_id"),
    btfValueTypeId: info.get("btf_value_type_id"),
    mapExtra: info.getBig("map_extra"),
  };
}

export function btfInfo(fd: number): BtfInfo {
  const nameLen = 64;
  const extraOffset = Math.ceil(BTF_INFO.size / 8) * 8;
  const info = getInfo(fd, BTF_INFO, nameLen, (i, extra) => i.set("name", extra(nameLen)).set("name_len", nameLen), "reading BTF info");
  const bytes = new Uint8Array(info.view.buffer).subarray(extraOffset, extraOffset + nameLen);
  const end = bytes.indexOf(0);
  return {
    id: info.get("id"),
    size: info.get("btf_size"),
    name: new TextDecoder().decode(bytes.subarray(0, end < 0 ? nameLen : end)),
    kernelBtf: info.get("kernel_btf") !== 0,
  };
}

export function linkInfo(fd: number): LinkInfo {
  const info = getInfo(fd, LINK_INFO, 0, undefined, "reading link info");
  return { type: info.get("type"), id: info.get("id"), progId: info.get("prog_id") };
}
