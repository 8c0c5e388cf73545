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

// ---- tcp ----

static __always_inline __u32 sock_netns(struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

// peer_fin: the peer's FIN came first (CLOSE_WAIT), and counts in bytes_received.
static __always_inline void tcp_emit(struct sock *sk, __u32 ns, __u8 kind, __s32 error, const struct km_trace_owner *o, bool peer_fin)
{
	struct km_trace_tcp *e = reserve(sizeof(*e), KM_TRACE_TCP);
	if (!e)
		return;
	fill_hdr_from(&e->h, KM_TRACE_TCP, ns, o);
	if (BPF_CORE_READ(sk, __sk_common.skc_family) == KM_AF_INET) {
		km_v4_mapped(e->saddr, BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr));
		km_v4_mapped(e->daddr, BPF_CORE_READ(sk, __sk_common.skc_daddr));
		e->family = 4;
	} else {
		BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
		e->family = 6;
	}
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	e->kind = kind;
	e->pad = 0;
	e->error = error;
	e->pad2 = 0;
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	bool closing = kind == KM_TRACE_TCP_CLOSE;
	__u64 acked = closing ? BPF_CORE_READ(tp, bytes_acked) : 0;
	e->bytes_acked = o->active && acked ? acked - 1 : acked; // payload only, not our SYN
	__u64 received = closing ? BPF_CORE_READ(tp, bytes_received) : 0;
	e->bytes_received = peer_fin && received ? received - 1 : received; // payload only, not the peer's FIN
	e->duration_ns = closing && o->ts_ns ? bpf_ktime_get_ns() - o->ts_ns : 0;
	bpf_ringbuf_submit(e, 0);
}

// connect: CLOSE->SYN_SENT (in connect(), the caller's task: remembered), then SYN_SENT->
// ESTABLISHED (ports known) or SYN_SENT->CLOSE (failed: sk_err). close: the owner's side leaves
// ESTABLISHED/CLOSE_WAIT (close() or shutdown(SHUT_WR); CLOSE for an abort or a reset).
SEC("raw_tp/inet_sock_set_state")
int km_trace_tcpst(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = (struct sock *)ctx->args[0];
	int old = (int)ctx->args[1], new = (int)ctx->args[2];
	if (BPF_CORE_READ(sk, sk_protocol) != KM_IPPROTO_TCP)
		return 0;
	__u32 ns = sock_netns(sk);
	if (!ns_traced(ns))
		return 0;
	__u64 key = (__u64)sk;
	if (old == KM_TCP_CLOSE && new == KM_TCP_SYN_SENT) {
		struct km_trace_owner o;
		current_owner(&o);
		o.active = 1;
		bpf_map_update_elem(&km_trace_conn, &key, &o, BPF_ANY);
		return 0;
	}
	struct km_trace_owner *known = bpf_map_lookup_elem(&km_trace_conn, &key);
	struct km_trace_owner o;
	if (known)
		__builtin_memcpy(&o, known, sizeof(o));
	else
		current_owner(&o), o.ts_ns = 0; // predates the trace: the closing task, no duration
	if (old == KM_TCP_SYN_SENT) {
		if (!known)
			return 0;
		if (new == KM_TCP_ESTABLISHED) {
			tcp_emit(sk, ns, KM_TRACE_TCP_CONNECT, 0, &o, false);
		} else if (new == KM_TCP_CLOSE) {
			tcp_emit(sk, ns, KM_TRACE_TCP_CONNECT, -BPF_CORE_READ(sk, sk_err), &o, false);
			bpf_map_delete_elem(&km_trace_conn, &key);
		}
		return 0;
	}
	bool closing = (old == KM_TCP_ESTABLISHED && (new == KM_TCP_FIN_WAIT1 || new == KM_TCP_CLOSE)) ||
		       (old == KM_TCP_CLOSE_WAIT && (new == KM_TCP_LAST_ACK || new == KM_TCP_CLOSE));
	if (!closing)
		return 0;
	tcp_emit(sk, ns, KM_TRACE_TCP_CLOSE, 0, &o, old == KM_TCP_CLOSE_WAIT);
	if (known)
		bpf_map_delete_elem(&km_trace_conn, &key);
	return 0;
}

