// Shared by every kmirror BPF program: kernel types (vmlinux.h, generated at build time),
// libbpf helpers and the few UAPI constants vmlinux.h does not carry (macros are not in BTF).
#pragma once
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define KM_ETH_P_IP 0x0800
#define KM_ETH_P_IPV6 0x86DD
#define KM_IPPROTO_TCP 6
#define KM_IPPROTO_UDP 17
#define KM_AF_INET 2
#define KM_AF_INET6 10
#define KM_TCX_NEXT -1

// Addresses on the wire to user space are 16 bytes; IPv4 is stored v4-mapped (::ffff:a.b.c.d),
// the form a dual-stack socket reports, so one key/record layout serves both families.
static __always_inline void km_v4_mapped(__u8 out[16], __u32 addr_be)
{
	__builtin_memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	__builtin_memcpy(out + 12, &addr_be, 4);
}
