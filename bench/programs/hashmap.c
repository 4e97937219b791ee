/* Hash-map counting: 128 counters keyed by packet bytes, one lookup per key and an atomic
 * increment, inserting keys not seen yet (the first run inserts, later runs only look up). */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

u64 result = 0;

SEC("xdp")
int hashmap(struct xdp_md *ctx)
{
	u8 *data = (u8 *)(long)ctx->data;
	u8 *end = (u8 *)(long)ctx->data_end;
	u64 hits = 0;
	for (int i = 0; i < 128; i++) {
		if (data + 4 * i + 4 > end)
			break;
		u32 key = *(u32 *)(data + 4 * i) & 0x3ff;
		u64 *v = bpf_map_lookup_elem(&counts, &key);
		if (v) {
			__sync_fetch_and_add(v, 1);
			hits++;
		} else {
			u64 one = 1;
			bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
		}
	}
	result += hits;
	return XDP_PASS;
}
