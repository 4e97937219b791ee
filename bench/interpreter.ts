/**
 * Interpreter speed in executed instructions per second on three loops. Not a test: numbers
 * depend on the machine; run with `npm run bench`.
 */
import { HelperRegistry } from "../src/helpers/registry.js";
import { build as b, BPF_ADD, BPF_AND, BPF_B, BPF_DW, BPF_JLT, BPF_JNE, BPF_LSH, BPF_MUL, BPF_RSH, BPF_XOR, type Instruction } from "../src/isa/index.js";
import { AddressSpace, createImage, Interpreter, PERM_RW } from "../src/vm/index.js";

export interface BenchRow {
  name: string;
  steps: number;
  seconds: number;
  mips: number;
}

/** r0 = a xorshift-style mix over 1M iterations: ALU only. */
export const aluLoop = (iterations: number): Instruction[] => [
  b.mov64Imm(0, 1), b.mov64Imm(1, 0), b.ldImm64(2, BigInt(iterations)),
  // loop:
  b.mov64Reg(3, 0), b.alu64Imm(BPF_LSH, 3, 13), b.alu64Reg(BPF_XOR, 0, 3),
  b.mov64Reg(3, 0), b.alu64Imm(BPF_RSH, 3, 7), b.alu64Reg(BPF_XOR, 0, 3),
  b.alu64Imm(BPF_MUL, 0, 0x2545f491), b.alu64Imm(BPF_ADD, 1, 1),
  b.jmpReg(BPF_JLT, 1, 2, -9),
  b.exit(),
];

/** Copies `len` bytes from the first half of memory to the second, byte by byte. */
export const memcpyLoop = (): Instruction[] => [
  // r1 = mem, r2 = len; r3 = r1 + len/2 (dst)
  b.mov64Reg(4, 2), b.alu64Imm(BPF_RSH, 4, 1), b.mov64Reg(3, 1), b.alu64Reg(BPF_ADD, 3, 4), b.mov64Imm(5, 0),
  // loop:
  b.mov64Reg(6, 1), b.alu64Reg(BPF_ADD, 6, 5), b.ldx(BPF_B, 7, 6, 0),
  b.mov64Reg(6, 3), b.alu64Reg(BPF_ADD, 6, 5), b.stx(BPF_B, 6, 7, 0),
  b.alu64Imm(BPF_ADD, 5, 1), b.jmpReg(BPF_JLT, 5, 4, -8),
  b.mov64Reg(0, 5), b.exit(),
];

/** Calls a small subprogram `iterations` times, with stack traffic in both frames. */
export const callLoop = (iterations: number): Instruction[] => [
  b.mov64Imm(6, 0), b.mov64Imm(7, 0),
  // loop:
  b.mov64Reg(1, 6), b.callLocal(5), b.alu64Reg(BPF_ADD, 7, 0), b.alu64Imm(BPF_ADD, 6, 1),
  b.jmpImm(BPF_JNE, 6, iterations, -5),
  b.mov64Reg(0, 7), b.exit(),
  // f(r1): spill, mask, reload
  b.stx(BPF_DW, 10, 1, -8), b.alu64Imm(BPF_AND, 1, 0xff), b.ldx(BPF_DW, 0, 10, -8), b.alu64Reg(BPF_ADD, 0, 1), b.exit(),
];

function measure(name: string, interp: Interpreter, insns: Instruction[], args: number[], minSeconds = 1): BenchRow {
  const image = createImage(insns);
  interp.run(image, { args, budget: 1e12 }); // warm-up (JIT tiers of V8)
  let steps = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < minSeconds * 1000) {
    steps += interp.run(image, { args, budget: 1e12 }).steps;
    elapsed = performance.now() - t0;
  }
  const seconds = elapsed / 1000;
  return { name, steps, seconds, mips: steps / seconds / 1e6 };
}

export function runInterpreterBench(minSeconds = 1): BenchRow[] {
  const space = new AddressSpace();
  const interp = new Interpreter(space, new HelperRegistry());
  const mem = space.map(65536, "memory", PERM_RW);
  return [
    measure("ALU loop (xorshift-multiply, 1M iterations)", interp, aluLoop(1_000_000), [], minSeconds),
    measure("memory-copy loop (32 KiB, byte by byte)", interp, memcpyLoop(), [mem.start, mem.size], minSeconds),
    measure("call-heavy loop (bpf-to-bpf call per iteration)", interp, callLoop(200_000), [], minSeconds),
  ];
}
