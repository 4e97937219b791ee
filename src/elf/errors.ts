import { EbpfError, type ErrorCode } from "../errors.js";

/**
 * A malformed ELF object or one that breaks the BPF object conventions. `section` names the ELF
 * section concerned (when there is one) and `offset` the byte offset inside it (or inside the file
 * for header problems).
 */
export class ElfError extends EbpfError {
  readonly section: string | undefined;
  readonly offset: number | undefined;
  constructor(message: string, options: { section?: string; offset?: number; code?: ErrorCode } = {}) {
    let where = "";
    if (options.section !== undefined) where = `section '${options.section}'`;
    if (options.offset !== undefined) {
      where += `${where ? " " : ""}at offset 0x${options.offset.toString(16)}`;
    }
    super(options.code ?? "EINVAL", where ? `${where}: ${message}` : message);
    this.section = options.section;
    this.offset = options.offset;
  }
}
