/** `npm run bench`: every benchmark, printed as Markdown tables ready for the README. */
import { runBtfBench } from "./btf.js";
import { runInterpreterBench } from "./interpreter.js";
import { formatJitBench, formatJitCompileBench, runJitBench, runJitCompileBench } from "./jit.js";
import { compareCli, formatCliComparison, formatKernelBench, runKernelBench } from "./kernel.js";
import { formatVerifierBench, runVerifierBench } from "./verifier.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 2);

console.log("## Interpreter (executed eBPF instructions per second)\n");
console.log("| loop | instructions | seconds | M insn/s |");
console.log("|---|---:|---:|---:|");
for (const r of runInterpreterBench(seconds)) {
  console.log(`| ${r.name} | ${r.steps.toLocaleString("en")} | ${r.seconds.toFixed(2)} | ${r.mips.toFixed(1)} |`);
}

console.log("\n## JIT (WebAssembly), same loops\n");
console.log(formatJitBench(runJitBench(seconds)));
console.log("\n## JIT compile time\n");
console.log(formatJitCompileBench(runJitCompileBench()));

console.log("\n## Interpreter, JIT and the kernel on the same programs (time per run)\n");
console.log(formatKernelBench(runKernelBench()));
console.log("\n## `ebpf run --engine jit` beside `bpftool prog run` (compute loop)\n");
console.log(formatCliComparison(compareCli()));

console.log("\n## BTF dump of /sys/kernel/btf/vmlinux, whole process (median of 5)\n");
const btf = runBtfBench();
if (typeof btf === "string") console.log(btf);
else {
  console.log("| format | ebpf-ts ms | bpftool ms | ratio |");
  console.log("|---|---:|---:|---:|");
  for (const r of btf) console.log(`| ${r.format} | ${r.ebpfMs.toFixed(0)} | ${r.bpftoolMs.toFixed(0)} | ${(r.ebpfMs / r.bpftoolMs).toFixed(2)}x |`);
}
console.log("\n## Verifier: time per program against the kernel's `verification time` (best of 3)\n");
console.log(formatVerifierBench(runVerifierBench(3)));

console.log(`\nnode ${process.version}, ${process.arch}`);
