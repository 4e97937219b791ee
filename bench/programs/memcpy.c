/* 1 MiB memcpy between two array-map values: 1024 chunks of 1 KiB, each an inline
 * memcpy (128 8-byte loads and stores). */
#include "common.h"

#define SIZE (1 << 20)
#define CHUNK 1024

struct blob { u64 w[SIZE / 8]; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, u32);
	__type(value, struct blob);
} bufs SEC(".maps");

u64 result = 0;

SEC("xdp")
int memcpy_1m(struct xdp_md *ctx)
{
	u32 k0 = 0, k1 = 1;
	struct blob *src = bpf_map_lookup_elem(&bufs, &k0);
	struct blob *dst = bpf_map_lookup_elem(&bufs, &k1);
	if (!src || !dst)
		return XDP_ABORTED;
#pragma clang loop unroll(disable)
	for (u32 off = 0; off < SIZE; off += CHUNK)
		__builtin_memcpy(&dst->w[off / 8], &src->w[off / 8], CHUNK);
	result = dst->w[SIZE / 8 - 1];
	return XDP_PASS;
}
