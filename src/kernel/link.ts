/**
 * Links (BPF_LINK_CREATE / BPF_LINK_DETACH): an attachment owned by an fd. Closing the link's
 * last fd detaches it (unless pinned); detach() ends the attachment while the fd stays open.
 */
import { BPF_LINK_CREATE, BPF_LINK_DETACH, BPF_LINK_GET_FD_BY_ID, attachTypeNumber, ATTACH_TYPE_NAMES } from "./constants.js";
import { GET_ID_ATTR, LINK_CREATE_ATTR, LINK_DETACH_ATTR } from "./attr.js";
import { expectKind, KernelObject } from "./fd.js";
import { linkInfo, type LinkInfo } from "./info.js";
import { getPinned, pinObject } from "./pin.js";
import { shared } from "./syscall.js";

export interface LinkCreateOptions {
  /** The program (or its fd) to attach. */
  program: number | { fd: number };
  /** Attach type: number or name ("xdp", "cgroup_inet_ingress", "sk_lookup" …). */
  attachType: string | number;
  /** The target: a cgroup/netns fd, or an ifindex for XDP/tcx. */
  target?: number;
  flags?: number;
  /** For fentry/fexit/freplace-style links. */
  targetBtfId?: number;
  /** perf_event cookie, or iter_info address for iterators. */
  cookie?: bigint;
}

export class KernelLink extends KernelObject {
  constructor(
    fd: number,
    readonly attachType: number,
  ) {
    super(fd);
  }

  get description(): string {
    return `${ATTACH_TYPE_NAMES[this.attachType] ?? "bpf"} link`;
  }

  static create(o: LinkCreateOptions): KernelLink {
    const attachType = attachTypeNumber(o.attachType);
    const attr = shared.begin(LINK_CREATE_ATTR);
    attr
      .set("prog_fd", typeof o.program === "number" ? o.program : o.program.fd)
      .set("target_fd", o.target ?? 0)
      .set("attach_type", attachType)
      .set("flags", o.flags ?? 0);
    if (o.targetBtfId !== undefined) attr.set("target_btf_id", o.targetBtfId);
    if (o.cookie !== undefined) attr.set("bpf_cookie", o.cookie);
    const fd = shared.call(BPF_LINK_CREATE, LINK_CREATE_ATTR.size, `creating ${ATTACH_TYPE_NAMES[attachType] ?? attachType} link`);
    return new KernelLink(fd, attachType);
  }

  static fromPin(path: string): KernelLink {
    const fd = getPinned(path);
    expectKind(fd, "link", path);
    return new KernelLink(fd, -1);
  }

  static fromId(id: number): KernelLink {
    const attr = shared.begin(GET_ID_ATTR);
    attr.set("link_id", id);
    return new KernelLink(shared.call(BPF_LINK_GET_FD_BY_ID, GET_ID_ATTR.endOf("open_flags"), `opening link id ${id}`), -1);
  }

  /** Ends the attachment now; the fd stays open (and must still be closed). */
  detach(): void {
    const attr = shared.begin(LINK_DETACH_ATTR);
    attr.set("link_fd", this.fd);
    shared.call(BPF_LINK_DETACH, LINK_DETACH_ATTR.endOf("link_fd"), `detaching ${this.description}`);
  }

  info(): LinkInfo {
    return linkInfo(this.fd);
  }

  pin(path: string): void {
    pinObject(this.fd, path);
  }
}
