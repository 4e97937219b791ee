/* Counting primes below 10,000: a sieve of Eratosthenes in a global byte array. */
#include "common.h"

#define N 10000
u8 composite[N] __attribute__((aligned(8)));
u64 result = 0;

SEC("xdp")
int primes(struct xdp_md *ctx)
{
	/* cleared 8 bytes at a time; the barrier keeps clang from turning it into memset */
	for (int i = 0; i < N / 8; i++) {
		((u64 *)composite)[i] = 0;
		asm volatile("" ::: "memory");
	}
	for (int i = 2; i < 100; i++) {
		if (composite[i])
			continue;
		for (int j = i * i; j < N; j += i)
			composite[j] = 1;
	}
	u64 count = 0;
	for (int i = 2; i < N; i++)
		count += composite[i] ^ 1; /* 0 or 1: no branch for the verifier to follow */
	result = count;
	return XDP_PASS;
}
