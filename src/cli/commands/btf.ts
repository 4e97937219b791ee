import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { Btf } from "../../btf/index.js";
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
    .action(async (args: string[], opts: { base?: string }) => {
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
      // loaded here, not at start-up: only this command needs the BTF code
      const { btfFromFile, btfCChunks, btfRawChunks } = await import("../../btf/index.js");
      let base: Btf | undefined;
      if (opts.base) base = btfFromFile(readBytes(opts.base)).btf;
      else if (path.startsWith(SYSFS_BTF) && path !== SYSFS_VMLINUX) base = btfFromFile(readBytes(SYSFS_VMLINUX)).btf;
      const { btf: parsed } = btfFromFile(readBytes(path), base ? { base } : {});
      await writeChunks(format === "c" ? btfCChunks(parsed) : btfRawChunks(parsed));
    });
}

/**
 * Writes chunks to stdout as they are produced, waiting whenever the stream is full (a slow pipe)
 * instead of buffering the whole dump. A reader that goes away (`| head`) ends the dump quietly, as
 * it does bpftool (which dies of SIGPIPE); other write errors are reported.
 */
async function writeChunks(chunks: Iterable<Uint8Array>): Promise<void> {
  const out = process.stdout;
  let failure: NodeJS.ErrnoException | undefined;
  let wake: (() => void) | undefined;
  const onError = (e: NodeJS.ErrnoException | null | undefined) => {
    if (e) failure ??= e;
    wake?.();
  };
  const onDrain = () => wake?.();
  const settle = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });
  out.on("error", onError);
  out.on("drain", onDrain);
  try {
    for (const chunk of chunks) {
      if (failure) break;
      // a Buffer (not a bare Uint8Array) so that anything wrapping stdout sees text, too
      if (!out.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), onError)) await settle();
    }
    // let what is still queued reach the reader (or fail) before returning
    while (!failure && out.writableLength > 0) await settle();
  } finally {
    out.off("drain", onDrain);
    out.off("error", onError);
    // writes still queued after the reader left fail too: nothing more is written, stay quiet
    if (failure?.code === "EPIPE") out.on("error", () => {});
  }
  if (failure && failure.code !== "EPIPE") throw failure;
}