// accept/accept4 returned fd: the caller's socket for it (task->files->fdt->fd[fd]->private_data).
static __always_inline void accept_exit(long fd)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct file **fds = BPF_CORE_READ(t, files, fdt, fd);
	struct file *f = NULL;
	if (bpf_probe_read_kernel(&f, sizeof(f), fds + fd) || !f)
		return;
	struct socket *so = BPF_CORE_READ(f, private_data);
	struct sock *sk = BPF_CORE_READ(so, sk);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != KM_IPPROTO_TCP)
		return;
	__u32 ns = sock_netns(sk);
	if (!ns_traced(ns))
		return;
	struct km_trace_owner o;
	current_owner(&o);
	__u64 key = (__u64)sk;
	bpf_map_update_elem(&km_trace_conn, &key, &o, BPF_ANY);
	tcp_emit(sk, ns, KM_TRACE_TCP_ACCEPT, 0, &o, false);
}

// ---- exec ----

SEC("raw_tp/sched_process_exec")
int km_trace_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *p = (struct task_struct *)ctx->args[0];
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	__u32 ns = BPF_CORE_READ(p, nsproxy, net_ns, ns.inum);
	if (!ns_traced(ns) || is_self())
		return 0;
	struct km_trace_exec *e = reserve(sizeof(*e), KM_TRACE_EXEC);
	if (!e)
		return 0;
	fill_hdr(&e->h, KM_TRACE_EXEC, ns);
	e->pad = 0;
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
	unsigned long start = BPF_CORE_READ(p, mm, arg_start);
	unsigned long end = BPF_CORE_READ(p, mm, arg_end);
	__u64 len = end > start ? end - start : 0;
	if (len > KM_TRACE_ARGV_MAX - 1)
		len = KM_TRACE_ARGV_MAX - 1;
	asm volatile("%[n] &= 0x3ff" : [n] "+r"(len)); // clang 14 drops the C clamp for the verifier
	if (bpf_probe_read_user(e->argv, len, (void *)start))
		len = 0;
	e->argv_len = len;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

// ---- open (and the accept half of tcp) ----

SEC("raw_tp/sys_enter")
int km_trace_sysin(struct bpf_raw_tracepoint_args *ctx)
{
	long id = (long)ctx->args[1];
	if (id != KM_NR_OPENAT && id != KM_NR_OPEN && id != KM_NR_OPENAT2 && id != KM_NR_CREAT)
		return 0;
	if (!ns_traced(current_netns()) || is_self())
		return 0;
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	struct km_trace_open_args a = {};
	if (id == KM_NR_OPENAT) {
		a.filename = BPF_CORE_READ(regs, si);
		a.flags = BPF_CORE_READ(regs, dx);
		a.mode = BPF_CORE_READ(regs, r10);
	} else if (id == KM_NR_OPEN) {
		a.filename = BPF_CORE_READ(regs, di);
		a.flags = BPF_CORE_READ(regs, si);
		a.mode = BPF_CORE_READ(regs, dx);
	} else if (id == KM_NR_CREAT) {
		a.filename = BPF_CORE_READ(regs, di);
		a.flags = KM_O_CREAT_WRONLY_TRUNC;
		a.mode = BPF_CORE_READ(regs, si);
	} else {
		struct open_how how = {};
		a.filename = BPF_CORE_READ(regs, si);
		bpf_probe_read_user(&how, sizeof(how), (void *)BPF_CORE_READ(regs, dx));
		a.flags = how.flags;
		a.mode = how.mode;
	}
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&km_trace_args, &tid, &a, BPF_ANY);
	return 0;
}

SEC("raw_tp/sys_exit")
int km_trace_sysout(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	long ret = (long)ctx->args[1];
	long id = BPF_CORE_READ(regs, orig_ax);
	if ((id == KM_NR_ACCEPT || id == KM_NR_ACCEPT4) && ret >= 0 && ret < (1 << 20) && gadget_on(KM_TRACE_TCP)) {
		accept_exit(ret);
		return 0;
	}
	if (id != KM_NR_OPENAT && id != KM_NR_OPEN && id != KM_NR_OPENAT2 && id != KM_NR_CREAT)
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct km_trace_open_args *a = bpf_map_lookup_elem(&km_trace_args, &tid);
	if (!a)
		return 0; // not traced (other namespace, or the agent itself)
	__u32 ns = current_netns();
	struct km_trace_open *e = reserve(sizeof(*e), KM_TRACE_OPEN);
	if (e) {
		fill_hdr(&e->h, KM_TRACE_OPEN, ns);
		e->result = (__s32)ret;
		e->flags = a->flags;
		e->mode = a->mode;
		e->pad = 0;
		if (bpf_probe_read_user_str(e->path, sizeof(e->path), (void *)a->filename) < 0)
			e->path[0] = 0;
		bpf_ringbuf_submit(e, 0);
	}
	bpf_map_delete_elem(&km_trace_args, &tid);
	return 0;
}

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
	bpf_ringbuf_submit(e, 0);
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
