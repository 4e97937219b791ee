import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { btfCChunks, btfFromFile, btfRawChunks, formatBtfC, formatBtfRaw, parseBtf, BtfError, type Btf } from "../../src/btf/index.js";
import { bpftool, corpusFiles, fixtureObjects, hasBpftool, hasCorpus, hasVmlinux, VMLINUX } from "./oracle.js";
import { encodeBtf, type RawType } from "./encode.js";

/** Our dump, or null when we reject the file (bpftool must then fail too). */
function ours(file: string, format: "raw" | "c"): string | null {
  try {
    const { btf } = btfFromFile(new Uint8Array(readFileSync(file)));
    return format === "c" ? formatBtfC(btf) : formatBtfRaw(btf);
  } catch (e) {
    if (!(e instanceof BtfError) && !(e instanceof Error && "code" in e)) throw e;
    return null;
  }
}

describe.skipIf(!hasBpftool)("btf dump matches bpftool byte for byte", () => {
  describe("fixtures", () => {
    for (const f of fixtureObjects()) {
      for (const fmt of ["raw", "c"] as const) {
        it(`${f.split("/").pop()} format ${fmt}`, () => {
          const want = bpftool(["btf", "dump", "file", f, "format", fmt]);
          expect(want).not.toBeNull();
          expect(ours(f, fmt)).toBe(want);
        });
      }
    }
  });

  describe.skipIf(!hasCorpus)("corpus objects (failures must match too)", () => {
    it("every corpus file, raw and c", () => {
      const files = corpusFiles();
      expect(files.length).toBeGreaterThan(50);
      let compared = 0;
      for (const f of files) {
        for (const fmt of ["raw", "c"] as const) {
          const want = bpftool(["btf", "dump", "file", f, "format", fmt]);
          const got = ours(f, fmt);
          expect({ f, fmt, same: got === want, bpftoolFailed: want === null, weFailed: got === null }).toEqual({
            f,
            fmt,
            same: true,
            bpftoolFailed: want === null,
            weFailed: want === null,
          });
          if (want !== null) compared++;
        }
      }
      expect(compared).toBeGreaterThan(100);
    });
  });

  describe.skipIf(!hasVmlinux)("vmlinux", () => {
    it("raw and c dumps of /sys/kernel/btf/vmlinux", () => {
      const { btf } = btfFromFile(new Uint8Array(readFileSync(VMLINUX)));
      expect(formatBtfRaw(btf) === bpftool(["btf", "dump", "file", VMLINUX])).toBe(true);
      expect(formatBtfC(btf) === bpftool(["btf", "dump", "file", VMLINUX, "format", "c"])).toBe(true);
    });
  });

  describe("hand-built raw BTF (kinds clang 14 cannot emit)", () => {
    const dir = mkdtempSync(join(tmpdir(), "ebpf-btf-"));
    const cases: Record<string, { types: RawType[]; strings: string[] }> = {
      enum64: {
        strings: ["", "e64", "A", "B", "C", "s64", "NEG", "small64", "X", "int"],
        types: [
          { kind: 19, name: 1, vlen: 3, size: 8, values: [[2, 0n], [3, 0xffffffff_00000001n], [4, 1n << 40n]] },
          { kind: 19, name: 5, vlen: 1, kflag: true, size: 8, values: [[6, -5n]] },
          { kind: 19, name: 7, vlen: 1, size: 8, values: [[8, 3n]] },
          { kind: 1, name: 9, size: 4, int: (1 << 24) | 32 },
          { kind: 6, name: 0, vlen: 1, kflag: true, size: 4, values: [[8, -1n]] },
        ],
      },
      tags_and_floats: {
        strings: ["", "float", "s", "f", "tag", "int", "user"],
        types: [
          { kind: 16, name: 1, size: 4 },
          { kind: 1, name: 5, size: 4, int: (1 << 24) | 32 },
          { kind: 18, name: 6, type: 2 },
          { kind: 2, name: 0, type: 3 },
          { kind: 4, name: 2, vlen: 2, size: 16, members: [[3, 1, 0], [3, 4, 64]] },
          { kind: 17, name: 4, type: 5, componentIdx: -1 },
          { kind: 17, name: 4, type: 5, componentIdx: 1 },
        ],
      },
      invalid_names: {
        strings: ["", "ok"],
        types: [{ kind: 1, name: 999, size: 4, int: 32 }, { kind: 8, name: 1, type: 1 }],
      },
    };
    for (const [name, c] of Object.entries(cases)) {
      for (const be of [false, true]) {
        it(`${name}${be ? " (big-endian)" : ""}`, () => {
          const bytes = encodeBtf(c.types, c.strings, be);
          const file = join(dir, `${name}${be ? ".be" : ""}.btf`);
          writeFileSync(file, bytes);
          for (const fmt of ["raw", "c"] as const) expect(ours(file, fmt)).toBe(bpftool(["btf", "dump", "file", file, "format", fmt]));
        });
      }
    }
    it("cleans up", () => rmSync(dir, { recursive: true, force: true }));
  });
});

