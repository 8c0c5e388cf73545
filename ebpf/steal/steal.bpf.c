// km_steal: sk_lookup program attached to the target network namespace. A new connection
// (TCP SYN) or datagram (UDP) for a subscribed local port is handed to the agent's socket in
// km_steal_socks, unless its source is exempt: the agent's own passthrough connections (by
// source port) and probe sources (kubelet/node addresses, by prefix). Anything else, or an
// empty slot (agent socket closed), falls through to the normal lookup: the original app.
#include "common.h"
#include "steal.h"

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, KM_STEAL_MAX_SOCKS);
	__type(key, __u32);
	__type(value, __u64);
} km_steal_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct km_steal_port_key);
	__type(value, struct km_steal_port_val);
} km_steal_ports SEC(".maps");

// Source ports (host order) of the agent's own passthrough connections to the original app.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u16);
	__type(value, __u8);
} km_exempt_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct km_exempt_src_key);
	__type(value, __u8);
} km_exempt_src SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KM_STEAL_NSTATS);
	__type(key, __u32);
	__type(value, __u64);
} km_steal_stats SEC(".maps");

static __always_inline void bump(__u32 k)
{
	__u64 *v = bpf_map_lookup_elem(&km_steal_stats, &k);
	if (v)
		*v += 1;
}

static __always_inline int source_exempt(struct bpf_sk_lookup *ctx)
{
	__u16 rport = bpf_ntohs(ctx->remote_port);
	struct km_exempt_src_key key = { .prefixlen = 128 };

	if (bpf_map_lookup_elem(&km_exempt_port, &rport))
		return 1;
	if (ctx->family == KM_AF_INET) {
		km_v4_mapped(key.addr, ctx->remote_ip4);
	} else {
		// ctx fields must be read one at a time with constant offsets (no memcpy from ctx)
		__u32 w0 = ctx->remote_ip6[0], w1 = ctx->remote_ip6[1];
		__u32 w2 = ctx->remote_ip6[2], w3 = ctx->remote_ip6[3];
		__builtin_memcpy(key.addr, &w0, 4);
		__builtin_memcpy(key.addr + 4, &w1, 4);
		__builtin_memcpy(key.addr + 8, &w2, 4);
		__builtin_memcpy(key.addr + 12, &w3, 4);
	}
	return bpf_map_lookup_elem(&km_exempt_src, &key) != 0;
}

SEC("sk_lookup")
int km_steal(struct bpf_sk_lookup *ctx)
{
	struct km_steal_port_key pk = {
		.port = (__u16)ctx->local_port, // host byte order in sk_lookup
		.protocol = (__u8)ctx->protocol,
	};
	struct km_steal_port_val *pv;
	struct bpf_sock *sk;
	__u32 slot;
	long err;

	pv = bpf_map_lookup_elem(&km_steal_ports, &pk);
	if (!pv)
		return SK_PASS;
	bump(KM_STEAL_LOOKUPS);
	if (source_exempt(ctx)) {
		bump(KM_STEAL_EXEMPTED);
		return SK_PASS;
	}
	slot = pv->slot;
	sk = bpf_map_lookup_elem(&km_steal_socks, &slot);
	if (!sk) {
		bump(KM_STEAL_NO_SOCKET);
		return SK_PASS;
	}
	err = bpf_sk_assign(ctx, sk, 0);
	bpf_sk_release(sk);
	bump(err ? KM_STEAL_ASSIGN_ERR : KM_STEAL_ASSIGNED);
	return SK_PASS; // SK_PASS with an assigned socket delivers to it
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KM_STEAL_MAX_SOCKS);
	__type(key, __u16);
	__type(value, __u16);
} km_udp_rport SEC(".maps");

// Rewrites the source port of the agent's UDP replies (see km_udp_rport in steal.h).
static __always_inline void rewrite_udp_reply(struct __sk_buff *skb)
{
	struct ethhdr eth;
	__u32 l4_off;

	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)))
		return;
	if (eth.h_proto == bpf_htons(KM_ETH_P_IP)) {
		struct iphdr ip;
		if (bpf_skb_load_bytes(skb, sizeof(eth), &ip, sizeof(ip)))
			return;
		if (ip.protocol != KM_IPPROTO_UDP || (ip.frag_off & bpf_htons(0x1fff)))
			return;
		l4_off = sizeof(eth) + ip.ihl * 4;
	} else if (eth.h_proto == bpf_htons(KM_ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		if (bpf_skb_load_bytes(skb, sizeof(eth), &ip6, sizeof(ip6)))
			return;
		if (ip6.nexthdr != KM_IPPROTO_UDP)
			return;
		l4_off = sizeof(eth) + sizeof(ip6);
	} else {
		return;
	}
	struct udphdr udp;
	if (bpf_skb_load_bytes(skb, l4_off, &udp, sizeof(udp)))
		return;
	__u16 sport = bpf_ntohs(udp.source);
	__u16 *stolen = bpf_map_lookup_elem(&km_udp_rport, &sport);
	if (!stolen)
		return;
	__be16 from = udp.source, to = bpf_htons(*stolen);
	// A zero IPv4 UDP checksum means "none" and must stay zero (BPF_F_MARK_MANGLED_0).
	bpf_l4_csum_replace(skb, l4_off + __builtin_offsetof(struct udphdr, check), from, to, sizeof(to) | BPF_F_MARK_MANGLED_0);
	bpf_skb_store_bytes(skb, l4_off + __builtin_offsetof(struct udphdr, source), &to, sizeof(to), 0);
}

SEC("tc")
int km_udp_reply(struct __sk_buff *skb)
{
	rewrite_udp_reply(skb);
	return KM_TCX_NEXT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
