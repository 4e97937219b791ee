#!/usr/bin/env node
// bpf_conformance wants one executable as its plugin: this is `ebpf conformance-plugin` under its own name.
import { main } from "../dist/cli/main.js";

process.exitCode = await main(["conformance-plugin", ...process.argv.slice(2)]);
