/**
 * `union bpf_attr`, one Struct per command family, and the info structs of OBJ_GET_INFO_BY_FD,
 * as Linux 6.18 defines them (include/uapi/linux/bpf.h). Fields a kernel does not know must be
 * zero, so each call passes the attr only up to the last field it uses.
 */
import { Struct } from "./layout.js";

const NAME = "bytes[16]" as const; // BPF_OBJ_NAME_LEN

export const MAP_CREATE_ATTR = new Struct("map_create", [
  ["map_type", "u32"],
  ["key_size", "u32"],
  ["value_size", "u32"],
  ["max_entries", "u32"],
  ["map_flags", "u32"],
  ["inner_map_fd", "u32"],
  ["numa_node", "u32"],
  ["map_name", NAME],
  ["map_ifindex", "u32"],
  ["btf_fd", "u32"],
  ["btf_key_type_id", "u32"],
  ["btf_value_type_id", "u32"],
  ["btf_vmlinux_value_type_id", "u32"],
  ["map_extra", "u64"],
  ["value_type_btf_obj_fd", "s32"],
  ["map_token_fd", "s32"],
]);

export const MAP_ELEM_ATTR = new Struct("map_elem", [
  ["map_fd", "u32"],
  ["key", "u64"],
  ["value|next_key", "u64"],
  ["flags", "u64"],
]);

export const MAP_BATCH_ATTR = new Struct("batch", [
  ["in_batch", "u64"],
  ["out_batch", "u64"],
  ["keys", "u64"],
  ["values", "u64"],
  ["count", "u32"],
  ["map_fd", "u32"],
  ["elem_flags", "u64"],
  ["flags", "u64"],
]);

export const PROG_LOAD_ATTR = new Struct("prog_load", [
  ["prog_type", "u32"],
  ["insn_cnt", "u32"],
  ["insns", "u64"],
  ["license", "u64"],
  ["log_level", "u32"],
  ["log_size", "u32"],
  ["log_buf", "u64"],
  ["kern_version", "u32"],
  ["prog_flags", "u32"],
  ["prog_name", NAME],
  ["prog_ifindex", "u32"],
  ["expected_attach_type", "u32"],
  ["prog_btf_fd", "u32"],
  ["func_info_rec_size", "u32"],
  ["func_info", "u64"],
  ["func_info_cnt", "u32"],
  ["line_info_rec_size", "u32"],
  ["line_info", "u64"],
  ["line_info_cnt", "u32"],
  ["attach_btf_id", "u32"],
  ["attach_prog_fd|attach_btf_obj_fd", "u32"],
  ["core_relo_cnt", "u32"],
  ["fd_array", "u64"],
  ["core_relos", "u64"],
  ["core_relo_rec_size", "u32"],
  ["log_true_size", "u32"],
  ["prog_token_fd", "s32"],
  ["fd_array_cnt", "u32"],
]);

export const OBJ_ATTR = new Struct("obj", [
  ["pathname", "u64"],
  ["bpf_fd", "u32"],
  ["file_flags", "u32"],
  ["path_fd", "s32"],
]);

export const PROG_TEST_RUN_ATTR = new Struct("test", [
  ["prog_fd", "u32"],
  ["retval", "u32"],
  ["data_size_in", "u32"],
  ["data_size_out", "u32"],
  ["data_in", "u64"],
  ["data_out", "u64"],
  ["repeat", "u32"],
  ["duration", "u32"],
  ["ctx_size_in", "u32"],
  ["ctx_size_out", "u32"],
  ["ctx_in", "u64"],
  ["ctx_out", "u64"],
  ["flags", "u32"],
  ["cpu", "u32"],
  ["batch_size", "u32"],
]);

export const GET_ID_ATTR = new Struct("get_id", [
  ["start_id|prog_id|map_id|btf_id|link_id", "u32"],
  ["next_id", "u32"],
  ["open_flags", "u32"],
]);

export const INFO_ATTR = new Struct("info", [
  ["bpf_fd", "u32"],
  ["info_len", "u32"],
  ["info", "u64"],
]);

export const BTF_LOAD_ATTR = new Struct("btf_load", [
  ["btf", "u64"],
  ["btf_log_buf", "u64"],
  ["btf_size", "u32"],
  ["btf_log_size", "u32"],
  ["btf_log_level", "u32"],
  ["btf_log_true_size", "u32"],
  ["btf_flags", "u32"],
  ["btf_token_fd", "s32"],
]);

