// km_trace exec and open gadgets (the open half of sys_exit also dispatches accepts to tcp.bpf.h).
// Part of trace.bpf.c (included after its maps and helpers); not compiled on its own.
#pragma once

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
	submit(e);
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
		submit(e);
	}
	bpf_map_delete_elem(&km_trace_args, &tid);
	return 0;
}

