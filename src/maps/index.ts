/** Maps: one family per file behind the BpfMap interface, a validating factory, and the handle table. */
export * from "./constants.js";
export * from "./types.js";
export { MapBase, MapBatchError } from "./base.js";
export { ArrayMap } from "./array.js";
export { HashMap } from "./hash.js";
export { LpmTrieMap } from "./lpm_trie.js";
export { QueueStackMap } from "./queue_stack.js";
export { BloomFilterMap } from "./bloom_filter.js";
export { RingbufMap, type RingbufRecord } from "./ringbuf.js";
export { PerfEventArrayMap, PerfBuffer, type PerfRecord } from "./perf_event_array.js";
export { FdArrayMap, RedirectMap, innerMapFits, type RedirectEntry } from "./fd_array.js";
export { createMap, checkMapSpec, MapCreateError, type CreateMapOptions } from "./create.js";
export { MapTable, type MapTableOptions } from "./table.js";
export { jhash, jhash2, htabHash } from "./jhash.js";
