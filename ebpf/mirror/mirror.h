// Wire structs of km_mirror (tcx ingress), shared by mirror.bpf.c and the addon's ring-buffer
// consumer (agent/native/src/bpf_mirror.cc); the agent's TypeScript decoder pins the offsets
// with a golden-bytes test (agent/src/incoming/mirror/record.test.ts).
#pragma once
#include "../include/wire.h"

#define KM_MIRROR_CHUNK 16384 // payload bytes per ring-buffer record
#define KM_MIRROR_MAX_CHUNKS 8 // per segment: 128 KB covers GRO/GSO super-packets (64 KB)

#define KM_MIRROR_SYN 0x01
#define KM_MIRROR_FIN 0x02
#define KM_MIRROR_RST 0x04
#define KM_MIRROR_EGRESS 0x08 // sent by the target (km_mirror_egr): saddr/sport is the target's side
#define KM_MIRROR_UDP 0x10 // a UDP datagram (seq 0, seg_len = datagram payload bytes)

#define KM_MIRROR_CFG_INGRESS 0x01 // km_mirror_port_cfg.enabled bits: TCP segments sent to the port
#define KM_MIRROR_CFG_EGRESS 0x02 // also copy what the target sends from this port (recording)
#define KM_MIRROR_CFG_UDP 0x04 // UDP datagrams sent to the port

// One record: a chunk of one TCP segment (or, with KM_MIRROR_UDP, UDP datagram) sent to (or, with KM_MIRROR_EGRESS, from) a mirrored
// port, or a payload-less SYN/FIN/RST.
struct km_mirror_event {
	__u8 saddr[16]; // sender: the client (ingress) or the target (egress); IPv4 v4-mapped
	__u8 daddr[16]; // receiver: the original destination inside the namespace (ingress)
	__u16 sport; // host byte order
	__u16 dport;
	__u32 seq; // sequence number of data[0] (of the flag for payload-less records)
	__u32 seg_len; // payload bytes of the whole segment
	__u32 offset; // of this chunk within the segment
	__u16 len; // bytes in data
	__u8 flags; // KM_MIRROR_*
	__u8 family; // 4 or 6
	__u32 ifindex;
	// followed by len payload bytes
};

// km_mirror_ports value (key: __u16 port, host byte order).
struct km_mirror_port_cfg {
	__u32 enabled; // KM_MIRROR_CFG_* bits
};

// km_mirror_stats indices.
enum km_mirror_stat {
	KM_MIRROR_RECORDS = 0,
	KM_MIRROR_BYTES = 1,
	KM_MIRROR_LOST = 2, // ring buffer full: records dropped (the agent reports a gap)
	KM_MIRROR_TRUNCATED = 3, // segment longer than KM_MIRROR_MAX_CHUNKS * KM_MIRROR_CHUNK
	KM_MIRROR_NSTATS = 4,
};

_Static_assert(sizeof(struct km_mirror_event) == 56, "km_mirror_event layout");
