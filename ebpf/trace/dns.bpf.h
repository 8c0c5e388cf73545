// km_trace dns gadget: UDP port 53 payloads on every interface of the target namespace (tcx).
// Part of trace.bpf.c (included after its maps and helpers); not compiled on its own.
#pragma once

// ---- dns ----

static __always_inline int dns_capture(struct __sk_buff *skb, __u8 ingress)
{
	struct ethhdr eth;
	__u8 saddr[16], daddr[16], family;
	__u32 off = sizeof(eth); // veth and lo both carry an Ethernet header at tc

	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)))
		return KM_TCX_NEXT;
	if (eth.h_proto == bpf_htons(KM_ETH_P_IP)) {
		struct iphdr ip;
		if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)) || ip.protocol != KM_IPPROTO_UDP || (ip.frag_off & bpf_htons(0x1fff)))
			return KM_TCX_NEXT;
		km_v4_mapped(saddr, ip.saddr);
		km_v4_mapped(daddr, ip.daddr);
		family = 4;
		off += ip.ihl * 4;
	} else if (eth.h_proto == bpf_htons(KM_ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		if (bpf_skb_load_bytes(skb, off, &ip6, sizeof(ip6)) || ip6.nexthdr != KM_IPPROTO_UDP)
			return KM_TCX_NEXT; // extension headers are not followed
		__builtin_memcpy(saddr, &ip6.saddr, 16);
		__builtin_memcpy(daddr, &ip6.daddr, 16);
		family = 6;
		off += sizeof(ip6);
	} else {
		return KM_TCX_NEXT;
	}
	struct udphdr udp;
	if (bpf_skb_load_bytes(skb, off, &udp, sizeof(udp)))
		return KM_TCX_NEXT;
	__u16 sport = bpf_ntohs(udp.source), dport = bpf_ntohs(udp.dest);
	__u64 len = bpf_ntohs(udp.len);
	if ((sport != 53 && dport != 53) || len <= sizeof(udp))
		return KM_TCX_NEXT;
	len -= sizeof(udp);
	struct km_trace_dns *e = reserve(sizeof(*e), KM_TRACE_DNS);
	if (!e)
		return KM_TCX_NEXT;
	__builtin_memset(&e->h, 0, sizeof(e->h)); // seen on a packet: no process
	e->h.gadget = KM_TRACE_DNS;
	e->h.ts_ns = bpf_ktime_get_ns();
	__builtin_memcpy(e->saddr, saddr, 16);
	__builtin_memcpy(e->daddr, daddr, 16);
	e->sport = sport;
	e->dport = dport;
	e->len = len;
	e->family = family;
	e->ingress = ingress;
	e->pad = 0;
	e->ifindex = skb->ifindex;
	__u64 cap = len > KM_TRACE_DNS_MAX ? KM_TRACE_DNS_MAX : len;
	cap -= 1;
	asm volatile("%[c] &= 0x3ff" : [c] "+r"(cap)); // [0, 1023], then + 1: a non-zero size
	cap += 1;
	if (bpf_skb_load_bytes(skb, off + sizeof(udp), e->data, cap))
		cap = 0;
	e->cap = cap;
	submit(e);
	return KM_TCX_NEXT;
}

SEC("tc")
int km_trace_dns_in(struct __sk_buff *skb)
{
	return dns_capture(skb, 1);
}

// lo's egress packets come back in on lo's ingress: seen there once.
SEC("tc")
int km_trace_dns_eg(struct __sk_buff *skb)
{
	return skb->ifindex == 1 ? KM_TCX_NEXT : dns_capture(skb, 0);
}
