import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EbpfError } from "../../src/errors.js";
import { HelperRegistry } from "../../src/helpers/registry.js";
import { decode } from "../../src/isa/index.js";
import { JitEngine } from "../../src/jit/index.js";
import { execute } from "../../src/vm/index.js";

/**
 * Random bytecode, most of it invalid: whatever a program is, running it (interpreter or JIT in
 * checked mode) either returns or throws a typed EbpfError — never a raw JS or wasm exception —
 * and both engines agree on which.
 */
describe("random bytecode never escapes as a raw exception", () => {
  // Opcodes biased towards real ones so some programs get past validation and run.
  const REAL = [0x07, 0x0f, 0x17, 0x1f, 0x27, 0x37, 0x3f, 0x47, 0x57, 0x67, 0x77, 0x87, 0x97, 0xa7, 0xb7, 0xbf, 0xc7, 0x04, 0x0c, 0x34, 0xb4, 0xbc,
    0x05, 0x15, 0x1d, 0x25, 0x55, 0x5d, 0x65, 0xa5, 0xd5, 0x16, 0x56, 0x06, 0x61, 0x69, 0x71, 0x79, 0x81, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b,
    0xc3, 0xdb, 0x85, 0x8d, 0x95, 0xd4, 0xdc, 0xd7, 0x20, 0x28, 0x30, 0x40, 0xe5];
  const slot = fc.record({
    op: fc.oneof(fc.constantFrom(...REAL), fc.integer({ min: 0, max: 255 })),
    regs: fc.integer({ min: 0, max: 0xaa }),
    off: fc.integer({ min: -8, max: 8 }),
    imm: fc.oneof(fc.integer({ min: -16, max: 64 }), fc.integer()),
  });
  it("interpreter and checked JIT", () => {
    fc.assert(
      fc.property(fc.array(slot, { minLength: 1, maxLength: 24 }), fc.uint8Array({ maxLength: 32 }), (slots, memory) => {
        const bytes = new Uint8Array(slots.length * 8 + 8);
        const dv = new DataView(bytes.buffer);
        slots.forEach((s, i) => {
          dv.setUint8(i * 8, s.op);
          dv.setUint8(i * 8 + 1, s.regs);
          dv.setInt16(i * 8 + 2, s.off, true);
          dv.setInt32(i * 8 + 4, s.imm, true);
        });
        dv.setUint8(slots.length * 8, 0x95); // end with exit so some programs terminate
        const outcome = (engine: "interp" | "jit") => {
          try {
            const insns = decode(bytes);
            const r = execute(insns, {
              memory,
              budget: 2000,
              helpers: new HelperRegistry().register({ id: 1, name: "one", fn: () => 1 }),
              ...(engine === "jit" ? { engine: (space, helpers) => new JitEngine(space, helpers, { checked: true }) } : {}),
            });
            return `ok ${r.r0}`;
          } catch (e) {
            expect(e, String((e as Error)?.stack)).toBeInstanceOf(EbpfError);
            return `error ${(e as EbpfError).code}`;
          }
        };
        expect(outcome("jit")).toBe(outcome("interp"));
      }),
      { numRuns: 2000 },
    );
  });
});
