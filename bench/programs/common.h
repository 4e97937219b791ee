/* Shared by the benchmark programs: every one is an XDP program test-run on the same 1500-byte
 * packet (those that do not need it ignore it) and leaves its result in the global `result`, so
 * the benchmark can check that interpreter, JIT and kernel computed the same thing. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;

char LICENSE[] SEC("license") = "GPL";
