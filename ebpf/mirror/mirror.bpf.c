// km_mirror: tcx ingress program for every interface of the target namespace (lo included).
// Copies the payload of TCP segments sent to a mirrored port into a ring buffer, chunked,
// with the 4-tuple, sequence number and SYN/FIN/RST flags, and the payload of UDP datagrams
// sent to a port mirrored for UDP (KM_MIRROR_UDP). Never alters or drops a packet.
// km_mirror_egr, attached at tcx egress beside it, does the same for the segments the target
// sends from a port whose config asks for its answers too (KM_MIRROR_CFG_EGRESS, recording);
// its records carry KM_MIRROR_EGRESS. On lo a segment passes egress then ingress: ingress
// matches the destination port and egress the source port, so nothing is copied twice.
#include "common.h"
#include "mirror.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	// 4 MB: the kernel maps a ring buffer fully (twice, for wrap-around) into the reader, so its
	// size is agent RSS; the native reader drains it continuously into its own bounded queue.
	__uint(max_entries, 4 << 20);
} km_mirror_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u16);
	__type(value, struct km_mirror_port_cfg);
} km_mirror_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KM_MIRROR_NSTATS);
	__type(key, __u32);
	__type(value, __u64);
} km_mirror_stats SEC(".maps");

// Per-CPU staging area: a record is assembled here, then copied with bpf_ringbuf_output at its
// real size (a fixed-size bpf_ringbuf_reserve would waste 16 KB per small request).
struct km_mirror_scratch {
	struct km_mirror_event ev;
	__u8 data[KM_MIRROR_CHUNK];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct km_mirror_scratch);
} km_mirror_scr SEC(".maps");

static __always_inline void bump(__u32 k, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&km_mirror_stats, &k);
	if (v)
		*v += n;
}

// Parses L2/L3 into ev's addresses; returns the L4 offset (protocol in *proto), or 0 when not
// TCP/UDP we can read.
static __always_inline __u32 parse_ip(struct __sk_buff *skb, struct km_mirror_event *ev, __u32 *l4_len, __u8 *proto)
{
	struct ethhdr eth;
	__u32 off = sizeof(eth); // veth and lo both carry an Ethernet header at tc ingress

	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)))
		return 0;
	if (eth.h_proto == bpf_htons(KM_ETH_P_IP)) {
		struct iphdr ip;
		if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)))
			return 0;
		if ((ip.protocol != KM_IPPROTO_TCP && ip.protocol != KM_IPPROTO_UDP) || (ip.frag_off & bpf_htons(0x1fff)))
			return 0;
		*proto = ip.protocol;
		__u32 ihl = ip.ihl * 4;
		__u32 tot = bpf_ntohs(ip.tot_len);
		if (ihl < sizeof(ip) || tot < ihl)
			return 0;
		km_v4_mapped(ev->saddr, ip.saddr);
		km_v4_mapped(ev->daddr, ip.daddr);
		ev->family = 4;
		*l4_len = tot - ihl;
		return off + ihl;
	}
	if (eth.h_proto == bpf_htons(KM_ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		if (bpf_skb_load_bytes(skb, off, &ip6, sizeof(ip6)))
			return 0;
		if (ip6.nexthdr != KM_IPPROTO_TCP && ip6.nexthdr != KM_IPPROTO_UDP) // extension headers are not followed
			return 0;
		*proto = ip6.nexthdr;
		__builtin_memcpy(ev->saddr, &ip6.saddr, 16);
		__builtin_memcpy(ev->daddr, &ip6.daddr, 16);
		ev->family = 6;
		*l4_len = bpf_ntohs(ip6.payload_len);
		return off + sizeof(ip6);
	}
	return 0;
}

// Copies one UDP datagram sent to a port mirrored for UDP (ingress only), chunked like a segment.
static __always_inline void mirror_udp(struct __sk_buff *skb, struct km_mirror_scratch *s, __u32 l4_off)
{
	struct udphdr udp;

	if (bpf_skb_load_bytes(skb, l4_off, &udp, sizeof(udp)))
		return;
	__u16 dport = bpf_ntohs(udp.dest);
	struct km_mirror_port_cfg *cfg = bpf_map_lookup_elem(&km_mirror_ports, &dport);
	if (!cfg || !(cfg->enabled & KM_MIRROR_CFG_UDP))
		return;
	__u32 ulen = bpf_ntohs(udp.len);
	if (ulen < sizeof(udp))
		return;
	__u32 plen = ulen - sizeof(udp);
	__u32 data_off = l4_off + sizeof(udp);
	__u32 avail = skb->len > data_off ? skb->len - data_off : 0;
	if (plen > avail)
		return; // a first IP fragment (a datagram larger than the MTU): not reassembled here
	s->ev.sport = bpf_ntohs(udp.source);
	s->ev.dport = dport;
	s->ev.seg_len = plen;
	s->ev.flags = KM_MIRROR_UDP;
	s->ev.ifindex = skb->ifindex;
	for (int i = 0; i < KM_MIRROR_MAX_CHUNKS; i++) {
		__u32 coff = i * KM_MIRROR_CHUNK;
		if (i > 0 && coff >= plen)
			break;
		__u64 cap = plen > coff ? plen - coff : 0;
		asm volatile("%[c] &= 0x1ffff" : [c] "+r"(cap)); // as in mirror_skb
		if (cap > KM_MIRROR_CHUNK)
			cap = KM_MIRROR_CHUNK;
		s->ev.seq = 0;
		s->ev.offset = coff;
		s->ev.len = cap;
		if (cap > 0 && bpf_skb_load_bytes(skb, data_off + coff, s->data, cap))
			return;
		if (bpf_ringbuf_output(&km_mirror_rb, s, sizeof(s->ev) + cap, 0)) {
			bump(KM_MIRROR_LOST, 1);
			return;
		}
		bump(KM_MIRROR_RECORDS, 1);
		bump(KM_MIRROR_BYTES, cap);
	}
}

