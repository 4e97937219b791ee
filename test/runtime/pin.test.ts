/** The pinning store: pinned maps persist across runtimes, writes are atomic, mismatches are refused. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadObject, type ObjectSpec } from "../../src/elf/index.js";
import { DirectoryPinStore } from "../../src/runtime/node.js";
import { decodePinnedMap, MemoryPinStore, normalizePinPath, PinMismatchError } from "../../src/runtime/pin-store.js";
import { Runtime } from "../../src/runtime/runtime.js";
import { eth, ipv4, udp } from "./packets.js";

const FIX = join(import.meta.dirname, "../fixtures/runtime");
const tailcall = (): ObjectSpec => loadObject(new Uint8Array(readFileSync(join(FIX, "tailcall.o"))));
const pkt = eth(0x0800, ipv4(17, udp(53)));
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const counts = (rt: Runtime, spec = tailcall()) => rt.load(spec).map("pinned_counts");

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "ebpf-pins-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("pinned maps in a directory", () => {
  it("persist across two runtimes (LIBBPF_PIN_BY_NAME): the second reuses the first's contents", () => {
    const dir = tempDir();
    {
      using rt = new Runtime({ pinStore: new DirectoryPinStore(dir) });
      const c = rt.load(tailcall());
      c.program("stage1").testRun({ dataIn: pkt });
    }
    expect(readdirSync(dir)).toEqual(["pinned_counts"]);
    const saved = decodePinnedMap(new Uint8Array(readFileSync(join(dir, "pinned_counts"))), "pin");
    expect(saved).toMatchObject({ typeName: "hash", keySize: 4, valueSize: 8, maxEntries: 16 });
    expect(saved.entries).toHaveLength(3);
    using rt2 = new Runtime({ pinStore: new DirectoryPinStore(dir) });
    const c2 = rt2.load(tailcall());
    expect(c2.map("pinned_counts").dump().map((e) => e.value)).toEqual(["0100000000000000", "0100000000000000", "0100000000000000"]);
    c2.program("stage1").testRun({ dataIn: pkt });
    // saved after every run
    const again = decodePinnedMap(new Uint8Array(readFileSync(join(dir, "pinned_counts"))), "pin");
    expect(again.entries.map((e) => e[1])).toEqual(["0200000000000000", "0200000000000000", "0200000000000000"]);
  });

  it("pin(path) and openPinnedMap: an explicit pin another runtime opens", () => {
    const dir = tempDir();
    {
      using rt = new Runtime({ pinStore: new DirectoryPinStore(dir) });
      const c = rt.load(loadObject(new Uint8Array(readFileSync(join(FIX, "socket_ldabs.o")))));
      c.map("last_addr").pin("/globals/last_addr");
      c.map("last_addr").update(u32(1), u32(99));
      expect(() => c.map("flows").pin("globals/last_addr")).toThrowError(expect.objectContaining({ code: "EEXIST" }));
    }
    expect(existsSync(join(dir, "globals/last_addr"))).toBe(true);
    using rt2 = new Runtime({ pinStore: new DirectoryPinStore(dir) });
    const m = rt2.openPinnedMap("globals/last_addr");
    expect(m.lookup(u32(1))).toEqual(u32(99));
    m.unpin();
    expect(existsSync(join(dir, "globals/last_addr"))).toBe(false);
    expect(() => rt2.openPinnedMap("globals/last_addr")).toThrowError(expect.objectContaining({ code: "ENOENT" }));
  });

  it("a crash between writing the temporary file and the rename leaves the old contents", () => {
    const dir = tempDir();
    {
      using rt = new Runtime({ pinStore: new DirectoryPinStore(dir) });
      rt.load(tailcall()).program("stage1").testRun({ dataIn: pkt });
    }
    const before = readFileSync(join(dir, "pinned_counts"));
    let crashes = 0;
    const store = new DirectoryPinStore(dir, {
      beforeRename: () => {
        crashes++;
        throw new Error("simulated crash");
      },
    });
    const rt = new Runtime({ pinStore: store });
    const c = rt.load(tailcall());
    expect(() => c.program("stage1").testRun({ dataIn: pkt })).toThrowError(expect.objectContaining({ code: "EIO", message: expect.stringMatching(/simulated crash/) }));
    expect(crashes).toBe(1);
    expect(readFileSync(join(dir, "pinned_counts"))).toEqual(before);
    expect(store.list()).toEqual(["pinned_counts"]);
    // a crash that leaves the temporary file behind: it is ignored and cleaned
    writeFileSync(join(dir, ".ebpf-tmp-1-1"), "partial");
    expect(new DirectoryPinStore(dir).list()).toEqual(["pinned_counts"]);
    expect(new DirectoryPinStore(dir).clean()).toBe(1);
    using rt3 = new Runtime({ pinStore: new DirectoryPinStore(dir) });
    expect(counts(rt3).dump().map((e) => e.value)).toEqual(["0100000000000000", "0100000000000000", "0100000000000000"]);
  });

  it("a pin that does not match the object's map is refused and left untouched", () => {
    const dir = tempDir();
    {
      using rt = new Runtime({ pinStore: new DirectoryPinStore(dir) });
      rt.load(tailcall()).program("stage1").testRun({ dataIn: pkt });
    }
    const before = readFileSync(join(dir, "pinned_counts"));
    const other = tailcall();
    const m = other.maps.find((x) => x.name === "pinned_counts")!;
    m.valueSize = 4;
    m.maxEntries = 8;
    using rt = new Runtime({ pinStore: new DirectoryPinStore(dir) });
    let err: unknown;
    try {
      rt.load(other);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PinMismatchError);
    expect((err as PinMismatchError).code).toBe("EINVAL");
    expect((err as Error).message).toMatch(/value_size 8 pinned, 4 in the object, max_entries 16 pinned, 8 in the object/);
    expect(readFileSync(join(dir, "pinned_counts"))).toEqual(before);
    // the runtime is still usable and the good object still loads
    expect(counts(rt).dump()).toHaveLength(3);
  });

  it("a damaged pin file is a typed error, not a crash", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "pinned_counts"), "{ not json");
    using rt = new Runtime({ pinStore: new DirectoryPinStore(dir) });
    expect(() => rt.load(tailcall())).toThrowError(expect.objectContaining({ code: "EINVAL", message: expect.stringMatching(/not a pinned map/) }));
    expect(readFileSync(join(dir, "pinned_counts"), "utf8")).toBe("{ not json");
  });

  it("with autoSyncPins off, pins are written by syncPins() or close()", () => {
    const dir = tempDir();
    const rt = new Runtime({ pinStore: new DirectoryPinStore(dir), autoSyncPins: false });
    const c = rt.load(tailcall());
    const initial = readFileSync(join(dir, "pinned_counts"), "utf8");
    c.program("stage1").testRun({ dataIn: pkt });
    expect(readFileSync(join(dir, "pinned_counts"), "utf8")).toBe(initial);
    rt.close();
    expect(decodePinnedMap(new Uint8Array(readFileSync(join(dir, "pinned_counts"))), "pin").entries).toHaveLength(3);
  });
});

describe("pin store basics", () => {
  it("memory store; paths cannot leave the store", () => {
    const s = new MemoryPinStore();
    using rt = new Runtime({ pinStore: s });
    rt.load(tailcall()).program("stage1").testRun({ dataIn: pkt });
    expect(s.list()).toEqual(["pinned_counts"]);
    expect(normalizePinPath("/sys/fs/bpf//a/./b")).toBe("sys/fs/bpf/a/b");
    expect(() => normalizePinPath("../x")).toThrowError(expect.objectContaining({ code: "EINVAL" }));
    expect(() => normalizePinPath("/")).toThrowError(expect.objectContaining({ code: "EINVAL" }));
  });

  it("without a store, LIBBPF_PIN_BY_NAME is ignored and pin() is ENOTSUPP", () => {
    using rt = new Runtime();
    const c = rt.load(tailcall());
    expect(c.map("pinned_counts").pinnedAt).toBeUndefined();
    expect(() => c.map("pinned_counts").pin("x")).toThrowError(expect.objectContaining({ code: "ENOTSUPP" }));
  });
});
