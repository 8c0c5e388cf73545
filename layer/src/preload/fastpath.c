/* kmirror-fastpath.so: LD_PRELOAD'ed by kmirror-layer into dynamically linked programs. The libc
 * file calls a program makes on paths the session's rules keep local (system and toolchain
 * files: most of a start-up) are issued here as raw system calls carrying KM_FASTPATH_MAGIC in
 * their unused sixth argument, which the seccomp filter allows without a notification (saves the
 * supervisor round trip). Everything else (relative paths, remote or unknown paths, opens with
 * write intent) goes to the real libc function and is trapped as before: the supervisor stays
 * the only authority. No allocation and no locks on the hot path. Statically linked programs
 * (pure Go) ignore LD_PRELOAD and keep the trapped path. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "../fastpath.h"
#include "rules.h"

#define EXPORT __attribute__((visibility("default")))

/* A system call with libc's error convention (-1 and errno), issued without libc. */
static long raw6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
	if (ret < 0 && ret > -4096) { errno = (int)-ret; return -1; }
	return ret;
}
/* The untrapped form: the cookie in the sixth argument, which these calls do not use. */
static long raw(long nr, long a, long b, long c, long d, long e) { return raw6(nr, a, b, c, d, e, (long)KM_FASTPATH_MAGIC); }

/* ---- the real libc functions (resolved in the constructor; lazily if called before it) ---- */
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*open2_fn)(const char *, int);
typedef int (*openat2_fn)(int, const char *, int);
typedef int (*fstatat_fn)(int, const char *, struct stat *, int);
typedef int (*statx_fn)(int, const char *, int, unsigned, struct statx *);
typedef int (*faccessat_fn)(int, const char *, int, int);
static openat_fn real_openat;
static open2_fn real_open_2;
static openat2_fn real_openat_2;
static fstatat_fn real_fstatat;
static statx_fn real_statx;
typedef int (*xstat_fn)(int, const char *, struct stat *);
typedef int (*fxstatat_fn)(int, int, const char *, struct stat *, int);
static xstat_fn real_xstat, real_lxstat;
static fxstatat_fn real_fxstatat;
static faccessat_fn real_faccessat;

static void *resolve(void **slot, const char *name)
{
	void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (!f) { f = dlsym(RTLD_NEXT, name); __atomic_store_n(slot, f, __ATOMIC_RELEASE); }
	return f;
}
#define REAL(var, name) ((__typeof__(var))resolve((void **)&var, name))

__attribute__((constructor)) static void init(void)
{
	REAL(real_openat, "openat"); REAL(real_open_2, "__open_2"); REAL(real_openat_2, "__openat_2");
	REAL(real_fstatat, "fstatat"); REAL(real_xstat, "__xstat"); REAL(real_lxstat, "__lxstat"); REAL(real_fxstatat, "__fxstatat"); REAL(real_statx, "statx"); REAL(real_faccessat, "faccessat");
	kmfp_rules_load(getenv(KM_FASTPATH_RULES_ENV));
}

static bool write_intent(int flags) { return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC | O_APPEND)); }
static bool fast_open(const char *p, int flags) { return !write_intent(flags) && kmfp_local(p); }
static mode_t mode_arg(int flags, va_list ap) { return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0; }

static int do_openat(int dirfd, const char *p, int flags, mode_t mode)
{
	if (fast_open(p, flags)) return (int)raw(__NR_openat, dirfd, (long)p, flags, 0, 0);
	return REAL(real_openat, "openat")(dirfd, p, flags, mode);
}

EXPORT int open(const char *p, int flags, ...)
{
	va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
	return do_openat(AT_FDCWD, p, flags, m);
}
EXPORT int open64(const char *p, int flags, ...)
{
	va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
	return do_openat(AT_FDCWD, p, flags, m);
}
EXPORT int openat(int dirfd, const char *p, int flags, ...)
{
	va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
	return do_openat(dirfd, p, flags, m);
}
EXPORT int openat64(int dirfd, const char *p, int flags, ...)
{
	va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
	return do_openat(dirfd, p, flags, m);
}
/* _FORTIFY_SOURCE variants (abort on O_CREAT without a mode: left to libc) */
EXPORT int __open_2(const char *p, int flags)
{
	if (fast_open(p, flags)) return (int)raw(__NR_openat, AT_FDCWD, (long)p, flags, 0, 0);
	return REAL(real_open_2, "__open_2")(p, flags);
}
EXPORT int __open64_2(const char *p, int flags) { return __open_2(p, flags); }
EXPORT int __openat_2(int dirfd, const char *p, int flags)
{
	if (fast_open(p, flags)) return (int)raw(__NR_openat, dirfd, (long)p, flags, 0, 0);
	return REAL(real_openat_2, "__openat_2")(dirfd, p, flags);
}
EXPORT int __openat64_2(int dirfd, const char *p, int flags) { return __openat_2(dirfd, p, flags); }

