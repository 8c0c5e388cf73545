// Prologue of the wire headers (ebpf/<name>/<name>.h), which both a BPF program (after
// common.h, whose vmlinux.h has the __u types) and the addon's C++ (UAPI types) include.
#pragma once
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#if defined(__cplusplus) && !defined(_Static_assert)
#define _Static_assert static_assert // the addon includes the wire headers from C++
#endif
