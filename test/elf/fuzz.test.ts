import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { btfFromFile, formatBtfC, formatBtfRaw, relocateObjectCore } from "../../src/btf/index.js";
import { EbpfError } from "../../src/errors.js";
import { loadObject } from "../../src/elf/index.js";
import { fixtureObjects } from "../btf/oracle.js";

/** A small deterministic PRNG (mulberry32) so failures reproduce from the seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Everything a user can point the loader and dumpers at: only EbpfErrors may come out. */
function exercise(bytes: Uint8Array): void {
  try {
    const spec = loadObject(bytes);
    if (spec.btf) relocateObjectCore(spec, spec.btf);
  } catch (e) {
    if (!(e instanceof EbpfError)) throw e;
  }
  try {
    const { btf } = btfFromFile(bytes);
    formatBtfRaw(btf);
    formatBtfC(btf);
  } catch (e) {
    if (!(e instanceof EbpfError)) throw e;
  }
}

describe("mutation fuzzer over the fixtures", () => {
  const seed = Number(process.env.EBPF_FUZZ_SEED ?? 0x5eed);
  const rounds = Number(process.env.EBPF_FUZZ_ROUNDS ?? 120);
  for (const file of fixtureObjects()) {
    it(`${file.split("/").pop()} (seed ${seed}, ${rounds} rounds)`, () => {
      const orig = new Uint8Array(readFileSync(file));
      const rand = rng(seed ^ orig.length);
      for (let round = 0; round < rounds; round++) {
        const b = orig.slice();
        const mode = round % 4;
        if (mode === 0) {
          // flip a few random bytes
          for (let k = 0; k < 1 + Math.floor(rand() * 8); k++) b[Math.floor(rand() * b.length)] ^= 1 + Math.floor(rand() * 255);
        } else if (mode === 1) {
          // truncate
          expect(() => exercise(b.subarray(0, Math.floor(rand() * b.length)))).not.toThrow();
          continue;
        } else if (mode === 2) {
          // corrupt a 32-bit word with an extreme value
          const at = Math.floor(rand() * (b.length - 4));
          new DataView(b.buffer).setUint32(at, [0, 0xffffffff, 0x7fffffff, 0x80000000, 1][Math.floor(rand() * 5)]!, true);
        } else {
          // corrupt inside the BTF section, where the parsers work hardest
          const text = Buffer.from(orig).indexOf(Buffer.from([0x9f, 0xeb, 0x01]));
          if (text >= 0) for (let k = 0; k < 4; k++) b[text + Math.floor(rand() * Math.min(2048, b.length - text))] ^= 1 << Math.floor(rand() * 8);
        }
        const t0 = performance.now();
        try {
          exercise(b);
        } catch (e) {
          throw new Error(`round ${round} (seed ${seed}): ${(e as Error).stack}`);
        }
        const ms = performance.now() - t0;
        if (ms > 2000) throw new Error(`round ${round} (seed ${seed}) took ${ms.toFixed(0)} ms`);
      }
    });
  }
});
