/* log2 of 8192 numbers: floor(log2(x)) by binary search (the kernel's fls64) of 8192
 * pseudo-random 64-bit values, summed. */
#include "common.h"

u64 result = 0;

static __always_inline u32 log2_u64(u64 v)
{
	u32 r = 0;
	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) { r += 1; }
	return r;
}

SEC("xdp")
int log2_8192(struct xdp_md *ctx)
{
	u64 sum = 0;
	u64 x = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 8192; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum += log2_u64(x >> (i & 63));
	}
	result = sum;
	return XDP_PASS;
}
