#!/usr/bin/env node
// The registry these machines reach serves only some platform builds of rollup, so `npm install`
// writes a lock file without the others and `npm ci` then refuses it as out of sync. This adds
// entries (version, os, cpu, libc; no tarball) for the platform packages the registry lacks, so
// `npm ci` sees a complete lock and skips them as foreign platforms. Run after updating the lock.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const rollup = lock.packages["node_modules/rollup"];
if (!rollup) throw new Error("no rollup in the lock file");
let added = 0;
for (const [name, version] of Object.entries(rollup.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const m = /^@rollup\/rollup-([a-z0-9]+)-([a-z0-9]+)(?:-(gnu|musl|gnueabihf|musleabihf|msvc|eabi))?$/.exec(name);
  if (!m) continue;
  const [, os, cpu, abi] = m;
  const entry = { version, dev: true, optional: true, os: [os], cpu: [cpu] };
  if (abi === "gnu" || abi === "gnueabihf") entry.libc = ["glibc"];
  if (abi === "musl" || abi === "musleabihf") entry.libc = ["musl"];
  lock.packages[key] = entry;
  added++;
}
writeFileSync(path, JSON.stringify(lock, null, 2) + "\n");
console.log(`added ${added} platform stubs`);
