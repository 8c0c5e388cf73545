/* Builds and installs the seccomp filter from hook_table.def: USER_NOTIF for the listed calls
 * (TRAP_IF_ARG ones only when that argument is non-zero, TRAP_UNLESS_EMPTY_PATH ones only
 * without AT_EMPTY_PATH, TRAP_IF_WRITES ones only when the
 * session's policy, known before the fork, writes files in the target), ALLOW for everything else, other
 * architectures and x32; path-based file calls carrying KM_FASTPATH_MAGIC in their unused sixth
 * argument (the preload fast path, preload/fastpath.c) are allowed. Unprivileged: PR_SET_NO_NEW_PRIVS first. */
#include "filter.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "fastpath.h"
#include "km.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

struct hook_def { int nr; int trap; };
static const struct hook_def hooks[] = {
#define HOOK(name, domain, trap) { __NR_##name, trap },
#include "hook_table.def"
#undef HOOK
};
#define N_HOOKS (sizeof hooks / sizeof hooks[0])

#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))
#define ARG_HI(n) (ARG_LO(n) + 4)

/* The path-based file calls; none of them uses its sixth argument. */
static bool fastpath_hook(int nr)
{
	switch (nr) {
	case __NR_open: case __NR_openat: case __NR_openat2: case __NR_stat: case __NR_lstat:
	case __NR_newfstatat: case __NR_statx: case __NR_access: case __NR_faccessat: case __NR_faccessat2:
		return true;
	default:
		return false;
	}
}

int km_filter_install(void)
{
	struct sock_filter f[16 + 6 * N_HOOKS];
	size_t n = 0;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	size_t arch_jump = n++;
	size_t to_allow[3 * N_HOOKS + 2], notif_jf[2 * N_HOOKS], notif_jt[N_HOOKS];
	size_t n_allow = 0, n_jf = 0, n_jt = 0;
	to_allow[n_allow++] = arch_jump;
	size_t x32_slot = n_allow++;
	/* preload fast path: a file hook whose unused args[5] is KM_FASTPATH_MAGIC is allowed */
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(5));
	size_t magic_lo = n++;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(5));
	size_t magic_hi = n++;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < N_HOOKS; i++) {
		if (!fastpath_hook(hooks[i].nr)) continue;
		to_allow[n_allow++] = n;
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, hooks[i].nr, 0, 0);  /* jt -> allow */
	}
	size_t main_start = n;
	f[magic_lo] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)KM_FASTPATH_MAGIC, 0, (uint8_t)(main_start - magic_lo - 1));
	f[magic_hi] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(KM_FASTPATH_MAGIC >> 32), 0, (uint8_t)(main_start - magic_hi - 1));
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	size_t x32_jump = n++;
	to_allow[x32_slot] = x32_jump;
	/* conditional hooks: five instructions each; only the "other syscall" path falls through */
	for (size_t i = 0; i < N_HOOKS; i++) {
		if (hooks[i].trap == TRAP_ALWAYS || hooks[i].trap == TRAP_IF_WRITES || hooks[i].trap >= TRAP_UNLESS_EMPTY_PATH(0)) continue;
		int arg = hooks[i].trap - 1;
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, hooks[i].nr, 0, 4);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(arg));
		notif_jf[n_jf++] = n;
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0);   /* jf -> notif */
		f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(arg));
		notif_jf[n_jf++] = n;
		to_allow[n_allow++] = n;
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0);   /* jt -> allow, jf -> notif */
	}
	/* fd-based stats: three instructions each; AT_EMPTY_PATH in the flags -> allow, else notif */
	for (size_t i = 0; i < N_HOOKS; i++) {
		if (hooks[i].trap < TRAP_UNLESS_EMPTY_PATH(0)) continue;
		int arg = hooks[i].trap - TRAP_UNLESS_EMPTY_PATH(0);
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, hooks[i].nr, 0, 2);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(arg));
		notif_jf[n_jf++] = n;
		to_allow[n_allow++] = n;
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, AT_EMPTY_PATH, 0, 0);  /* jt -> allow, jf -> notif */
	}
	for (size_t i = 0; i < N_HOOKS; i++) {
		bool trap = hooks[i].trap == TRAP_ALWAYS || (hooks[i].trap == TRAP_IF_WRITES && km_policy_remote_writes());
		if (!trap) continue;
		notif_jt[n_jt++] = n;
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, hooks[i].nr, 0, 0);  /* jt -> notif */
	}
	size_t allow = n;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	size_t notif = n;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);

	/* resolve the labels (relative jumps are 8 bits; the table is far below 255 instructions) */
	f[arch_jump] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, (uint8_t)(allow - arch_jump - 1));
	f[x32_jump] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, (uint8_t)(allow - x32_jump - 1), 0);
	for (size_t i = 0; i < n_jf; i++) f[notif_jf[i]].jf = (uint8_t)(notif - notif_jf[i] - 1);
	for (size_t i = 0; i < n_jt; i++) f[notif_jt[i]].jt = (uint8_t)(notif - notif_jt[i] - 1);
	for (size_t i = 2; i < n_allow; i++) f[to_allow[i]].jt = (uint8_t)(allow - to_allow[i] - 1);

	struct sock_fprog prog = { .len = (unsigned short)n, .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) return -1;
	unsigned long flags = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	int fd = (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (fd < 0 && errno == EINVAL) {   /* kernels before 5.19: signals may restart pending calls */
		flags &= ~SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
		fd = (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	}
	return fd;
}
