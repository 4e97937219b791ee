/**
 * Feature probes, done the way libbpf (and so `bpftool feature probe`) does them: load a minimal
 * program of each type, create a minimal map of each type, and load `call helper; exit` for each
 * program type and helper, reading "invalid func"/"unknown func" in the verifier log as "no".
 */
import { release } from "node:os";
import { build } from "../isa/index.js";
import {
  ATTACH_TYPE_NAMES,
  HELPER_NAMES,
  MAP_TYPE_NAMES,
  PROG_TYPE_NAMES,
  BPF_F_NO_PREALLOC,
  mapTypeNumber,
  progTypeNumber,
} from "./constants.js";
import { KernelBtf } from "./btf.js";
import { KernelError } from "./errors.js";
import { KernelMap } from "./map.js";
import { probeLoad, type ProgramLoadOptions } from "./program.js";

const ENOTSUPP = 524;
const EINVAL = 22;
const BPF_F_SLEEPABLE = 1 << 4;
const BPF_F_MMAPABLE = 1 << 10;

/** LINUX_VERSION_CODE of the running kernel (kprobe programs of old kernels had to carry it). */
export function kernelVersionCode(rel: string = release()): number {
  const [a = 0, b = 0, c = 0] = (/^(\d+)\.(\d+)(?:\.(\d+))?/.exec(rel) ?? []).slice(1).map((x) => Number(x ?? 0));
  return (a << 16) + (b << 8) + Math.min(c, 255);
}

const at = (name: string): number => ATTACH_TYPE_NAMES.indexOf(name);

/** The load options of the minimal program of a type, and what a "supported" answer looks like. */
function progProbe(type: number, insns = [build.mov64Imm(0, 0), build.exit()]): { options: ProgramLoadOptions; expect?: { errno: number; message?: string } } {
  const options: ProgramLoadOptions = { type, instructions: insns, license: "GPL" };
  switch (PROG_TYPE_NAMES[type]) {
    case "cgroup_sock_addr":
      options.expectedAttachType = at("cgroup_inet4_connect");
      break;
    case "cgroup_sockopt":
      options.expectedAttachType = at("cgroup_getsockopt");
      break;
    case "sk_lookup":
      options.expectedAttachType = at("sk_lookup");
      break;
    case "kprobe":
      options.kernVersion = kernelVersionCode();
      break;
    case "lirc_mode2":
      options.expectedAttachType = at("lirc_mode2");
      break;
    case "netfilter":
      options.expectedAttachType = at("netfilter");
      break;
    case "syscall":
      options.flags = BPF_F_SLEEPABLE;
      break;
    case "tracing":
      // Without a real target the load fails; the type exists when it fails for that reason.
      options.expectedAttachType = at("trace_fentry");
      options.attachBtfId = 1;
      return { options, expect: { errno: EINVAL, message: "attach_btf_id 1 is not a function" } };
    case "lsm":
      options.expectedAttachType = at("modify_return");
      options.attachBtfId = 1;
      return { options, expect: { errno: EINVAL, message: "attach_btf_id 1 is not a function" } };
    case "ext":
      options.attachBtfId = 1;
      return { options, expect: { errno: EINVAL, message: "Cannot replace kernel functions" } };
    case "struct_ops":
      return { options, expect: { errno: ENOTSUPP } };
  }
  return { options };
}

/** Whether the kernel loads programs of `type`. */
export function probeProgramType(type: string | number): boolean {
  const n = progTypeNumber(type);
  if (n === 0) return false;
  const { options, expect } = progProbe(n);
  const res = probeLoad(options);
  if (!expect) return res.loaded;
  return !res.loaded && res.errno === expect.errno && (expect.message === undefined || res.log.includes(expect.message));
}