static int do_fstatat(int dirfd, const char *p, void *buf, int flags)
{
	if (kmfp_local(p)) return (int)raw(__NR_newfstatat, dirfd, (long)p, (long)buf, flags, 0);
	return REAL(real_fstatat, "fstatat")(dirfd, p, buf, flags);
}
EXPORT int stat(const char *p, struct stat *b) { return do_fstatat(AT_FDCWD, p, b, 0); }
EXPORT int stat64(const char *p, struct stat64 *b) { return do_fstatat(AT_FDCWD, p, b, 0); }
EXPORT int lstat(const char *p, struct stat *b) { return do_fstatat(AT_FDCWD, p, b, AT_SYMLINK_NOFOLLOW); }
EXPORT int lstat64(const char *p, struct stat64 *b) { return do_fstatat(AT_FDCWD, p, b, AT_SYMLINK_NOFOLLOW); }
EXPORT int fstatat(int dirfd, const char *p, struct stat *b, int flags) { return do_fstatat(dirfd, p, b, flags); }
EXPORT int fstatat64(int dirfd, const char *p, struct stat64 *b, int flags) { return do_fstatat(dirfd, p, b, flags); }

EXPORT int statx(int dirfd, const char *p, int flags, unsigned mask, struct statx *b)
{
	if (kmfp_local(p)) return (int)raw(__NR_statx, dirfd, (long)p, flags, mask, (long)b);
	return REAL(real_statx, "statx")(dirfd, p, flags, mask, b);
}

EXPORT int access(const char *p, int mode)
{
	if (kmfp_local(p)) return (int)raw(__NR_access, (long)p, mode, 0, 0, 0);
	return REAL(real_faccessat, "faccessat")(AT_FDCWD, p, mode, 0);
}
EXPORT int faccessat(int dirfd, const char *p, int mode, int flags)
{
	if (!flags && kmfp_local(p)) return (int)raw(__NR_faccessat, dirfd, (long)p, mode, 0, 0);
	return REAL(real_faccessat, "faccessat")(dirfd, p, mode, flags);
}

/* The pre-2.33 stat ABI (programs built against older glibc, e.g. the Node.js binaries):
 * versions 0 and 1 are the kernel's struct stat on x86_64. */
EXPORT int __xstat(int ver, const char *p, struct stat *b)
{
	if (ver <= 1 && ver >= 0 && kmfp_local(p)) return (int)raw(__NR_newfstatat, AT_FDCWD, (long)p, (long)b, 0, 0);
	return REAL(real_xstat, "__xstat")(ver, p, b);
}
EXPORT int __xstat64(int ver, const char *p, struct stat *b) { return __xstat(ver, p, b); }
EXPORT int __lxstat(int ver, const char *p, struct stat *b)
{
	if (ver <= 1 && ver >= 0 && kmfp_local(p)) return (int)raw(__NR_newfstatat, AT_FDCWD, (long)p, (long)b, AT_SYMLINK_NOFOLLOW, 0);
	return REAL(real_lxstat, "__lxstat")(ver, p, b);
}
EXPORT int __lxstat64(int ver, const char *p, struct stat *b) { return __lxstat(ver, p, b); }
EXPORT int __fxstatat(int ver, int dirfd, const char *p, struct stat *b, int flags)
{
	if (ver <= 1 && ver >= 0 && kmfp_local(p)) return (int)raw(__NR_newfstatat, dirfd, (long)p, (long)b, flags, 0);
	return REAL(real_fxstatat, "__fxstatat")(ver, dirfd, p, b, flags);
}
EXPORT int __fxstatat64(int ver, int dirfd, const char *p, struct stat *b, int flags) { return __fxstatat(ver, dirfd, p, b, flags); }

/* syscall(2): libuv (Node.js) stats through syscall(__NR_statx, ...). The path-based file calls
 * on local paths get the cookie; every other call is passed on unchanged (libc's syscall()
 * is the same instruction with the same error convention). */
EXPORT long syscall(long nr, ...)
{
	va_list ap;
	va_start(ap, nr);
	long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
	long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
	va_end(ap);
	switch (nr) {
	case __NR_statx: case __NR_newfstatat: case __NR_faccessat:
		if (kmfp_local((const char *)b)) return raw(nr, a, b, c, d, e);
		break;
	case __NR_openat:
		if (fast_open((const char *)b, (int)c)) return raw(nr, a, b, c, d, e);
		break;
	case __NR_open:
		if (fast_open((const char *)a, (int)b)) return raw(nr, a, b, c, d, e);
		break;
	case __NR_stat: case __NR_lstat: case __NR_access:
		if (kmfp_local((const char *)a)) return raw(nr, a, b, c, d, e);
		break;
	}
	return raw6(nr, a, b, c, d, e, f);
}
