// km_trace tcp gadget: connect and close from TCP state changes, accept from sys_exit.
// Part of trace.bpf.c (included after its maps and helpers); not compiled on its own.
#pragma once

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
	// inet_sport, not skc_num: on a move to CLOSE the kernel has already released the port
	// (inet_put_port zeroes skc_num) when the tracepoint runs.
	e->sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
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
	submit(e);
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
	if (known) {
		__builtin_memcpy(&o, known, sizeof(o));
	} else if (new == KM_TCP_CLOSE) {
		__builtin_memset(&o, 0, sizeof(o)); // a reset, maybe in softirq: the current task is unrelated
	} else {
		current_owner(&o); // predates the trace: the task closing it, no duration
		o.ts_ns = 0;
	}
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
	// The caller's namespace first: an accept elsewhere on the node costs only this check, not
	// the walk of its fd table.
	__u32 ns = current_netns();
	if (!ns_traced(ns))
		return;
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct file **fds = BPF_CORE_READ(t, files, fdt, fd);
	struct file *f = NULL;
	if (bpf_probe_read_kernel(&f, sizeof(f), fds + fd) || !f)
		return;
	struct socket *so = BPF_CORE_READ(f, private_data);
	struct sock *sk = BPF_CORE_READ(so, sk);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != KM_IPPROTO_TCP)
		return;
	struct km_trace_owner o;
	current_owner(&o);
	__u64 key = (__u64)sk;
	bpf_map_update_elem(&km_trace_conn, &key, &o, BPF_ANY);
	tcp_emit(sk, ns, KM_TRACE_TCP_ACCEPT, 0, &o, false);
}

