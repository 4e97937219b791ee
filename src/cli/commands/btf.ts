import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { btfFromFile, formatBtfC, formatBtfRaw, type Btf } from "../../btf/index.js";
import { EbpfError } from "../../errors.js";

const SYSFS_BTF = "/sys/kernel/btf/";
const SYSFS_VMLINUX = "/sys/kernel/btf/vmlinux";

/** bpftool's prefix matching of keywords ("f" for "file", "form" for "format"). */
function isPrefix(word: string, full: string): boolean {
  return word.length > 0 && full.startsWith(word);
}

function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * `ebpf btf dump file FILE [format raw|c]`: prints BTF exactly as `bpftool btf dump file` does.
 * Kernel module BTF under /sys/kernel/btf/ is read as split BTF on top of vmlinux, as bpftool does;
 * `--base FILE` (bpftool's -B) names the base explicitly.
 */
export function register(program: Command): void {
  const btf = program.command("btf").description("inspect BTF (bpftool btf style)");
  btf
    .command("dump")
    .description("dump BTF from a file: ebpf btf dump file FILE [format raw|c]")
    .argument("<args...>", "file FILE [format raw|c]")
    .option("-B, --base <file>", "base BTF for split BTF (e.g. /sys/kernel/btf/vmlinux)")
    .action((args: string[], opts: { base?: string }) => {
      const argv = [...args];
      const src = argv.shift() ?? "";
      if (!isPrefix(src, "file")) throw new EbpfError("EINVAL", `unrecognized BTF source specifier: '${src}' (only 'file' is supported)`);
      const path = argv.shift();
      if (path === undefined) throw new EbpfError("EINVAL", "expected a file name after 'file'");
      let format: "raw" | "c" = "raw";
      while (argv.length) {
        const word = argv.shift()!;
        if (!isPrefix(word, "format")) throw new EbpfError("EINVAL", `unrecognized option: '${word}'`);
        const value = argv.shift();
        if (value === undefined) throw new EbpfError("EINVAL", "expecting value for 'format' option");
        if (value !== "c" && value !== "raw") {
          throw new EbpfError("EINVAL", `unrecognized format specifier: '${value}', possible values: raw, c`);
        }
        format = value;
      }
      let base: Btf | undefined;
      if (opts.base) base = btfFromFile(readBytes(opts.base)).btf;
      else if (path.startsWith(SYSFS_BTF) && path !== SYSFS_VMLINUX) base = btfFromFile(readBytes(SYSFS_VMLINUX)).btf;
      const { btf: parsed } = btfFromFile(readBytes(path), base ? { base } : {});
      process.stdout.write(format === "c" ? formatBtfC(parsed) : formatBtfRaw(parsed));
    });
}
