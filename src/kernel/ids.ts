/**
 * Walking the kernel's object ids (BPF_PROG/MAP/BTF/LINK_GET_NEXT_ID), as `bpftool prog list` does.
 */
import { BPF_BTF_GET_NEXT_ID, BPF_LINK_GET_NEXT_ID, BPF_MAP_GET_NEXT_ID, BPF_PROG_GET_NEXT_ID, cmdName } from "./constants.js";
import { GET_ID_ATTR } from "./attr.js";
import { KernelError } from "./errors.js";
import { shared } from "./syscall.js";

const ENOENT = 2;

/** The id after `start` (0 = the first), or undefined when there are no more. */
function nextId(cmd: number, start: number): number | undefined {
  const attr = shared.begin(GET_ID_ATTR);
  attr.set("start_id", start);
  const r = shared.callRaw(cmd, GET_ID_ATTR.endOf("next_id"));
  if (r === -ENOENT) return undefined;
  if (r < 0) throw new KernelError({ command: cmdName(cmd), errno: -r, context: "listing ids" });
  return attr.get("next_id");
}

function* walk(cmd: number): Generator<number> {
  let id = nextId(cmd, 0);
  while (id !== undefined) {
    yield id;
    id = nextId(cmd, id);
  }
}

export const nextProgramId = (start = 0): number | undefined => nextId(BPF_PROG_GET_NEXT_ID, start);
export const nextMapId = (start = 0): number | undefined => nextId(BPF_MAP_GET_NEXT_ID, start);
export const programIds = (): Generator<number> => walk(BPF_PROG_GET_NEXT_ID);
export const mapIds = (): Generator<number> => walk(BPF_MAP_GET_NEXT_ID);
export const btfIds = (): Generator<number> => walk(BPF_BTF_GET_NEXT_ID);
export const linkIds = (): Generator<number> => walk(BPF_LINK_GET_NEXT_ID);
