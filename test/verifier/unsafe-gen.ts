/**
 * A generator of random (mostly unsafe) programs for the differential test against the kernel:
 * out-of-bounds stack, map value and packet accesses, missing null checks, uninitialised register
 * reads and bad helper arguments, each with random offsets and sizes so some land in bounds.
 * Programs are assembly text over the maps of cases.ts (map[id:0] hash 4→8, map[id:1] array 4→48).
 */
export interface GenCase {
  name: string;
  type: string;
  asm: string;
}

/** xorshift32: deterministic for a seed. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const SIZES: [string, number][] = [["u8", 1], ["u16", 2], ["u32", 4], ["u64", 8]];

export function generate(seed: number): GenCase {
  const r = rng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const [sz, n] = pick(SIZES);
  const sign = (o: number): string => (o < 0 ? `- ${-o}` : `+ ${o}`);
  const lookup = (map: number) => `r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:${map}]\ncall 1\n`;
  switch (int(0, 6)) {
    case 0: {
      const off = int(-530, 8) & ~(n - 1);
      return { name: `stack ${sz} ${off}`, type: "socket_filter", asm: `r1 = 0\n*(${sz} *)(r10 ${sign(off)}) = r1\nr0 = 0\nexit` };
    }
    case 1: {
      const reg = int(2, 9);
      return { name: `uninit r${reg}`, type: "socket_filter", asm: `r0 = 0\nr0 += r${reg}\nexit` };
    }
    case 2: {
      const off = int(-8, 56);
      return { name: `array value ${sz} ${off}`, type: "socket_filter", asm: `${lookup(1)}if r0 == 0 goto +1\nr0 = *(${sz} *)(r0 ${sign(off)})\nr0 = 0\nexit` };
    }
    case 3: {
      const off = int(-4, 12);
      return { name: `no null check ${sz} ${off}`, type: "socket_filter", asm: `${lookup(0)}r0 = *(${sz} *)(r0 ${sign(off)})\nr0 = 0\nexit` };
    }
    case 4: {
      const checked = int(0, 64);
      const off = int(-2, 70);
      return {
        name: `xdp packet checked ${checked} read ${sz} at ${off}`,
        type: "xdp",
        asm: `r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += ${checked}\nif r4 > r3 goto +1\nr0 = *(${sz} *)(r2 ${sign(off)})\nr0 = 2\nexit`,
      };
    }
    case 5: {
      const bad = pick(["r1 = 0", "r1 = r10", "r1 = r1", "r1 = map[id:0]\nr1 += 8"]);
      return { name: `bad map arg: ${bad.replace("\n", "; ")}`, type: "socket_filter", asm: `r6 = r1\nr2 = r10\nr2 += -8\nr3 = 0\n*(u64 *)(r10 - 8) = r3\n${bad}\ncall 1\nr0 = 0\nexit` };
    }
    default: {
      const len = int(-1, 80);
      const off = -8 * int(1, 8);
      return {
        name: `probe size ${len} from fp${off}`,
        type: "kprobe",
        asm: `r1 = r10\nr1 += ${off}\nr2 = ${len}\nr3 = 0\ncall 4\nr0 = 0\nexit`,
      };
    }
  }
}