describe.skipIf(!hasBpftool)("split BTF (a base and types on top of it)", () => {
  it("dumps like bpftool -B", () => {
    const dir = mkdtempSync(join(tmpdir(), "ebpf-btf-split-"));
    try {
      const base = encodeBtf(
        [
          { kind: 1, name: 1, size: 4, int: (1 << 24) | 32 },
          { kind: 4, name: 5, vlen: 1, size: 4, members: [[9, 1, 0]] },
        ],
        ["", "int", "pt", "x"],
        false,
      );
      // split strings continue the base's table: "s" at 11, "y" at 13, "t" at 15
      const split = encodeBtf(
        [
          { kind: 2, name: 0, type: 2 },
          { kind: 4, name: 11, vlen: 3, size: 16, members: [[13, 3, 0], [9, 1, 64], [0, 5, 96]] },
          { kind: 8, name: 15, type: 1 },
        ],
        ["s", "y", "t"],
        false,
      );
      const baseFile = join(dir, "base.btf");
      const splitFile = join(dir, "split.btf");
      writeFileSync(baseFile, base);
      writeFileSync(splitFile, split);
      const baseBtf = parseBtf(base);
      const btf = parseBtf(split, { base: baseBtf });
      for (const fmt of ["raw", "c"] as const) {
        const want = bpftool(["btf", "dump", "-B", baseFile, "file", splitFile, "format", fmt]);
        expect(want).not.toBeNull();
        expect(fmt === "c" ? formatBtfC(btf) : formatBtfRaw(btf)).toBe(want);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("dump paths agree", () => {
  const files = [...fixtureObjects(), ...(hasVmlinux ? [VMLINUX] : [])];
  it("type objects (looked at, or a Btf built by hand) dump like the file's bytes", () => {
    for (const f of files) {
      const bytes = new Uint8Array(readFileSync(f));
      const fresh = btfFromFile(bytes).btf;
      const c = formatBtfC(fresh);
      const raw = formatBtfRaw(fresh);
      // once `types` has been built, the objects are what gets dumped
      const looked = btfFromFile(bytes).btf;
      expect(looked.types.length).toBe(fresh.types.length);
      expect(formatBtfC(looked)).toBe(c);
      expect(formatBtfRaw(looked)).toBe(raw);
      const byHand: Btf = { types: looked.types, startId: looked.startId, bigEndian: looked.bigEndian, pointerSize: looked.pointerSize, raw: looked.raw };
      expect(formatBtfC(byHand)).toBe(c);
      expect(formatBtfRaw(byHand)).toBe(raw);
    }
  });
  it("the chunked dumps are the whole dump, in chunks of bounded size", () => {
    for (const f of files) {
      const { btf } = btfFromFile(new Uint8Array(readFileSync(f)));
      for (const [chunks, whole] of [
        [btfCChunks(btf), formatBtfC(btf)],
        [btfRawChunks(btf), formatBtfRaw(btf)],
      ] as const) {
        const parts = [...chunks];
        expect(parts.every((p) => p.length > 0 && p.length < 1 << 18)).toBe(true);
        const all = Buffer.concat(parts);
        expect(all.toString("utf8") === whole).toBe(true);
        if (whole.length > 1 << 20) expect(parts.length).toBeGreaterThan(4);
      }
    }
  });
  it("a dump stops where its consumer stops", () => {
    const { btf } = btfFromFile(new Uint8Array(readFileSync(fixtureObjects()[0]!)));
    const it = btfCChunks(btf);
    expect(it.next().done).toBe(false);
    expect(it.return(undefined).done).toBe(true);
  });
});

describe("btf parser", () => {
  it("rejects truncated and corrupted headers with the offset", () => {
    const good = encodeBtf([{ kind: 1, name: 1, size: 4, int: 32 }], ["", "int"], false);
    expect(() => parseBtf(good.subarray(0, 10))).toThrow(/\.BTF\+0x0: header not found/);
    const badMagic = good.slice();
    badMagic[0] = 0;
    expect(() => parseBtf(badMagic)).toThrow(BtfError);
    const badKind = good.slice();
    badKind[24 + 7] = 25 << 0;
    expect(() => parseBtf(badKind)).toThrow(/unsupported kind 25/);
  });
  it("parses every kind and resolves names", () => {
    const btf = parseBtf(encodeBtf([{ kind: 1, name: 1, size: 4, int: 32 }, { kind: 2, name: 0, type: 1 }], ["", "int"], false));
    expect(btf.types.length).toBe(3);
    expect(btf.types[1]!.name).toBe("int");
    expect(btf.types[2]!.sizeOrType).toBe(1);
  });
});