static __always_inline void mirror_skb(struct __sk_buff *skb, int egress)
{
	__u32 zero = 0, l4_len = 0, l4_off;
	__u8 proto = 0;
	struct km_mirror_scratch *s = bpf_map_lookup_elem(&km_mirror_scr, &zero);
	struct tcphdr tcp;

	if (!s)
		return;
	l4_off = parse_ip(skb, &s->ev, &l4_len, &proto);
	if (!l4_off)
		return;
	if (proto == KM_IPPROTO_UDP) {
		if (!egress)
			mirror_udp(skb, s, l4_off);
		return;
	}
	if (bpf_skb_load_bytes(skb, l4_off, &tcp, sizeof(tcp)))
		return;
	__u16 dport = bpf_ntohs(tcp.dest);
	__u16 sport = bpf_ntohs(tcp.source);
	__u16 port = egress ? sport : dport;
	struct km_mirror_port_cfg *cfg = bpf_map_lookup_elem(&km_mirror_ports, &port);
	if (!cfg || !(cfg->enabled & (egress ? KM_MIRROR_CFG_EGRESS : KM_MIRROR_CFG_INGRESS)))
		return;
	__u32 doff = tcp.doff * 4;
	if (doff < sizeof(tcp) || l4_len < doff)
		return;
	__u32 plen = l4_len - doff;
	__u32 data_off = l4_off + doff;
	__u32 avail = skb->len > data_off ? skb->len - data_off : 0;
	if (plen > avail)
		plen = avail; // tot_len may count bytes trimmed off this skb
	__u8 flags = (tcp.syn ? KM_MIRROR_SYN : 0) | (tcp.fin ? KM_MIRROR_FIN : 0) | (tcp.rst ? KM_MIRROR_RST : 0);
	if (plen == 0 && !flags)
		return; // pure ACK
	if (egress)
		flags |= KM_MIRROR_EGRESS;

	s->ev.sport = sport;
	s->ev.dport = dport;
	s->ev.seg_len = plen;
	s->ev.flags = flags;
	s->ev.ifindex = skb->ifindex;
	__u32 base_seq = bpf_ntohl(tcp.seq);

	for (int i = 0; i < KM_MIRROR_MAX_CHUNKS; i++) {
		__u32 coff = i * KM_MIRROR_CHUNK;
		if (i > 0 && coff >= plen)
			break;
		__u64 cap = plen > coff ? plen - coff : 0;
		// clang 14 drops a plain C clamp and the verifier then sees a possibly negative
		// length; bounding the 64-bit register in asm keeps it.
		asm volatile("%[c] &= 0x1ffff" : [c] "+r"(cap));
		if (cap > KM_MIRROR_CHUNK)
			cap = KM_MIRROR_CHUNK;
		s->ev.seq = base_seq + coff;
		s->ev.offset = coff;
		s->ev.len = cap;
		if (cap > 0 && bpf_skb_load_bytes(skb, data_off + coff, s->data, cap))
			return;
		if (bpf_ringbuf_output(&km_mirror_rb, s, sizeof(s->ev) + cap, 0)) {
			bump(KM_MIRROR_LOST, 1);
			return;
		}
		bump(KM_MIRROR_RECORDS, 1);
		bump(KM_MIRROR_BYTES, cap);
	}
	if (plen > KM_MIRROR_MAX_CHUNKS * KM_MIRROR_CHUNK)
		bump(KM_MIRROR_TRUNCATED, 1);
}

SEC("tc")
int km_mirror_tcx(struct __sk_buff *skb)
{
	mirror_skb(skb, 0);
	return KM_TCX_NEXT; // tcx: continue to the next program and the stack
}

SEC("tc")
int km_mirror_egr(struct __sk_buff *skb)
{
	mirror_skb(skb, 1);
	return KM_TCX_NEXT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
