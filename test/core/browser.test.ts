import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { runInNewContext } from "node:vm";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The core (src/core.ts) must run in a browser: bundle it for the browser platform — any Node-only
 * import fails the build — and run the bundle in a fresh context that has only what browsers and
 * Node share (no require, process or Buffer).
 */
describe("the core runs without Node", () => {
  it("bundles for the browser and runs a program, an object and the JIT there", async () => {
    const result = await build({
      entryPoints: [join(import.meta.dirname, "../../src/core.ts")],
      bundle: true,
      platform: "browser",
      format: "iife",
      globalName: "ebpf",
      write: false,
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/require\(["']node:/);
    const sandbox: Record<string, unknown> = {
      WebAssembly, TextDecoder, TextEncoder, performance, console, BigInt, Math, Date, Uint8Array, DataView,
      queueMicrotask, setTimeout, clearTimeout,
    };
    runInNewContext(`${code}\nglobalThis.ebpf = ebpf;`, sandbox);
    const core = sandbox.ebpf as typeof import("../../src/core.js");
    const prog = core.assemble("r0 = 0\nr1 = 40\nloop:\nr0 += r1\nr1 -= 1\nif r1 != 0 goto loop\nexit");
    expect(core.execute(prog).r0).toBe(820n);
    expect(core.execute(prog, { engine: (space, helpers) => new core.JitEngine(space, helpers) }).r0).toBe(820n);
    expect(() => core.execute([{ op: 0xff, dst: 0, src: 0, off: 0, imm: 0 }])).toThrow(/unknown opcode ff/);

    // A clang-built object with a map, loaded and test-run by the runtime on the capture's packets.
    const obj = new Uint8Array(readFileSync(join(import.meta.dirname, "../../examples/sockex1.o")));
    const capture = new Uint8Array(readFileSync(join(import.meta.dirname, "../../examples/sample.pcap")));
    const rt = new core.Runtime();
    const coll = rt.load(core.loadObject(obj));
    let packets = 0;
    for (const p of core.pcap.readCapture(capture)) {
      coll.program("count_by_protocol").testRun({ dataIn: p.data });
      packets++;
    }
    expect(packets).toBe(40);
    const tcp = coll.maps.get("proto_stats")!.lookup(new Uint8Array([6, 0, 0, 0]))!;
    expect(new DataView(tcp.buffer, tcp.byteOffset).getUint32(0, true)).toBe(20);
  });
});
