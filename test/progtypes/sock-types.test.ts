/**
 * The socket program types (sock_ops, cgroup_sock, cgroup_sock_addr): context layouts against the
 * running kernel's BTF, and every context access (offset × size × load/store/sign-extending load,
 * per expected attach type) against the kernel's answers recorded by
 * fixtures/gen-ctx-access.ts in fixtures/ctx-access.json.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { btfMemberBitOffset, BtfKind, parseBtf } from "../../src/btf/index.js";
import { checkContextAccesses, helpersFor, programType, programTypeForSection, returnRangeFor, SOCK_ADDR, SOCK_ADDR_SIZE, SOCK_OPS, SOCK_OPS_SIZE } from "../../src/progtypes/index.js";
import { BPF_SOCK, BPF_SOCK_SIZE } from "../../src/progtypes/sk-buff.js";
import * as B from "../../src/isa/build.js";
import * as O from "../../src/isa/opcodes.js";
import { CTX_ACCESS_TARGETS, type CtxAccessTable } from "./fixtures/gen-ctx-access.js";

const recorded = JSON.parse(readFileSync(new URL("./fixtures/ctx-access.json", import.meta.url), "utf8")) as { kernel: string; table: CtxAccessTable };

describe("socket program types: context access equals the kernel's is_valid_access", () => {
  for (const t of CTX_ACCESS_TARGETS) {
    const key = t.attach ? `${t.type}:${t.attach}` : t.type;
    it(key, () => {
      const spec = programType(t.type);
      const kernel = recorded.table[key]!;
      expect(kernel, "recorded table").toBeDefined();
      const mismatches: string[] = [];
      for (const [kind, row] of Object.entries(kernel)) {
        const size = Number(kind.slice(1));
        for (let off = 0; off < row.length; off++) {
          const r = spec.checkAccess({ off, size, write: kind[0] === "w", signExtend: kind[0] === "s", attachType: t.attach });
          const want = row[off] === "1";
          if (r.ok !== want) mismatches.push(`${kind} off=${off}: kernel ${want ? "accepts" : "rejects"}`);
          if (!r.ok) expect(r.message).toBe(`invalid bpf_context access off=${off} size=${size}`);
        }
      }
      expect(mismatches).toEqual([]);
    });
  }

  it("negative offsets are rejected", () => {
    for (const name of ["sock_ops", "cgroup_sock", "cgroup_sock_addr"]) {
      expect(programType(name).checkAccess({ off: -4, size: 4, write: false, attachType: "cgroup_inet4_connect" }).ok).toBe(false);
    }
  });

  it("pointer fields load as the kernel's register types", () => {
    const ops = programType("sock_ops");
    expect(ops.checkAccess({ off: SOCK_OPS.sk, size: 8, write: false })).toEqual({ ok: true, regType: "PTR_TO_SOCKET_OR_NULL" });
    expect(ops.checkAccess({ off: SOCK_OPS.skb_data, size: 8, write: false })).toEqual({ ok: true, regType: "PTR_TO_PACKET" });
    expect(ops.checkAccess({ off: SOCK_OPS.skb_data_end, size: 8, write: false })).toEqual({ ok: true, regType: "PTR_TO_PACKET_END" });
    expect(ops.checkAccess({ off: SOCK_OPS.bytes_acked, size: 8, write: false })).toEqual({ ok: true, regType: "SCALAR_VALUE" });
    const addr = programType("cgroup_sock_addr");
    expect(addr.checkAccess({ off: SOCK_ADDR.sk, size: 8, write: false, attachType: "cgroup_inet4_connect" })).toEqual({ ok: true, regType: "PTR_TO_SOCKET" });
  });
});

describe("socket program types: names, sections, helpers, return ranges", () => {
  it("kernel numbers and libbpf sections", () => {
    expect(programType("sock_ops").kernelType).toBe(13);
    expect(programType("BPF_PROG_TYPE_CGROUP_SOCK").kernelType).toBe(9);
    expect(programType(18).name).toBe("cgroup_sock_addr");
    expect(programTypeForSection("sockops")?.name).toBe("sock_ops");
    expect(programTypeForSection("cgroup/post_bind4")?.name).toBe("cgroup_sock");
    expect(programTypeForSection("cgroup/sock")?.name).toBe("cgroup_sock");
    expect(programTypeForSection("cgroup/connect6")?.name).toBe("cgroup_sock_addr");
    for (const n of ["sock_ops", "cgroup_sock", "cgroup_sock_addr"]) {
      expect(programType(n).testRun).toBe("none");
      expect(programType(n).ldAbs).toBe(false);
    }
  });

  it("helper sets follow the kernel's func_proto, per attach type where it matters", () => {
    const ops = programType("sock_ops");
    for (const h of ["setsockopt", "getsockopt", "sock_ops_cb_flags_set", "sock_map_update", "sock_hash_update", "get_socket_cookie", "load_hdr_opt", "store_hdr_opt", "reserve_hdr_opt", "get_netns_cookie", "tcp_sock"]) {
      expect(ops.helpers.has(h), h).toBe(true);
    }
    expect(ops.helpers.has("skb_load_bytes")).toBe(false);
    const sock = programType("cgroup_sock");
    expect(sock.helpers.has("setsockopt")).toBe(false);
    expect(helpersFor(sock, undefined).has("get_retval")).toBe(true);
    const addr = programType("cgroup_sock_addr");
    expect(helpersFor(addr, "cgroup_inet4_connect").has("bind")).toBe(true);
    expect(helpersFor(addr, "cgroup_inet4_bind").has("bind")).toBe(false);
    expect(helpersFor(addr, "cgroup_udp4_recvmsg").has("set_retval")).toBe(false);
    expect(helpersFor(addr, "cgroup_udp4_sendmsg").has("set_retval")).toBe(true);
  });

  it("return ranges of check_return_code", () => {
    expect(returnRangeFor(programType("sock_ops"), undefined)).toEqual([0, 1]);
    expect(returnRangeFor(programType("cgroup_sock"), "cgroup_inet4_post_bind")).toEqual([0, 1]);
    const addr = programType("cgroup_sock_addr");
    expect(returnRangeFor(addr, "cgroup_inet6_bind")).toEqual([0, 3]);
    expect(returnRangeFor(addr, "cgroup_unix_getsockname")).toEqual([1, 1]);
    expect(returnRangeFor(addr, "cgroup_udp6_recvmsg")).toEqual([1, 1]);
    expect(returnRangeFor(addr, "cgroup_inet4_connect")).toEqual([0, 1]);
  });

  it("load-time context checks use the expected attach type", () => {
    const sock = programType("cgroup_sock");
    const writeMark = [B.mov64Imm(2, 1), B.stx(O.BPF_W, 1, 2, BPF_SOCK.mark), B.mov64Imm(0, 1), B.exit()];
    expect(checkContextAccesses(writeMark, sock).maxCtxOffset).toBe(BPF_SOCK.mark + 4);
    expect(() => checkContextAccesses(writeMark, sock, { attachType: "cgroup_inet4_post_bind" })).toThrow(`invalid bpf_context access off=${BPF_SOCK.mark} size=4`);
    const bind = [B.callHelper(64), B.mov64Imm(0, 1), B.exit()];
    expect(() => checkContextAccesses(bind, programType("cgroup_sock_addr"), { attachType: "cgroup_inet4_bind" })).toThrow("cannot use helper bpf_bind#64");
  });
});

const VMLINUX = "/sys/kernel/btf/vmlinux";

describe.skipIf(!existsSync(VMLINUX))("socket program types: layouts equal the kernel's BTF", () => {
  const btf = existsSync(VMLINUX) ? parseBtf(new Uint8Array(readFileSync(VMLINUX))) : undefined;
  const struct = (name: string): { size: number; members: Map<string, number> } => {
    const t = btf!.types.find((x) => x.kind === BtfKind.STRUCT && x.name === name)!;
    const members = new Map<string, number>();
    for (const m of t.members ?? []) if (m.name) members.set(m.name, btfMemberBitOffset(t, m) / 8);
    return { size: t.sizeOrType, members };
  };
  const check = (name: string, size: number, fields: Record<string, number>, anon: Record<string, number> = {}): void => {
    const s = struct(name);
    expect(s.size).toBe(size);
    for (const [f, off] of Object.entries(fields)) {
      if (f in anon) continue;
      expect(s.members.get(f), `${name}.${f}`).toBe(off);
    }
  };
  it("struct bpf_sock_ops", () => {
    // args/reply is an anonymous union, sk and skb_data[_end] are __bpf_md_ptr unions.
    check("bpf_sock_ops", SOCK_OPS_SIZE, SOCK_OPS, { args: 4, reply: 4, sk: 184, skb_data: 192, skb_data_end: 200 });
  });
  it("struct bpf_sock", () => check("bpf_sock", BPF_SOCK_SIZE, BPF_SOCK));
  it("struct bpf_sock_addr", () => check("bpf_sock_addr", SOCK_ADDR_SIZE, SOCK_ADDR, { sk: 64 }));
});
