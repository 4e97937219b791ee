/* Array-map counting (extra, beside the list): 128 counters indexed by packet bytes,
 * one lookup each and an atomic increment. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

u64 result = 0;

SEC("xdp")
int arraymap(struct xdp_md *ctx)
{
	u8 *data = (u8 *)(long)ctx->data;
	u8 *end = (u8 *)(long)ctx->data_end;
	u64 hits = 0;
	for (int i = 0; i < 128; i++) {
		if (data + i + 1 > end)
			break;
		u32 key = data[i];
		u64 *v = bpf_map_lookup_elem(&counts, &key);
		if (v) {
			__sync_fetch_and_add(v, 1);
			hits++;
		}
	}
	result += hits;
	return XDP_PASS;
}
