/**
 * Agreement with PREVAIL's own YAML test cases (../shared/corpus/prevail/*.yaml): another
 * verifier's opinion, not the kernel's. Each case has a pre-state, code (labelled blocks), an
 * expected post-state and, when PREVAIL rejects, `messages`. Cases whose pre-state maps onto
 * Linux's entry state (r1 = ctx, r10 = frame pointer, registers holding known numbers, which a
 * prologue `rN = K` sets) are assembled with src/asm and verified as socket filters, with
 * `r0 = 0; exit` appended (PREVAIL checks fragments, Linux whole programs). Everything else is
 * skipped with the reason counted.
 *   npx tsx test/verifier/prevail-agreement.ts [-v] [--json]
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { assemble } from "../../src/asm/index.js";
import { verify } from "../../src/verifier/index.js";

export const prevailDir = new URL("../../../shared/corpus/prevail/", import.meta.url).pathname;

export interface PrevailCase {
  file: string;
  name: string;
  pre: string[];
  options: string[];
  code: Record<string, string>;
  messages: string[];
}

export interface PrevailRow {
  file: string;
  name: string;
  /** PREVAIL's verdict: rejected when the case expects messages. */
  prevail: "ok" | "reject";
  ours: "ok" | "reject" | "skip";
  reason?: string;
  message?: string;
  kind?: string;
}

type YamlLoadAll = (text: string) => unknown[];

/** js-yaml when it is installed (a dependency of the toolchain), else undefined. */
export async function yamlLoader(): Promise<YamlLoadAll | undefined> {
  try {
    const name = "js-yaml";
    const m = (await import(name)) as { loadAll?: YamlLoadAll; default?: { loadAll: YamlLoadAll } };
    return m.loadAll ?? m.default?.loadAll;
  } catch {
    return undefined;
  }
}

export function readCases(loadAll: YamlLoadAll, dir = prevailDir): PrevailCase[] {
  const out: PrevailCase[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith(".yaml") || f === "test-schema.yaml") continue;
    for (const doc of loadAll(readFileSync(dir + f, "utf8"))) {
      if (!doc || typeof doc !== "object") continue;
      const d = doc as Record<string, unknown>;
      if (typeof d["test-case"] !== "string") continue;
      out.push({
        file: f,
        name: d["test-case"],
        pre: (d.pre as string[] | undefined) ?? [],
        options: (d.options as string[] | undefined) ?? [],
        code: (d.code as Record<string, string> | undefined) ?? {},
        messages: (d.messages as string[] | undefined) ?? [],
      });
    }
  }
  return out;
}

