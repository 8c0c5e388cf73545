// Wire structs of km_steal (sk_lookup), shared by steal.bpf.c and the addon's loader
// (agent/native/src/bpf_steal.cc). Ports are host byte order; addresses 16 bytes, IPv4 v4-mapped.
#pragma once
#include "../include/wire.h"

#define KM_STEAL_MAX_SOCKS 64

// km_steal_ports: which (protocol, local port) is stolen and which SOCKMAP slot receives it.
struct km_steal_port_key {
	__u16 port;
	__u8 protocol; // 6 = TCP, 17 = UDP
	__u8 pad;
};
struct km_steal_port_val {
	__u32 slot; // index into km_steal_socks
};

// km_exempt_src: an LPM trie of client source prefixes never stolen (kubelet/probe sources).
struct km_exempt_src_key {
	__u32 prefixlen; // over addr; an IPv4 /n is 96 + n in v4-mapped form
	__u8 addr[16];
};

// km_udp_rport: replies to stolen UDP datagrams leave the agent's socket from its own port; the
// tcx egress program km_udp_reply rewrites that source port (key, host order) to the stolen port
// (value, host order) so that clients see the answer coming from the port they sent to.

// km_steal_stats indices.
enum km_steal_stat {
	KM_STEAL_LOOKUPS = 0, // lookups for a stolen port
	KM_STEAL_ASSIGNED = 1,
	KM_STEAL_ASSIGN_ERR = 2,
	KM_STEAL_EXEMPTED = 3,
	KM_STEAL_NO_SOCKET = 4,
	KM_STEAL_NSTATS = 5,
};

_Static_assert(sizeof(struct km_steal_port_key) == 4, "km_steal_port_key layout");
_Static_assert(sizeof(struct km_steal_port_val) == 4, "km_steal_port_val layout");
_Static_assert(sizeof(struct km_exempt_src_key) == 20, "km_exempt_src_key layout");
