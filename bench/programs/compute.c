/* Compute loop over a 1500-byte packet: an FNV-1a hash of every byte with a multiply-rotate
 * mix, each byte bounds-checked against data_end as the verifier demands. */
#include "common.h"

u64 result = 0;

SEC("xdp")
int compute(struct xdp_md *ctx)
{
	u8 *data = (u8 *)(long)ctx->data;
	u8 *end = (u8 *)(long)ctx->data_end;
	u64 h = 0xcbf29ce484222325ULL;
	u32 mix = 0;
	for (int i = 0; i < 1500; i++) {
		if (data + i + 1 > end)
			break;
		u8 b = data[i];
		h = (h ^ b) * 0x100000001b3ULL;
		mix = ((mix << 5) | (mix >> 27)) + (u32)h;
	}
	result = h ^ mix;
	return XDP_PASS;
}
