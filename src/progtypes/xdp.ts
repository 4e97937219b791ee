/**
 * BPF_PROG_TYPE_XDP: `struct xdp_md`. data, data_end and data_meta hold VM addresses (they fit in
 * a __u32 because the address space is a wasm32 memory); every field is read-only and must be
 * read with a 4-byte load; egress_ifindex only for devmap programs (xdp_is_valid_access).
 */
import { defineProgramType, kernelHelpers } from "./define.js";
import { invalidCtxAccess, type CtxAccess, type CtxAccessResult } from "./types.js";

export const XDP_MD = { data: 0, data_end: 4, data_meta: 8, ingress_ifindex: 12, rx_queue_index: 16, egress_ifindex: 20 } as const;
export const XDP_MD_SIZE = 24;

/** XDP_PACKET_HEADROOM and the frame layout BPF_PROG_TEST_RUN uses (one 4 KiB page). */
export const XDP_PACKET_HEADROOM = 256;
export const XDP_FRAME_SIZE = 4096;
/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86_64. */
export const SKB_SHARED_INFO_SIZE = 320;
/** sizeof(struct xdp_frame): adjust_head/adjust_meta may not move data below hard_start + this. */
export const XDP_FRAME_STRUCT_SIZE = 40;

function checkXdpAccess(a: CtxAccess): CtxAccessResult {
  const { off, size } = a;
  const bad = invalidCtxAccess(off, size);
  if (off === XDP_MD.egress_ifindex && a.attachType !== "xdp_devmap") return bad;
  if (a.write) return bad;
  if ((off === XDP_MD.data || off === XDP_MD.data_end || off === XDP_MD.data_meta) && a.signExtend) return bad;
  if (off < 0 || off >= XDP_MD_SIZE || off % size !== 0 || size !== 4) return bad;
  const regType = off === XDP_MD.data ? "PTR_TO_PACKET" : off === XDP_MD.data_end ? "PTR_TO_PACKET_END" : off === XDP_MD.data_meta ? "PTR_TO_PACKET_META" : "SCALAR_VALUE";
  return { ok: true, regType };
}

export const xdp = defineProgramType({
  name: "xdp",
  kernelType: 6,
  kernelName: "BPF_PROG_TYPE_XDP",
  sections: ["xdp", "xdp.frags", "xdp/devmap", "xdp/cpumap", "xdp.frags/devmap", "xdp.frags/cpumap"],
  context: {
    struct: "struct xdp_md",
    size: XDP_MD_SIZE,
    fields: [
      { name: "data", offset: 0, size: 4, access: "r", regType: "PTR_TO_PACKET" },
      { name: "data_end", offset: 4, size: 4, access: "r", regType: "PTR_TO_PACKET_END" },
      { name: "data_meta", offset: 8, size: 4, access: "r", regType: "PTR_TO_PACKET_META" },
      { name: "ingress_ifindex", offset: 12, size: 4, access: "r" },
      { name: "rx_queue_index", offset: 16, size: 4, access: "r" },
      { name: "egress_ifindex", offset: 20, size: 4, access: "r" },
    ],
  },
  ldAbs: false,
  testRun: "xdp",
  helpers: kernelHelpers("xdp"),
  checkAccess: checkXdpAccess,
});
