/**
 * Agreement with the kernel on compiled objects: the fixtures, the runtime fixtures, the benchmark
 * programs, the examples and the shared samples corpus (../shared/corpus/ebpf-samples). Prints one
 * line per disagreement or skip and the table. Run as root:
 *   npx tsx test/verifier/corpus-agreement.ts [--json] [DIR…]   (DIR ending in * is walked recursively)
 */
import { agreeOnObject, objectFiles, tabulate, type Row } from "./agreement.js";

const root = new URL("../../", import.meta.url).pathname;
const args = process.argv.slice(2);
const json = args.includes("--json");
const verbose = args.includes("-v");
const dirs = args.filter((a) => !a.startsWith("-"));
const groups: [string, string[]][] = dirs.length
  ? [["args", dirs]]
  : [
      ["fixtures", [`${root}test/fixtures`, `${root}test/fixtures/runtime`, `${root}bench/programs`, `${root}examples`]],
      ["samples corpus", [`${root}../shared/corpus/ebpf-samples*`]],
    ];
const all: Row[] = [];
for (const [name, ds] of groups) {
  const rows: Row[] = [];
  for (const f of objectFiles(ds)) rows.push(...agreeOnObject(f, f.startsWith(root) ? f.slice(root.length) : f));
  all.push(...rows);
  for (const r of rows) {
    const where = `${r.file} ${r.prog} (${r.type})`;
    if (r.ours === "crash") console.log(`CRASH ${where}: ${r.oursMsg}`);
    else if (r.kernel === "skip" || r.ours === "skip") {
      if (verbose) console.log(`skip ${where}: kernel [${r.kernelMsg}] ours [${r.oursMsg}] ${r.note ?? ""}`);
    } else if (r.kernel === "ok" && r.ours === "reject") console.log(`FALSE REJECTION ${where} at ${r.oursPc}: ${r.oursMsg}`);
    else if (r.kernel === "reject" && r.ours === "ok") console.log(`FALSE ACCEPT ${where}: kernel [${r.kernelMsg}]`);
    else if (r.kernel === "reject" && r.kernelMsg !== r.oursMsg) console.log(`message ${where}: kernel [${r.kernelMsg}] ours [${r.oursMsg}]`);
    else if (verbose) console.log(`${r.kernel} ${where} ${r.processed ?? ""} insns ${r.ms?.toFixed(1)} ms`);
  }
  console.log(`${name}: ${JSON.stringify(tabulate(rows))}`);
}
if (json) console.log(JSON.stringify(all));
