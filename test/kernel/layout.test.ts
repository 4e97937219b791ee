/**
 * bpf_attr and info struct offsets checked against the C compiler's offsetof over the system's
 * <linux/bpf.h>. Fields newer than that header are checked against numbers read from Linux 6.18's.
 */
import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as A from "../../src/kernel/attr.js";
import type { Struct } from "../../src/kernel/layout.js";

const hasCc = spawnSync("cc", ["--version"]).status === 0 && existsSync("/usr/include/linux/bpf.h");
if (!hasCc) console.warn("layout test against <linux/bpf.h> skipped: no C compiler or no kernel headers");

const structs: [Struct, string, string][] = [
  [A.MAP_CREATE_ATTR, "union bpf_attr", ""],
  [A.MAP_ELEM_ATTR, "union bpf_attr", ""],
  [A.MAP_BATCH_ATTR, "union bpf_attr", "batch."],
  [A.PROG_LOAD_ATTR, "union bpf_attr", ""],
  [A.OBJ_ATTR, "union bpf_attr", ""],
  [A.PROG_TEST_RUN_ATTR, "union bpf_attr", "test."],
  [A.GET_ID_ATTR, "union bpf_attr", ""],
  [A.INFO_ATTR, "union bpf_attr", "info."],
  [A.BTF_LOAD_ATTR, "union bpf_attr", ""],
  [A.LINK_DETACH_ATTR, "union bpf_attr", "link_detach."],
  [A.PROG_INFO, "struct bpf_prog_info", ""],
  [A.MAP_INFO, "struct bpf_map_info", ""],
  [A.BTF_INFO, "struct bpf_btf_info", ""],
  [A.LINK_INFO, "struct bpf_link_info", ""],
];

/** Our names for link_create's union members, and their C paths. */
const linkCreate: [string, string][] = [
  ["prog_fd", "prog_fd"],
  ["target_fd", "target_fd"],
  ["target_ifindex", "target_ifindex"],
  ["attach_type", "attach_type"],
  ["flags", "flags"],
  ["target_btf_id", "target_btf_id"],
  ["iter_info", "iter_info"],
  ["bpf_cookie", "perf_event.bpf_cookie"],
  ["iter_info_len", "iter_info_len"],
  ["tracing_cookie", "tracing.cookie"],
];

/** Fields after the Debian 6.1 header, with their offsets in Linux 6.18's <linux/bpf.h>. */
const newer: [Struct, string, number][] = [
  [A.MAP_CREATE_ATTR, "value_type_btf_obj_fd", 72],
  [A.MAP_CREATE_ATTR, "map_token_fd", 76],
  [A.PROG_LOAD_ATTR, "log_true_size", 140],
  [A.PROG_LOAD_ATTR, "prog_token_fd", 144],
  [A.PROG_LOAD_ATTR, "fd_array_cnt", 148],
  [A.OBJ_ATTR, "path_fd", 16],
  [A.BTF_LOAD_ATTR, "btf_log_true_size", 28],
  [A.BTF_LOAD_ATTR, "btf_flags", 32],
  [A.BTF_LOAD_ATTR, "btf_token_fd", 36],
  [A.LINK_CREATE_ATTR, "relative_fd", 16],
  [A.LINK_CREATE_ATTR, "expected_revision", 24],
];

describe("bpf_attr layout", () => {
  it.skipIf(!hasCc)("matches offsetof() in <linux/bpf.h>", () => {
    const checks: string[] = [];
    for (const [s, type, prefix] of structs) {
      for (const f of s.fields.values()) {
        if (f.name === "gpl_compatible") continue; // a bitfield
        checks.push(`P(${type}, ${prefix}${f.name}, ${f.offset})`);
      }
    }
    for (const [ours, c] of linkCreate) checks.push(`P(union bpf_attr, link_create.${c}, ${A.LINK_CREATE_ATTR.offsetOf(ours)})`);
    const dir = mkdtempSync(join(tmpdir(), "ebpf-ts-layout-"));
    try {
      const compile = (lines: string[]) => {
        const src = [
          "#include <stdio.h>",
          "#include <stddef.h>",
          "#include <linux/bpf.h>",
          '#define P(T, F, X) printf("%s %s %zu %d\\n", #T, #F, offsetof(T, F), X)',
          "int main(void) {",
          ...lines.map((l) => `  ${l};`),
          "  return 0;",
          "}",
        ].join("\n");
        writeFileSync(join(dir, "off.c"), src);
        return spawnSync("cc", ["-o", join(dir, "off"), join(dir, "off.c")], { encoding: "utf8" });
      };
      let lines = checks;
      let res = compile(lines);
      let skipped: string[] = [];
      if (res.status !== 0) {
        // Fields this (older) header does not have: drop them and compile again.
        const missing = new Set([...res.stderr.matchAll(/has no member named [‘'](\w+)[’']/g)].map((m) => m[1]!));
        skipped = lines.filter((l) => [...missing].some((m) => new RegExp(`[ .]${m},`).test(l)));
        lines = lines.filter((l) => !skipped.includes(l));
        res = compile(lines);
      }
      expect(res.status, res.stderr).toBe(0);
      const out = execFileSync(join(dir, "off"), { encoding: "utf8" });
      const mismatches = out
        .trim()
        .split("\n")
        .filter((l) => {
          const p = l.split(" ");
          return p[p.length - 1] !== p[p.length - 2];
        });
      expect(mismatches).toEqual([]);
      expect(lines.length).toBeGreaterThan(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("places the fields newer than the system header where Linux 6.18 has them", () => {
    for (const [s, name, offset] of newer) expect(`${s.name}.${name}@${s.offsetOf(name)}`).toBe(`${s.name}.${name}@${offset}`);
  });

  it("pads every struct to 8 bytes", () => {
    for (const [s] of structs) expect(s.size % 8).toBe(0);
    expect(A.PROG_TEST_RUN_ATTR.size).toBe(80);
    expect(A.PROG_INFO.size).toBe(232);
    expect(A.MAP_INFO.size).toBe(88);
  });
});
