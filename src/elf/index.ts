export * from "./errors.js";
export * from "./reader.js";
export * from "./sections.js";
export * from "./spec.js";
export { MAP_TYPE_NAMES, BPF_F_MMAPABLE, BPF_F_RDONLY_PROG, isDataSectionName } from "./maps.js";
export { loadObject, type LoadObjectOptions, BPF_PSEUDO_BTF_ID, BPF_PSEUDO_FUNC, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL } from "./loader.js";
