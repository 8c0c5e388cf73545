// Wire structs of km_trace (the trace gadgets), shared by trace.bpf.c and the agent's TypeScript
// decoder (agent/src/trace/record-decoder.ts pins the offsets with a golden-bytes test). The
// addon's ring-buffer reader passes records through unchanged.
#pragma once
#include "../include/wire.h"

// Gadget ids: first field of every record, and index of km_trace_drop.
enum km_trace_gadget {
	KM_TRACE_TCP = 0,
	KM_TRACE_DNS = 1,
	KM_TRACE_EXEC = 2,
	KM_TRACE_OPEN = 3,
	KM_TRACE_NGADGETS = 4,
};

#define KM_TRACE_ARGV_MAX 1024
#define KM_TRACE_PATH_MAX 256
#define KM_TRACE_DNS_MAX 1024 // UDP payload bytes captured per DNS packet

// Common header (48 bytes). ts_ns is CLOCK_MONOTONIC (bpf_ktime_get_ns); the agent converts.
struct km_trace_hdr {
	__u32 gadget;
	__u32 netns; // inode of the namespace that matched
	__u64 ts_ns;
	__u32 pid; // tgid
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	char comm[16];
};

#define KM_TRACE_TCP_CONNECT 1
#define KM_TRACE_TCP_ACCEPT 2
#define KM_TRACE_TCP_CLOSE 3

struct km_trace_tcp {
	struct km_trace_hdr h;
	__u8 saddr[16]; // local; IPv4 v4-mapped
	__u8 daddr[16]; // remote
	__u16 sport; // host byte order
	__u16 dport;
	__u8 kind; // KM_TRACE_TCP_*
	__u8 family; // 4 or 6
	__u16 pad;
	__s32 error; // connect: the hook's return value (-errno)
	__u32 pad2;
	__u64 bytes_acked;
	__u64 bytes_received;
	__u64 duration_ns; // close: since the traced connect/accept, 0 when unknown
};

struct km_trace_exec {
	struct km_trace_hdr h;
	__u32 argv_len; // bytes in argv (NUL-separated)
	__u32 pad;
	char filename[KM_TRACE_PATH_MAX];
	char argv[KM_TRACE_ARGV_MAX];
};

struct km_trace_open {
	struct km_trace_hdr h;
	__s32 result; // fd or -errno
	__u32 flags;
	__u32 mode;
	__u32 pad;
	char path[KM_TRACE_PATH_MAX];
};

struct km_trace_dns {
	struct km_trace_hdr h;
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u16 len; // UDP payload length
	__u16 cap; // bytes in data
	__u8 family;
	__u8 ingress;
	__u16 pad;
	__u32 ifindex;
	__u8 data[KM_TRACE_DNS_MAX];
};

_Static_assert(sizeof(struct km_trace_hdr) == 48, "km_trace_hdr layout");
_Static_assert(sizeof(struct km_trace_tcp) == 120, "km_trace_tcp layout");
_Static_assert(sizeof(struct km_trace_exec) == 48 + 8 + KM_TRACE_PATH_MAX + KM_TRACE_ARGV_MAX, "km_trace_exec layout");
_Static_assert(sizeof(struct km_trace_open) == 48 + 16 + KM_TRACE_PATH_MAX, "km_trace_open layout");
_Static_assert(sizeof(struct km_trace_dns) == 48 + 48 + KM_TRACE_DNS_MAX, "km_trace_dns layout");
