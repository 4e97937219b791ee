/** `npm run bench`: every benchmark, printed as Markdown tables ready for the README. */
import { runInterpreterBench } from "./interpreter.js";

const rows = runInterpreterBench(Number(process.env.BENCH_SECONDS ?? 2));
console.log("## Interpreter (executed eBPF instructions per second)\n");
console.log("| loop | instructions | seconds | M insn/s |");
console.log("|---|---:|---:|---:|");
for (const r of rows) console.log(`| ${r.name} | ${r.steps.toLocaleString("en")} | ${r.seconds.toFixed(2)} | ${r.mips.toFixed(1)} |`);
console.log(`\nnode ${process.version}, ${process.arch}`);