/**
 * BPF_LINK_CREATE. The tail after `flags` is a union whose member depends on the attach type;
 * the members that share offset 16 are named here by what they hold.
 */
export const LINK_CREATE_ATTR = new Struct("link_create", [
  ["prog_fd|map_fd", "u32"],
  ["target_fd|target_ifindex", "u32"],
  ["attach_type", "u32"],
  ["flags", "u32"],
  // union { target_btf_id; iter_info; perf_event.bpf_cookie; tracing.target_btf_id; tcx/netkit relative_fd … }
  ["target_btf_id|iter_info|bpf_cookie|relative_fd", "u64"],
  // iter_info_len; tracing.cookie; tcx/netkit expected_revision
  ["iter_info_len|tracing_cookie|expected_revision", "u64"],
]);

export const LINK_DETACH_ATTR = new Struct("link_detach", [["link_fd", "u32"]]);

export const BPF_TAG_SIZE = 8;

export const PROG_INFO = new Struct("bpf_prog_info", [
  ["type", "u32"],
  ["id", "u32"],
  ["tag", `bytes[${BPF_TAG_SIZE}]`],
  ["jited_prog_len", "u32"],
  ["xlated_prog_len", "u32"],
  ["jited_prog_insns", "u64"],
  ["xlated_prog_insns", "u64"],
  ["load_time", "u64"],
  ["created_by_uid", "u32"],
  ["nr_map_ids", "u32"],
  ["map_ids", "u64"],
  ["name", NAME],
  ["ifindex", "u32"],
  ["gpl_compatible", "u32"], // bit 0 of a bitfield word
  ["netns_dev", "u64"],
  ["netns_ino", "u64"],
  ["nr_jited_ksyms", "u32"],
  ["nr_jited_func_lens", "u32"],
  ["jited_ksyms", "u64"],
  ["jited_func_lens", "u64"],
  ["btf_id", "u32"],
  ["func_info_rec_size", "u32"],
  ["func_info", "u64"],
  ["nr_func_info", "u32"],
  ["nr_line_info", "u32"],
  ["line_info", "u64"],
  ["jited_line_info", "u64"],
  ["nr_jited_line_info", "u32"],
  ["line_info_rec_size", "u32"],
  ["jited_line_info_rec_size", "u32"],
  ["nr_prog_tags", "u32"],
  ["prog_tags", "u64"],
  ["run_time_ns", "u64"],
  ["run_cnt", "u64"],
  ["recursion_misses", "u64"],
  ["verified_insns", "u32"],
  ["attach_btf_obj_id", "u32"],
  ["attach_btf_id", "u32"],
  [null, "u32"],
]);

export const MAP_INFO = new Struct("bpf_map_info", [
  ["type", "u32"],
  ["id", "u32"],
  ["key_size", "u32"],
  ["value_size", "u32"],
  ["max_entries", "u32"],
  ["map_flags", "u32"],
  ["name", NAME],
  ["ifindex", "u32"],
  ["btf_vmlinux_value_type_id", "u32"],
  ["netns_dev", "u64"],
  ["netns_ino", "u64"],
  ["btf_id", "u32"],
  ["btf_key_type_id", "u32"],
  ["btf_value_type_id", "u32"],
  ["btf_vmlinux_id", "u32"],
  ["map_extra", "u64"],
]);

export const BTF_INFO = new Struct("bpf_btf_info", [
  ["btf", "u64"],
  ["btf_size", "u32"],
  ["id", "u32"],
  ["name", "u64"],
  ["name_len", "u32"],
  ["kernel_btf", "u32"],
]);

export const LINK_INFO = new Struct("bpf_link_info", [
  ["type", "u32"],
  ["id", "u32"],
  ["prog_id", "u32"],
]);

/** The largest attr any command here writes; scratch attrs are this big. */
export const MAX_ATTR_SIZE = Math.max(
  MAP_CREATE_ATTR.size,
  PROG_LOAD_ATTR.size,
  PROG_TEST_RUN_ATTR.size,
  LINK_CREATE_ATTR.size,
  MAP_BATCH_ATTR.size,
  BTF_LOAD_ATTR.size,
);
