import type { Command } from "commander";
import { register as asm } from "./asm.js";
import { register as btf } from "./btf.js";
import { register as conformancePlugin } from "./conformance-plugin.js";
import { register as disasm } from "./disasm.js";
import { register as exec } from "./exec.js";
import { register as kernelInfo } from "./kernel-info.js";
import { register as prog } from "./prog.js";
import { register as verify } from "./verify.js";
import { register as run } from "./run.js";

/** Every CLI command registers itself on the root program; one file per command. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [asm, disasm, exec, run, prog, btf, verify, kernelInfo, conformancePlugin];
