import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { formatInstruction } from "../../asm/index.js";
import { funcSignature } from "../../btf/index.js";
import { loadObject, type ObjectSpec, type ProgramSpec } from "../../elf/index.js";
import { EbpfError } from "../../errors.js";
import { encode } from "../../isa/codec.js";
import type { Instruction } from "../../isa/instruction.js";

function load(file: string): ObjectSpec {
  const b = readFileSync(file);
  return loadObject(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
}

function slots(p: ProgramSpec): number {
  return p.instructions.reduce((n, i) => n + (i.op === 0x18 ? 2 : 1), 0);
}

/** lddw of a map (by name, not id) as `bpftool prog dump xlated` shows maps. */
function mapName(insn: Instruction): string | undefined {
  const ref = insn.meta?.reference;
  if (insn.op !== 0x18 || ref === undefined) return undefined;
  if (insn.src === 1) return `map[name:${ref}]`;
  if (insn.src === 2) return `map[name:${ref}][0]+${insn.imm2 ?? 0}`;
  return undefined;
}

function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
}

/** One program in `bpftool prog dump xlated` layout: function headers, `; source` lines, pcs. */
export function dumpProgram(spec: ObjectSpec, p: ProgramSpec, opts: { linum?: boolean; opcodes?: boolean } = {}): string {
  const out: string[] = [];
  const funcAt = new Map((p.funcInfo ?? []).map((f) => [f.insnOff, f.typeId]));
  const lineAt = new Map<number, NonNullable<ProgramSpec["lineInfo"]>[number]>();
  for (const l of p.lineInfo ?? []) if (!lineAt.has(l.insnOff)) lineAt.set(l.insnOff, l);
  let pc = 0;
  for (const insn of p.instructions) {
    const fn = funcAt.get(pc);
    if (fn !== undefined && spec.btf) {
      const sig = funcSignature(spec.btf, fn);
      if (sig) out.push(`${sig}:\n`);
    }
    const li = lineAt.get(pc);
    if (li) {
      const text = li.line.replace(/^\s+/, "");
      out.push(opts.linum ? `; ${text} [file:${li.fileName} line_num:${li.lineNum} line_col:${li.column}]\n` : `; ${text}\n`);
    }
    // the formatter hands the symbolizer a copy without metadata, so look the original up here
    const original = insn;
    out.push(`${String(pc).padStart(4)}: ${formatInstruction(insn, pc, { format: "kernel", symbolize: () => mapName(original) })}\n`);
    if (opts.opcodes) {
      const bytes = encode([insn], { bigEndian: spec.bigEndian });
      out.push(`       ${hexBytes(bytes.subarray(0, 8))}${bytes.length > 8 ? ` ${hexBytes(bytes.subarray(8))}` : ""}\n`);
    }
    pc += insn.op === 0x18 ? 2 : 1;
  }
  return out.join("");
}

/**
 * `ebpf prog list FILE.o [--json]` and `ebpf prog dump FILE.o [--prog NAME] [--linum] [--opcodes]`:
 * the programs of an object file, and their code as `bpftool prog dump xlated` prints it (before
 * the kernel rewrites anything; maps by name).
 */
export function register(program: Command): void {
  const prog = program.command("prog").description("inspect the programs of an object file");
  prog
    .command("list")
    .description("list the programs of an ELF object")
    .argument("<file>", "BPF object file (.o)")
    .option("--json", "JSON output")
    .action((file: string, opts: { json?: boolean }) => {
      const spec = load(file);
      if (opts.json) {
        const rows = spec.programs.map((p) => ({
          name: p.name,
          section: p.sectionName,
          type: p.type,
          ...(p.attachType ? { attach_type: p.attachType } : {}),
          ...(p.attachTo !== undefined ? { attach_to: p.attachTo } : {}),
          autoload: p.autoload,
          insns: slots(p),
        }));
        process.stdout.write(JSON.stringify(rows) + "\n");
        return;
      }
      spec.programs.forEach((p, i) => {
        let line = `${i}: ${p.type}  name ${p.name}  section ${p.sectionName}`;
        if (p.attachType) line += `  attach_type ${p.attachType}`;
        line += `  insns ${slots(p)}`;
        if (!p.autoload) line += "  autoload false";
        process.stdout.write(line + "\n");
      });
    });
  prog
    .command("dump")
    .description("dump the instructions of an object's programs (bpftool prog dump xlated style)")
    .argument("<file>", "BPF object file (.o)")
    .option("--prog <name>", "only this program")
    .option("--linum", "show file, line and column of source lines")
    .option("--opcodes", "also show the instruction bytes")
    .action((file: string, opts: { prog?: string; linum?: boolean; opcodes?: boolean }) => {
      const spec = load(file);
      const progs = opts.prog === undefined ? spec.programs : spec.programs.filter((p) => p.name === opts.prog);
      if (opts.prog !== undefined && progs.length === 0) {
        throw new EbpfError("ENOENT", `no program named '${opts.prog}' in ${file} (have: ${spec.programs.map((p) => p.name).join(", ")})`);
      }
      const parts = progs.map((p) => dumpProgram(spec, p, opts));
      process.stdout.write(parts.join("\n"));
    });
}
