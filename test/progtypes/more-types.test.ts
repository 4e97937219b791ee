/**
 * sk_skb, sk_msg, lwt_*, flow_dissector, cgroup_device, cgroup_sysctl, cgroup_sockopt,
 * sk_reuseport and sk_lookup: context layouts against the running kernel's BTF, pointer fields'
 * register types, sections, helper sets (from fixtures/gen-helper-table.ts) and return ranges
 * (probed with fixtures/probe-return-ranges.ts). Every context access of these types is compared
 * with the kernel's recorded answers in sock-types.test.ts (fixtures/ctx-access.json).
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { btfMemberBitOffset, BtfKind, parseBtf } from "../../src/btf/index.js";
import {
  BPF_SOCKOPT, BPF_SOCKOPT_SIZE, BPF_SYSCTL, BPF_SYSCTL_SIZE, CGROUP_DEV_CTX, CGROUP_DEV_CTX_SIZE, checkContextAccesses, FLOW_KEYS, FLOW_KEYS_SIZE,
  helpersFor, programType, programTypeForSection, returnRangeFor, SK_LOOKUP, SK_LOOKUP_SIZE, SK_MSG_MD, SK_MSG_MD_SIZE, SK_REUSEPORT_MD,
  SK_REUSEPORT_MD_SIZE, SKB,
} from "../../src/progtypes/index.js";
import * as B from "../../src/isa/build.js";
import * as O from "../../src/isa/opcodes.js";

const NEW_TYPES: [string, number][] = [
  ["sk_skb", 14], ["sk_msg", 16], ["lwt_in", 10], ["lwt_out", 11], ["lwt_xmit", 12], ["lwt_seg6local", 19], ["flow_dissector", 22],
  ["cgroup_device", 15], ["cgroup_sysctl", 23], ["cgroup_sockopt", 25], ["sk_reuseport", 21], ["sk_lookup", 30],
];

describe("more program types: names, sections, helpers, return ranges", () => {
  it("kernel numbers, no LD_ABS, no test run in this runtime", () => {
    for (const [name, n] of NEW_TYPES) {
      expect(programType(n).name).toBe(name);
      expect(programType(`BPF_PROG_TYPE_${name.toUpperCase()}`).kernelType).toBe(n);
      expect(programType(name).ldAbs).toBe(false);
      expect(programType(name).testRun).toBe("none");
    }
  });

  it("libbpf sections", () => {
    const want: Record<string, string> = {
      "sk_skb": "sk_skb", "sk_skb/stream_parser": "sk_skb", "sk_skb/stream_verdict": "sk_skb", "sk_skb/verdict": "sk_skb", "sk_msg": "sk_msg",
      "lwt_in": "lwt_in", "lwt_out": "lwt_out", "lwt_xmit": "lwt_xmit", "lwt_seg6local": "lwt_seg6local", "flow_dissector": "flow_dissector",
      "cgroup/dev": "cgroup_device", "cgroup/sysctl": "cgroup_sysctl", "cgroup/getsockopt": "cgroup_sockopt", "cgroup/setsockopt": "cgroup_sockopt",
      "sk_reuseport": "sk_reuseport", "sk_reuseport/migrate": "sk_reuseport", "sk_lookup": "sk_lookup",
    };
    for (const [section, type] of Object.entries(want)) expect(programTypeForSection(section)?.name, section).toBe(type);
  });

  it("helper sets follow the kernel's func_proto", () => {
    const has = (type: string, h: string, at?: string): boolean => helpersFor(programType(type), at).has(h);
    expect(has("sk_skb", "sk_redirect_map")).toBe(true);
    expect(has("sk_skb", "msg_redirect_map")).toBe(false);
    expect(has("sk_msg", "msg_push_data")).toBe(true);
    expect(has("sk_msg", "skb_load_bytes")).toBe(false);
    expect(has("lwt_in", "lwt_push_encap")).toBe(true);
    expect(has("lwt_out", "lwt_push_encap")).toBe(false);
    expect(has("lwt_xmit", "skb_change_head")).toBe(true);
    expect(has("lwt_in", "skb_store_bytes")).toBe(false);
    expect(has("lwt_seg6local", "lwt_seg6_action")).toBe(true);
    expect(has("lwt_xmit", "lwt_seg6_action")).toBe(false);
    expect(has("flow_dissector", "skb_load_bytes")).toBe(true);
    expect(has("flow_dissector", "skb_store_bytes")).toBe(false);
    expect(has("cgroup_device", "get_local_storage")).toBe(true);
    expect(has("cgroup_device", "sysctl_get_name")).toBe(false);
    expect(has("cgroup_sysctl", "sysctl_get_name")).toBe(true);
    expect(has("cgroup_sockopt", "setsockopt", "cgroup_setsockopt")).toBe(true);
    expect(has("cgroup_sockopt", "setsockopt", "cgroup_getsockopt")).toBe(false);
    expect(has("sk_reuseport", "sk_select_reuseport")).toBe(true);
    expect(has("sk_lookup", "sk_assign")).toBe(true);
    expect(has("sk_lookup", "sk_select_reuseport")).toBe(false);
  });

  it("return ranges of check_return_code (probed)", () => {
    for (const t of ["cgroup_device", "cgroup_sysctl", "sk_lookup"]) expect(returnRangeFor(programType(t), undefined), t).toEqual([0, 1]);
    expect(returnRangeFor(programType("cgroup_sockopt"), "cgroup_getsockopt")).toEqual([0, 1]);
    for (const t of ["sk_skb", "sk_msg", "lwt_in", "lwt_out", "lwt_xmit", "lwt_seg6local", "flow_dissector", "sk_reuseport"]) {
      expect(returnRangeFor(programType(t), undefined), t).toBeUndefined();
    }
  });
});

describe("more program types: pointer fields", () => {
  it("negative offsets are rejected", () => {
    for (const [name] of NEW_TYPES) {
      for (const write of [false, true]) {
        expect(programType(name).checkAccess({ off: -4, size: 4, write, attachType: "cgroup_setsockopt" }), name).toEqual({ ok: false, message: "invalid bpf_context access off=-4 size=4" });
      }
    }
  });

  const load = (type: string, off: number, size: number, attachType?: string): unknown => programType(type).checkAccess({ off, size, write: false, attachType });
  it("loads produce the kernel's register types", () => {
    expect(load("sk_skb", SKB.data, 4)).toEqual({ ok: true, regType: "PTR_TO_PACKET" });
    expect(load("sk_skb", SKB.sk, 8)).toEqual({ ok: true, regType: "PTR_TO_SOCK_COMMON_OR_NULL" });
    expect(load("sk_msg", SK_MSG_MD.data, 8)).toEqual({ ok: true, regType: "PTR_TO_PACKET" });
    expect(load("sk_msg", SK_MSG_MD.data_end, 8)).toEqual({ ok: true, regType: "PTR_TO_PACKET_END" });
    expect(load("sk_msg", SK_MSG_MD.sk, 8)).toEqual({ ok: true, regType: "PTR_TO_SOCKET" });
    expect(load("lwt_xmit", SKB.data_end, 4)).toEqual({ ok: true, regType: "PTR_TO_PACKET_END" });
    expect(load("flow_dissector", SKB.flow_keys, 8)).toEqual({ ok: true, regType: "PTR_TO_FLOW_KEYS" });
    expect(load("cgroup_sockopt", BPF_SOCKOPT.sk, 8, "cgroup_setsockopt")).toEqual({ ok: true, regType: "PTR_TO_SOCKET" });
    expect(load("cgroup_sockopt", BPF_SOCKOPT.optval, 8, "cgroup_setsockopt")).toEqual({ ok: true, regType: "PTR_TO_PACKET" });
    expect(load("cgroup_sockopt", BPF_SOCKOPT.optval_end, 8, "cgroup_getsockopt")).toEqual({ ok: true, regType: "PTR_TO_PACKET_END" });
    expect(load("sk_reuseport", SK_REUSEPORT_MD.sk, 8)).toEqual({ ok: true, regType: "PTR_TO_SOCKET" });
    expect(load("sk_reuseport", SK_REUSEPORT_MD.migrating_sk, 8)).toEqual({ ok: true, regType: "PTR_TO_SOCK_COMMON_OR_NULL" });
    expect(load("sk_lookup", SK_LOOKUP.sk, 8)).toEqual({ ok: true, regType: "PTR_TO_SOCKET_OR_NULL" });
  });

  it("load-time context checks use the expected attach type", () => {
    const writeRetval = [B.mov64Imm(2, 0), B.stx(O.BPF_W, 1, 2, BPF_SOCKOPT.retval), B.mov64Imm(0, 1), B.exit()];
    const sockopt = programType("cgroup_sockopt");
    expect(checkContextAccesses(writeRetval, sockopt, { attachType: "cgroup_getsockopt" }).maxCtxOffset).toBe(BPF_SOCKOPT_SIZE);
    expect(() => checkContextAccesses(writeRetval, sockopt, { attachType: "cgroup_setsockopt" })).toThrow(`invalid bpf_context access off=${BPF_SOCKOPT.retval} size=4`);
  });
});

const VMLINUX = "/sys/kernel/btf/vmlinux";

describe.skipIf(!existsSync(VMLINUX))("more program types: layouts equal the kernel's BTF", () => {
  const btf = existsSync(VMLINUX) ? parseBtf(new Uint8Array(readFileSync(VMLINUX))) : undefined;
  /** Member offsets, descending into anonymous structs and unions. */
  const struct = (name: string): { size: number; members: Map<string, number> } => {
    const t = btf!.types.find((x) => x.kind === BtfKind.STRUCT && x.name === name)!;
    const members = new Map<string, number>();
    const walk = (s: typeof t, base: number): void => {
      for (const m of s.members ?? []) {
        const off = base + btfMemberBitOffset(s, m) / 8;
        if (m.name) {
          if (!members.has(m.name)) members.set(m.name, off);
          continue;
        }
        let inner = btf!.types[m.type];
        while (inner && (inner.kind === BtfKind.TYPEDEF || inner.kind === BtfKind.CONST || inner.kind === BtfKind.VOLATILE)) inner = btf!.types[inner.sizeOrType];
        if (inner && (inner.kind === BtfKind.STRUCT || inner.kind === BtfKind.UNION)) walk(inner, off);
      }
    };
    walk(t, 0);
    return { size: t.sizeOrType, members };
  };
  const check = (name: string, size: number, fields: Record<string, number>): void => {
    const s = struct(name);
    expect(s.size, `sizeof(struct ${name})`).toBe(size);
    for (const [f, off] of Object.entries(fields)) expect(s.members.get(f), `${name}.${f}`).toBe(off);
  };
  it("struct sk_msg_md", () => check("sk_msg_md", SK_MSG_MD_SIZE, SK_MSG_MD));
  it("struct bpf_flow_keys", () => check("bpf_flow_keys", FLOW_KEYS_SIZE, FLOW_KEYS));
  it("struct bpf_cgroup_dev_ctx", () => check("bpf_cgroup_dev_ctx", CGROUP_DEV_CTX_SIZE, CGROUP_DEV_CTX));
  it("struct bpf_sysctl", () => check("bpf_sysctl", BPF_SYSCTL_SIZE, BPF_SYSCTL));
  it("struct bpf_sockopt", () => check("bpf_sockopt", BPF_SOCKOPT_SIZE, BPF_SOCKOPT));
  it("struct sk_reuseport_md", () => check("sk_reuseport_md", SK_REUSEPORT_MD_SIZE, SK_REUSEPORT_MD));
  it("struct bpf_sk_lookup", () => check("bpf_sk_lookup", SK_LOOKUP_SIZE, SK_LOOKUP));
});