/** BTF for local-storage map probes: int; struct bpf_spin_lock { int val; }; struct val { int cnt; struct bpf_spin_lock l; }. */
function localStorageBtf(): Uint8Array {
  const strings = new TextEncoder().encode("\0bpf_spin_lock\0val\0cnt\0l\0");
  const words = [
    // [1] int: name 0, kind INT, size 4, signed 32 bits
    0, 0x01000000, 4, (1 << 24) | 32,
    // [2] struct bpf_spin_lock, 1 member, size 4: val (type 1, offset 0)
    1, 0x04000001, 4, 15, 1, 0,
    // [3] struct val, 2 members, size 8: cnt (type 1, bit 0), l (type 2, bit 32)
    15, 0x04000002, 8, 19, 1, 0, 23, 2, 32,
  ];
  const types = new Uint8Array(words.length * 4);
  const tv = new DataView(types.buffer);
  words.forEach((w, i) => tv.setUint32(i * 4, w >>> 0, true));
  const out = new Uint8Array(24 + types.length + strings.length);
  const h = new DataView(out.buffer);
  h.setUint16(0, 0xeb9f, true);
  h.setUint8(2, 1);
  h.setUint32(4, 24, true);
  h.setUint32(8, 0, true);
  h.setUint32(12, types.length, true);
  h.setUint32(16, types.length, true);
  h.setUint32(20, strings.length, true);
  out.set(types, 24);
  out.set(strings, 24 + types.length);
  return out;
}

/** Whether the kernel creates maps of `type`. */
export function probeMapType(type: string | number): boolean {
  const n = mapTypeNumber(type);
  const name = MAP_TYPE_NAMES[n];
  if (!name || n === 0) return false;
  let keySize = 4;
  let valueSize = 4;
  let maxEntries = 1;
  let flags = 0;
  let expectErrno = 0;
  const extra: Partial<Parameters<typeof KernelMap.create>[0]> = {};
  const owned: { close(): void }[] = [];
  try {
    switch (name) {
      case "stack_trace":
        valueSize = 8;
        break;
      case "lpm_trie":
        keySize = 8;
        valueSize = 8;
        flags = BPF_F_NO_PREALLOC;
        break;
      case "cgroup_storage":
      case "percpu_cgroup_storage":
        keySize = 16; // struct bpf_cgroup_storage_key
        maxEntries = 0;
        break;
      case "queue":
      case "stack":
      case "bloom_filter":
        keySize = 0;
        break;
      case "sk_storage":
      case "inode_storage":
      case "task_storage":
      case "cgrp_storage": {
        const btf = KernelBtf.load(localStorageBtf());
        owned.push(btf);
        Object.assign(extra, { btf, btfKeyTypeId: 1, btfValueTypeId: 3 });
        valueSize = 8;
        maxEntries = 0;
        flags = BPF_F_NO_PREALLOC;
        break;
      }
      case "ringbuf":
      case "user_ringbuf":
        keySize = 0;
        valueSize = 0;
        maxEntries = 4096;
        break;
      case "struct_ops":
        extra.btfVmlinuxValueTypeId = 1;
        expectErrno = ENOTSUPP;
        break;
      case "arena":
        keySize = 0;
        valueSize = 0;
        flags = BPF_F_MMAPABLE;
        break;
      case "array_of_maps":
      case "hash_of_maps": {
        const inner = KernelMap.create({ type: "hash", keySize: 4, valueSize: 4, maxEntries: 1 });
        owned.push(inner);
        extra.innerMap = inner;
        break;
      }
      case "insn_array":
        valueSize = 8;
        break;
    }
    try {
      KernelMap.create({ type: n, keySize, valueSize, maxEntries, flags, ...extra }).close();
      return expectErrno === 0;
    } catch (e) {
      return e instanceof KernelError && expectErrno !== 0 && e.errno === expectErrno;
    }
  } catch {
    return false;
  } finally {
    for (const o of owned) o.close();
  }
}

const UNSUPPORTED_HELPER = ["invalid func ", "unknown func ", "program of this type cannot use helper "];

/**
 * Helpers (by name) that programs of `type` may call. Empty when the type does not load, or is
 * one whose minimal program cannot load at all (tracing, ext, lsm, struct_ops), as in libbpf.
 */
export function probeHelpers(type: string | number, helperIds: readonly number[] = HELPER_NAMES.map((_, i) => i).slice(1)): string[] {
  const n = progTypeNumber(type);
  if (["tracing", "ext", "lsm", "struct_ops"].includes(PROG_TYPE_NAMES[n] ?? "") || !probeProgramType(n)) return [];
  const out: string[] = [];
  for (const id of helperIds) {
    const { options } = progProbe(n, [build.callHelper(id), build.exit()]);
    const res = probeLoad(options);
    // Anything but "this helper does not exist here" (e.g. a complaint about its arguments) means it does.
    if (res.loaded || !UNSUPPORTED_HELPER.some((m) => res.log.includes(m))) out.push(`bpf_${HELPER_NAMES[id]}`);
  }
  return out;
}