/** The Linux prologue for PREVAIL's pre-state, or why it cannot be expressed. */
function prologue(pre: string[]): { text: string } | { skip: string } {
  const regs = new Map<number, Map<string, string>>();
  for (const c of pre) {
    const m = /^r(\d+)\.(\w+)=(.+)$/.exec(c.trim());
    if (!m) {
      if (/^s\[/.test(c)) return { skip: "stack contents in the pre-state" };
      if (/^packet_size|^meta_offset/.test(c)) return { skip: "packet size in the pre-state" };
      return { skip: "relational or other pre-state constraint" };
    }
    const r = Number(m[1]);
    if (!regs.has(r)) regs.set(r, new Map());
    regs.get(r)!.set(m[2]!, m[3]!);
  }
  const lines: string[] = [];
  for (const [r, f] of regs) {
    const type = f.get("type");
    if (r === 10) {
      if (type !== "stack" || (f.get("stack_offset") ?? "512") !== "512") return { skip: "r10 is not the frame pointer" };
      continue;
    }
    if (r === 1 && type === "ctx") {
      if ((f.get("ctx_offset") ?? "0") !== "0") return { skip: "ctx pointer with an offset" };
      continue;
    }
    if (type !== "number") return { skip: `pre-state register of type ${type ?? "?"}` };
    const v = f.get("svalue") ?? f.get("uvalue");
    if (v === undefined || !/^-?\d+$/.test(v)) return { skip: "number register without one known value" };
    const n = BigInt(v);
    if (n >= -(1n << 31n) && n < 1n << 31n) lines.push(`r${r} = ${n}`);
    else lines.push(`r${r} = ${BigInt.asUintN(64, n)} ll`);
  }
  // r1 is the context in Linux whatever the case says; a case that reads r1 as uninitialised
  // would differ (classified below).
  return { text: lines.join("\n") };
}

function programText(c: PrevailCase): string | { skip: string } {
  const p = prologue(c.pre);
  if ("skip" in p) return p;
  const parts = [p.text];
  const labels = Object.keys(c.code);
  if (labels[0] !== "<start>") return { skip: "code does not begin at <start>" };
  for (const l of labels) {
    if (l !== "<start>") parts.push(`${l.slice(1, -1)}:`);
    parts.push(String(c.code[l]).replace(/<(\w+)>/g, "$1"));
  }
  parts.push("r0 = 0", "exit");
  return parts.filter((s) => s.length).join("\n");
}

export function runCase(c: PrevailCase): PrevailRow {
  const prevail = c.messages.length ? "reject" : "ok";
  const row: PrevailRow = { file: c.file, name: c.name, prevail, ours: "skip" };
  if (c.options.some((o) => o === "big_endian")) return { ...row, reason: "big-endian option" };
  const text = programText(c);
  if (typeof text !== "string") return { ...row, reason: text.skip };
  let insns;
  try {
    insns = assemble(text);
  } catch (e) {
    return { ...row, reason: `not expressible in the kernel dialect (${(e as Error).message.split("\n")[0]})` };
  }
  const r = verify({ insns, progType: "socket_filter" }, { logLevel: 1 });
  row.ours = r.ok ? "ok" : "reject";
  if (!r.ok) row.message = r.error?.message;
  if (row.ours !== prevail) row.kind = classify(row, text);
  return row;
}

/** Why PREVAIL and Linux differ on a case (a coarse reading of our message). */
function classify(row: PrevailRow, text: string): string {
  if (row.ours === "ok") return "PREVAIL stricter (Linux's model accepts it)";
  const m = row.message ?? "";
  if (/!read_ok/.test(m)) return "uninitialised register: PREVAIL's pre-state has it, Linux's entry state does not";
  if (/invalid read from stack|uninit/.test(m)) return "uninitialised stack: PREVAIL tracks bytes, Linux needs them written";
  if (/pointer arithmetic|prohibited|pointer comparison|leaks addr|R\d+ invalid mem access/.test(m)) return "pointer rules: Linux refuses what PREVAIL tracks";
  if (/div|mod/.test(text) && /div/.test(m)) return "division rules";
  if (/infinite loop|back-edge|too large|too complex/.test(m)) return "loops: Linux explores paths, PREVAIL uses widening";
  return `Linux stricter: ${m}`;
}

export interface PrevailTable {
  cases: number;
  run: number;
  agree: number;
  bothOk: number;
  bothReject: number;
  oursOnlyOk: number;
  prevailOnlyOk: number;
  skipped: Record<string, number>;
  disagreements: Record<string, number>;
}

export function tabulatePrevail(rows: readonly PrevailRow[]): PrevailTable {
  const t: PrevailTable = { cases: rows.length, run: 0, agree: 0, bothOk: 0, bothReject: 0, oursOnlyOk: 0, prevailOnlyOk: 0, skipped: {}, disagreements: {} };
  for (const r of rows) {
    if (r.ours === "skip") {
      const k = r.reason!.replace(/ \(.*$/, "");
      t.skipped[k] = (t.skipped[k] ?? 0) + 1;
      continue;
    }
    t.run++;
    if (r.ours === r.prevail) {
      t.agree++;
      if (r.ours === "ok") t.bothOk++;
      else t.bothReject++;
    } else {
      if (r.ours === "ok") t.oursOnlyOk++;
      else t.prevailOnlyOk++;
      t.disagreements[r.kind!] = (t.disagreements[r.kind!] ?? 0) + 1;
    }
  }
  return t;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const loadAll = await yamlLoader();
  if (!existsSync(prevailDir)) console.log(`skip: ${prevailDir} is not here`);
  else if (!loadAll) console.log("skip: js-yaml is not installed");
  else {
    const rows = readCases(loadAll).map(runCase);
    if (process.argv.includes("-v")) {
      for (const r of rows) {
        if (r.ours === "skip") console.log(`skip ${r.file}: ${r.name}: ${r.reason}`);
        else if (r.ours !== r.prevail) console.log(`${r.file}: ${r.name}: PREVAIL ${r.prevail}, ours ${r.ours}${r.message ? ` [${r.message}]` : ""} — ${r.kind}`);
      }
    }
    console.log(JSON.stringify(tabulatePrevail(rows), null, 2));
    if (process.argv.includes("--json")) console.log(JSON.stringify(rows));
  }
}
