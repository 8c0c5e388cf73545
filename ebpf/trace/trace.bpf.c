// km_trace: the trace gadgets. Each program is loaded only when a gadget that needs it is asked
// for (the addon turns autoload off for the others); every event goes to one ring buffer.
//   tcp:  raw_tp inet_sock_set_state (connect, close) + raw_tp sys_exit of accept/accept4
//   exec: raw_tp sched_process_exec
//   open: raw_tp sys_enter/sys_exit of open, openat, openat2, creat
//   dns:  tcx ingress (every interface) + egress (every interface but lo), UDP port 53 payloads
// Raw tracepoints because the test kernels have neither kprobes nor working fentry/fexit
// ("tracing" program type unavailable); they need no tracefs either. Scope: only sockets/tasks
// whose network namespace is in km_trace_ns (the target's); the tcx programs are attached inside
// the target's namespace only.
#include "common.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "trace.h"

#define KM_TCP_ESTABLISHED 1
#define KM_TCP_SYN_SENT 2
#define KM_TCP_FIN_WAIT1 4
#define KM_TCP_CLOSE 7
#define KM_TCP_CLOSE_WAIT 8
#define KM_TCP_LAST_ACK 9
#define KM_NR_OPEN 2
#define KM_NR_CREAT 85
#define KM_NR_ACCEPT 43
#define KM_NR_OPENAT 257
#define KM_NR_ACCEPT4 288
#define KM_NR_OPENAT2 437
#define KM_O_CREAT_WRONLY_TRUNC 01101

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); // mapped whole into the agent: 1 MB of its RSS
} km_trace_rb SEC(".maps");

// Records are submitted without waking the reader (a wake-up is an irq_work plus an IPI to the
// reader's CPU, paid by the traced task for every event); the reader polls every few ms instead
// (bpf_ring_reader.cc) and is woken only when this much is waiting, so a burst cannot fill the ring
// between two polls.
#define KM_TRACE_WAKE_BYTES (256 << 10)

// Network namespace inodes to trace (the target's).
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u8);
} km_trace_ns SEC(".maps");

// Slot 0: the agent's own tgid, whose opens and execs (reading /proc, …) are not the target's.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} km_trace_self SEC(".maps");

// Records lost because the ring buffer was full, per gadget (reported to the client).
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KM_TRACE_NGADGETS);
	__type(key, __u32);
	__type(value, __u64);
} km_trace_drop SEC(".maps");

// Slot 0: bit (1 << gadget) for each gadget asked for (sys_exit serves both tcp and open).
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} km_trace_cfg SEC(".maps");

// Who connected or accepted a socket, and when: TCP state changes after the first run in
// softirq, where the current task is unrelated.
struct km_trace_owner {
	__u64 ts_ns;
	__u32 pid, tid, ppid, uid;
	char comm[16];
	__u32 active; // connected (its SYN counts in bytes_acked), not accepted
	__u32 pad;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct km_trace_owner);
} km_trace_conn SEC(".maps");

// An open in flight (sys_enter -> sys_exit), by thread id.
struct km_trace_open_args {
	__u64 filename;
	__u32 flags;
	__u32 mode;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct km_trace_open_args);
} km_trace_args SEC(".maps");

static __always_inline bool ns_traced(__u32 ino)
{
	return bpf_map_lookup_elem(&km_trace_ns, &ino) != NULL;
}

static __always_inline bool gadget_on(__u32 gadget)
{
	__u32 k = 0;
	__u32 *mask = bpf_map_lookup_elem(&km_trace_cfg, &k);
	return mask && (*mask & (1u << gadget));
}

static __always_inline bool is_self(void)
{
	__u32 k = 0;
	__u32 *self = bpf_map_lookup_elem(&km_trace_self, &k);
	return self && *self == (__u32)(bpf_get_current_pid_tgid() >> 32);
}

static __always_inline __u32 current_netns(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(t, nsproxy, net_ns, ns.inum);
}

static __always_inline void *reserve(__u64 size, __u32 gadget)
{
	void *p = bpf_ringbuf_reserve(&km_trace_rb, size, 0);
	if (!p) {
		__u64 *n = bpf_map_lookup_elem(&km_trace_drop, &gadget);
		if (n)
			__sync_fetch_and_add(n, 1);
	}
	return p;
}

static __always_inline void submit(void *e)
{
	__u64 queued = bpf_ringbuf_query(&km_trace_rb, BPF_RB_AVAIL_DATA);
	bpf_ringbuf_submit(e, queued > KM_TRACE_WAKE_BYTES ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

static __always_inline void current_owner(struct km_trace_owner *o)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	o->ts_ns = bpf_ktime_get_ns();
	o->active = 0;
	o->pad = 0;
	o->pid = id >> 32;
	o->tid = (__u32)id;
	o->ppid = BPF_CORE_READ(t, real_parent, tgid);
	o->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(o->comm, sizeof(o->comm));
}

static __always_inline void fill_hdr_from(struct km_trace_hdr *h, __u32 gadget, __u32 ns, const struct km_trace_owner *o)
{
	h->gadget = gadget;
	h->netns = ns;
	h->ts_ns = bpf_ktime_get_ns();
	h->pid = o->pid;
	h->tid = o->tid;
	h->ppid = o->ppid;
	h->uid = o->uid;
	__builtin_memcpy(h->comm, o->comm, sizeof(h->comm));
}

static __always_inline void fill_hdr(struct km_trace_hdr *h, __u32 gadget, __u32 ns)
{
	struct km_trace_owner o;
	current_owner(&o);
	fill_hdr_from(h, gadget, ns, &o);
}

#include "tcp.bpf.h"
#include "proc.bpf.h"
#include "dns.bpf.h"
