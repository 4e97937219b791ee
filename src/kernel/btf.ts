/**
 * BTF blobs in the kernel (BPF_BTF_LOAD), with the kernel's BTF log brought back on rejection.
 */
import { BPF_BTF_GET_FD_BY_ID, BPF_BTF_LOAD } from "./constants.js";
import { BTF_LOAD_ATTR, GET_ID_ATTR } from "./attr.js";
import { KernelError } from "./errors.js";
import { KernelObject } from "./fd.js";
import { btfInfo, type BtfInfo } from "./info.js";
import { shared } from "./syscall.js";

const LOG_SIZE = 1 << 20;

export class KernelBtf extends KernelObject {
  get description(): string {
    return "BTF object";
  }

  /** Loads a raw BTF blob (header, types, strings). Throws KernelError carrying the BTF log. */
  static load(bytes: Uint8Array, options: { logLevel?: number } = {}): KernelBtf {
    const level = options.logLevel ?? 0;
    const attempt = (logLevel: number) => {
      const attr = shared.begin(BTF_LOAD_ATTR, bytes.length + (logLevel > 0 ? LOG_SIZE : 0) + 16);
      attr.set("btf", shared.address(shared.reserve(bytes.length, bytes))).set("btf_size", bytes.length);
      let logAt = -1;
      if (logLevel > 0) {
        logAt = shared.reserve(LOG_SIZE);
        attr.set("btf_log_buf", shared.address(logAt)).set("btf_log_size", LOG_SIZE).set("btf_log_level", logLevel);
      }
      const r = shared.callRaw(BPF_BTF_LOAD, BTF_LOAD_ATTR.endOf("btf_log_level"));
      let log: string | undefined;
      if (logAt >= 0) {
        const b = shared.data.bytes.subarray(logAt, logAt + LOG_SIZE);
        const end = b.indexOf(0);
        log = new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
      }
      return { r, log };
    };
    let res = attempt(level);
    if (res.r < 0 && level === 0) {
      const again = attempt(1);
      if (again.r >= 0) return new KernelBtf(again.r);
      res = again;
    }
    if (res.r < 0) throw new KernelError({ command: "BPF_BTF_LOAD", errno: -res.r, log: res.log, context: "loading BTF" });
    return new KernelBtf(res.r);
  }

  static fromId(id: number): KernelBtf {
    const attr = shared.begin(GET_ID_ATTR);
    attr.set("btf_id", id);
    return new KernelBtf(shared.call(BPF_BTF_GET_FD_BY_ID, GET_ID_ATTR.endOf("open_flags"), `opening BTF id ${id}`));
  }

  info(): BtfInfo {
    return btfInfo(this.fd);
  }
}
