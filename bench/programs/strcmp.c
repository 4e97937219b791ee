/* A string compare: the packet's bytes against a 1400-byte string in .rodata, byte by byte up
 * to the first difference or NUL (strcmp's result). */
#include "common.h"

#define S "The quick brown fox jumps over the lazy dog. "
#define S4 S S S S
/* 31 × 45 = 1395 characters; the benchmark's packet holds the same text with the last one changed */
const char expect[] = S4 S4 S4 S4 S4 S4 S4 S S S;
#define LEN (sizeof(expect))
u64 result = 0;

SEC("xdp")
int str_cmp(struct xdp_md *ctx)
{
	u8 *data = (u8 *)(long)ctx->data;
	u8 *end = (u8 *)(long)ctx->data_end;
	int r = 0;
	for (int i = 0; i < LEN; i++) {
		if (data + i + 1 > end)
			break;
		u8 a = data[i];
		u8 b = expect[i];
		if (a != b || a == 0) {
			r = (int)a - (int)b;
			break;
		}
	}
	result = (u64)(long)r;
	return XDP_PASS;
}
