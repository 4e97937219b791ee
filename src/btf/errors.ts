import { EbpfError, type ErrorCode } from "../errors.js";

/**
 * Malformed or unusable BTF. `section` names the ELF section (".BTF", ".BTF.ext") or the file the
 * bytes came from; `offset` is the byte offset inside it where the problem was found.
 */
export class BtfError extends EbpfError {
  readonly section: string;
  readonly offset: number | undefined;
  constructor(message: string, options: { section?: string; offset?: number; code?: ErrorCode } = {}) {
    const section = options.section ?? ".BTF";
    const where = options.offset === undefined ? section : `${section}+0x${options.offset.toString(16)}`;
    super(options.code ?? "EINVAL", `${where}: ${message}`);
    this.section = section;
    this.offset = options.offset;
  }
}
