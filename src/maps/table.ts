import { EbpfError } from "../errors.js";
import type { Instruction } from "../isa/instruction.js";
import { BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE, BPF_PSEUDO_MAP_VALUE } from "../isa/opcodes.js";
import type { LdImm64Resolver } from "../vm/image.js";
import type { AddressSpace, Region } from "../vm/memory.js";
import { ArrayMap } from "./array.js";
import { createMap } from "./create.js";
import type { BpfMap, MapSpec, ProgramRef } from "./types.js";

export interface MapTableOptions {
  /** Possible CPUs for per-CPU maps (default 1). */
  cpus?: number;
  /** CPU host operations run on (default 0). */
  hostCpu?: number;
}

/**
 * The runtime's handles: maps (and programs, for prog_array) get fd-like handles from 3 up and
 * ids from 1 up, as a process sees them; each map gets an identity address — a region with no
 * permissions, so a program can hold the pointer `lddw src=1` gives it and pass it to helpers but
 * never dereference it. The table resolves lddw pseudo sources for createImage.
 */
export class MapTable {
  readonly space: AddressSpace;
  readonly cpus: number;
  readonly hostCpu: number;
  private nextFd = 3;
  private nextMapId = 1;
  private readonly maps = new Map<number, BpfMap>();
  private readonly progs = new Map<number, ProgramRef>();
  private readonly byAddr = new Map<number, BpfMap>();
  private readonly byIdMap = new Map<number, BpfMap>();
  private readonly fdOfMap = new Map<BpfMap, number>();
  private readonly identities = new Map<BpfMap, Region>();

  constructor(space: AddressSpace, options: MapTableOptions = {}) {
    this.space = space;
    this.cpus = options.cpus ?? 1;
    this.hostCpu = options.hostCpu ?? 0;
  }

  /** Creates a map (validated as BPF_MAP_CREATE) and returns it with its handle. */
  create(spec: MapSpec): { map: BpfMap; fd: number } {
    const map = createMap(spec, this.space, {
      cpus: this.cpus,
      hostCpu: this.hostCpu,
      resolveMapFd: (fd) => this.maps.get(fd),
      resolveProgFd: (fd) => this.progs.get(fd),
    });
    return { map, fd: this.add(map) };
  }

  /** Adds an existing map (gives it an id and an identity address); returns its handle. */
  add(map: BpfMap): number {
    const known = this.fdOfMap.get(map);
    if (known !== undefined) return known;
    const fd = this.nextFd++;
    const region = this.space.map(8, `map ${map.info.name || map.info.typeName} (identity)`, 0);
    map.identity = region.start;
    if (map.info.id === undefined) map.info.id = this.nextMapId++;
    this.maps.set(fd, map);
    this.fdOfMap.set(map, fd);
    this.byAddr.set(region.start, map);
    this.byIdMap.set(map.info.id, map);
    this.identities.set(map, region);
    return fd;
  }

  /** Registers a program so prog_array updates can name it by handle. */
  addProgram(prog: ProgramRef): number {
    const fd = this.nextFd++;
    this.progs.set(fd, prog);
    return fd;
  }

  program(fd: number): ProgramRef | undefined {
    return this.progs.get(fd);
  }

  byFd(fd: number): BpfMap | undefined {
    return this.maps.get(fd);
  }

  byId(id: number): BpfMap | undefined {
    return this.byIdMap.get(id);
  }

  fdOf(map: BpfMap): number | undefined {
    return this.fdOfMap.get(map);
  }

  /** The map whose identity address a program passed (ARG_CONST_MAP_PTR), or undefined. */
  byAddress(addr: number | bigint): BpfMap | undefined {
    const a = typeof addr === "bigint" ? (addr > 0xffffffffn ? -1 : Number(addr)) : addr;
    return this.byAddr.get(a);
  }

  list(): BpfMap[] {
    return [...this.maps.values()];
  }

  /** Closes a handle; the map's memory is released. */
  close(fd: number): void {
    const m = this.maps.get(fd);
    if (m) {
      this.maps.delete(fd);
      this.fdOfMap.delete(m);
      this.byAddr.delete(m.identity);
      if (m.info.id !== undefined) this.byIdMap.delete(m.info.id);
      const r = this.identities.get(m);
      if (r) this.space.unmap(r);
      this.identities.delete(m);
      m.dispose();
      return;
    }
    this.progs.delete(fd);
  }

  /**
   * The LdImm64Resolver for createImage: src=1 (map by handle) → identity address; src=2 (map
   * value) → address of element 0's value + offset (arrays of one element: global data); src=5/6
   * the same with an index into `fdArray` (BPF_PSEUDO_MAP_IDX / _IDX_VALUE).
   */
  resolver(fdArray: readonly number[] = []): LdImm64Resolver {
    return (insn: Instruction, pc: number): bigint => {
      const byIdx = insn.src === BPF_PSEUDO_MAP_IDX || insn.src === BPF_PSEUDO_MAP_IDX_VALUE;
      const fd = byIdx ? fdArray[insn.imm] : insn.imm;
      const map = fd === undefined ? undefined : this.maps.get(fd);
      if (!map) {
        throw new EbpfError("EBADF", `pc ${pc}: lddw ${byIdx ? `fd_array[${insn.imm}]` : `fd ${insn.imm}`} is not a map`);
      }
      if (insn.src === BPF_PSEUDO_MAP_FD || insn.src === BPF_PSEUDO_MAP_IDX) return BigInt(map.identity);
      if (insn.src === BPF_PSEUDO_MAP_VALUE || insn.src === BPF_PSEUDO_MAP_IDX_VALUE) {
        const off = (insn.imm2 ?? 0) >>> 0;
        if (!(map instanceof ArrayMap) || map.percpu) {
          throw new EbpfError("EINVAL", `pc ${pc}: no direct value access support for ${map.info.typeName} map ${map.info.name}`);
        }
        if (map.info.maxEntries !== 1) throw new EbpfError("EOPNOTSUPP", `pc ${pc}: direct value access needs an array of one element (${map.info.name} has ${map.info.maxEntries})`);
        if (off >= map.info.valueSize) {
          throw new EbpfError("EINVAL", `pc ${pc}: invalid access to map value pointer, value_size=${map.info.valueSize} off=${off}`);
        }
        return BigInt(map.valueAddress(0) + off);
      }
      throw new EbpfError("EINVAL", `pc ${pc}: unsupported lddw pseudo source ${insn.src}`);
    };
  }
}
