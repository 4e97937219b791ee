/**
 * The kernel as the oracle on compiled objects: every program of the fixtures, runtime fixtures,
 * benchmark programs and examples is loaded into the running kernel and verified by us as
 * `ebpf run` does. We must accept what the kernel accepts and reject what it rejects (with its
 * message). The samples corpus (slow: Cilium's largest programs) runs with EBPF_SLOW=1; the
 * script corpus-agreement.ts prints the whole table.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { agreeOnObject, objectFiles, type Row } from "./agreement.js";
import { kernelAvailable } from "./oracle.js";

const root = new URL("../../", import.meta.url).pathname;
const corpus = `${root}../shared/corpus/ebpf-samples`;

function check(rows: Row[]): void {
  for (const r of rows) {
    if (r.kernel === "skip" || r.ours === "skip") continue;
    const where = `${r.file} ${r.prog}`;
    expect(r.ours, `${where}: ${r.oursMsg}`).not.toBe("crash");
    if (r.kernel === "reject") {
      expect(r.ours, `${where}: the kernel rejects [${r.kernelMsg}]`).toBe("reject");
      expect(r.oursMsg, where).toBe(r.kernelMsg);
    } else {
      expect(r.ours, `${where}: the kernel accepts, ours says [${r.oursMsg}] at ${r.oursPc}`).toBe("ok");
    }
  }
}

describe.skipIf(!kernelAvailable)("verdicts agree with the kernel on compiled objects", () => {
  for (const f of objectFiles([`${root}test/fixtures`, `${root}test/fixtures/runtime`, `${root}bench/programs`, `${root}examples`])) {
    it(f.slice(root.length), () => check(agreeOnObject(f, f.slice(root.length))), 60_000);
  }
  it.skipIf(process.env.EBPF_SLOW !== "1" || !existsSync(corpus))("samples corpus", () => {
    const rows: Row[] = [];
    for (const f of objectFiles([`${corpus}*`])) rows.push(...agreeOnObject(f, f.slice(corpus.length + 1)));
    check(rows);
  }, 1_800_000);
});
