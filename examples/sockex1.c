// Count packets and bytes per IP protocol — the idea of the kernel's classic samples/bpf/sockex1,
// written for ebpf-ts's examples. A socket filter: in BPF_PROG_TEST_RUN (and so in `ebpf run`)
// its data starts at the network header, so the protocol byte is at offset 9 of the IPv4 header.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <stddef.h>
#include <bpf/bpf_helpers.h>

struct counters {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct counters);
	__uint(max_entries, 256);
} proto_stats SEC(".maps");

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");

SEC("socket")
int count_by_protocol(struct __sk_buff *skb)
{
	struct counters *c;
	__u32 proto;

	if (skb->protocol != __constant_htons(ETH_P_IP))
		return 0;
	proto = load_byte(skb, offsetof(struct iphdr, protocol));
	c = bpf_map_lookup_elem(&proto_stats, &proto);
	if (c) {
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, skb->len);
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
