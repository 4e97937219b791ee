import type { LineContext } from "./context.js";

/** A token of the kernel/LLVM dialect; `index` is its 0-based position in the line. */
export interface Token {
  kind: "id" | "num" | "op";
  text: string;
  index: number;
}

// Longest first, so `s>>=` wins over `s>` and `>>=` over `>=`.
const OPERATORS = [
  "s>>=", "<<=", ">>=", "s>=", "s<=", "s/=", "s%=", "s>", "s<",
  "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "==", "!=", ">=", "<=",
  ">", "<", "=", "+", "-", "*", "&", "(", ")", "[", "]", ",", ":", "#", "@",
];

const ID_START = /[A-Za-z_.$]/;
const ID_PART = /[A-Za-z0-9_.$]/;

/** Splits [start, end) of the line into tokens; an unknown character is an error at its column. */
export function tokenize(ctx: LineContext, start: number, end: number): Token[] {
  const s = ctx.text;
  const out: Token[] = [];
  let i = start;
  while (i < end) {
    const c = s[i]!;
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      i++;
      continue;
    }
    if (ID_START.test(c) && !(c === "s" && i + 1 < end && "<>/%".includes(s[i + 1]!))) {
      let j = i + 1;
      while (j < end && ID_PART.test(s[j]!)) j++;
      // The kernel names an unresolved kfunc `kernel-function`; keep it one token.
      if (s.slice(i, j) === "kernel" && s.startsWith("-function", j)) j += "-function".length;
      out.push({ kind: "id", text: s.slice(i, j), index: i });
      i = j;
      continue;
    }
    if (c >= "0" && c <= "9") {
      const m = /^(0[xX][0-9a-fA-F]+|[0-9]+)/.exec(s.slice(i, end))!;
      const j = i + m[0].length;
      if (j < end && ID_PART.test(s[j]!)) ctx.fail(`invalid number '${s.slice(i, wordEnd(s, i, end))}'`, i);
      out.push({ kind: "num", text: m[0], index: i });
      i = j;
      continue;
    }
    const op = OPERATORS.find((o) => s.startsWith(o, i) && i + o.length <= end);
    if (!op) ctx.fail(`unexpected character '${c}'`, i);
    out.push({ kind: "op", text: op, index: i });
    i += op.length;
  }
  return out;
}

function wordEnd(s: string, i: number, end: number): number {
  while (i < end && ID_PART.test(s[i]!)) i++;
  return i;
}
