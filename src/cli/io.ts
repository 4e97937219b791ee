import { readFileSync } from "node:fs";
import { EbpfError } from "../errors.js";

/** Reads a file (or stdin for "-"), turning a missing file into a typed error that names it. */
export function readInput(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path === "-" ? 0 : path));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new EbpfError(err.code ?? "EIO", `cannot read ${path === "-" ? "standard input" : path}: ${err.message.replace(/^[A-Z]+: /, "")}`);
  }
}

export function readText(path: string): string {
  return new TextDecoder().decode(readInput(path));
}

/** r0 as the conformance plugin protocol wants it: lowercase hex, no prefix. */
export function hex64(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16);
}
