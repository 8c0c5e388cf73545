/* Access to the trapped program: its memory (process_vm_readv/writev, same uid, no privilege),
 * its fds (pidfd_getfd gives a duplicate sharing the open file description), paths made
 * absolute against its cwd or dirfd, and sockaddr helpers. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "km.h"


ssize_t km_read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = { buf, len }, r = { (void *)(uintptr_t)addr, len };
	return process_vm_readv(pid, &l, 1, &r, 1, 0);
}

ssize_t km_write_mem(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec l = { (void *)buf, len }, r = { (void *)(uintptr_t)addr, len };
	return process_vm_writev(pid, &l, 1, &r, 1, 0);
}

/* Reads a NUL-terminated string page by page so that a string ending just before an unmapped
 * page is still read. */
int km_read_path(pid_t pid, uint64_t addr, char *out, size_t max)
{
	size_t got = 0;
	if (!addr) return -1;
	while (got < max - 1) {
		size_t page_left = 4096 - ((addr + got) & 4095);
		size_t n = page_left < max - 1 - got ? page_left : max - 1 - got;
		ssize_t r = km_read_mem(pid, addr + got, out + got, n);
		if (r <= 0) return -1;
		char *nul = memchr(out + got, 0, (size_t)r);
		if (nul) return 0;
		got += (size_t)r;
	}
	return -1;   /* longer than PATH_MAX: let the kernel answer ENAMETOOLONG */
}

/* Collapses "//", "/./" and "/../" lexically (symlinks are not followed: the rules are about
 * names, and the program's own path is what users write patterns for). */
static void normalise(char *p)
{
	char *out = p, *in = p;
	while (*in) {
		while (in[0] == '/' && in[1] == '/') in++;
		if (in[0] == '/' && in[1] == '.' && (in[2] == '/' || in[2] == 0)) { in += 2; continue; }
		if (in[0] == '/' && in[1] == '.' && in[2] == '.' && (in[3] == '/' || in[3] == 0)) {
			in += 3;
			while (out > p && *--out != '/') {}
			continue;
		}
		*out++ = *in++;
	}
	if (out == p) *out++ = '/';
	*out = 0;
}

int km_abs_path(pid_t pid, int dirfd, const char *path, char *out, size_t max)
{
	if (path[0] == '/') {
		if (strlen(path) >= max) return -1;
		strcpy(out, path);
	} else {
		char link[64];
		if (dirfd == AT_FDCWD) snprintf(link, sizeof link, "/proc/%d/cwd", pid);
		else snprintf(link, sizeof link, "/proc/%d/fd/%d", pid, dirfd);
		ssize_t n = readlink(link, out, max - 1);
		if (n <= 0 || out[0] != '/') return -1;
		size_t plen = strlen(path);
		if ((size_t)n + 1 + plen >= max) return -1;
		out[n] = '/';
		memcpy(out + n + 1, path, plen + 1);
	}
	normalise(out);
	km_dirs_translate(out, max);   /* relative to a placeholder of a remote directory */
	return 0;
}

/* The thread group of a thread id (notifications carry the calling thread's id). */
static pid_t tgid_of(pid_t tid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/status", tid);
	int f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0) return -1;
	ssize_t n = read(f, buf, sizeof buf - 1);
	close(f);
	if (n <= 0) return -1;
	buf[n] = 0;
	char *t = strstr(buf, "\nTgid:");
	return t ? (pid_t)strtol(t + 6, NULL, 10) : -1;
}

int km_grab_fd(pid_t pid, int fd)
{
	int pidfd = (int)syscall(__NR_pidfd_open, pid, 0);
	if (pidfd < 0 && (errno == EINVAL || errno == ENOENT)) {   /* not a thread-group leader: use its process */
		pid_t tgid = tgid_of(pid);
		if (tgid > 0) pidfd = (int)syscall(__NR_pidfd_open, tgid, 0);
	}
	if (pidfd < 0) return -1;
	int dup = (int)syscall(__NR_pidfd_getfd, pidfd, fd, 0);
	close(pidfd);
	return dup;
}

unsigned long km_sock_ino(pid_t pid, int fd)
{
	char link[64], target[64];
	snprintf(link, sizeof link, "/proc/%d/fd/%d", pid, fd);
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (n <= 8) return 0;
	target[n] = 0;
	if (strncmp(target, "socket:[", 8)) return 0;
	return strtoul(target + 8, NULL, 10);
}

bool km_addr_is_loopback_or_any(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		uint32_t a = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
		return (a >> 24) == 127 || a == 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a)) return true;
		if (IN6_IS_ADDR_V4MAPPED(a)) return a->s6_addr[12] == 127 || !memcmp(a->s6_addr + 12, "\0\0\0\0", 4);
		return false;
	}
	return true;   /* AF_UNIX, AF_NETLINK, AF_UNSPEC...: never the pod's */
}

bool km_addr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family != AF_INET6) return false;
	const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
}

unsigned km_addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6) return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

/* Textual address; a v4-mapped IPv6 address is written as plain IPv4 (what the pod dials). */
int km_addr_to_text(const struct sockaddr *sa, char *out, size_t max)
{
	if (sa->sa_family == AF_INET)
		return inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)max) ? 0 : -1;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a)) return inet_ntop(AF_INET, a->s6_addr + 12, out, (socklen_t)max) ? 0 : -1;
		return inet_ntop(AF_INET6, a, out, (socklen_t)max) ? 0 : -1;
	}
	return -1;
}

/* Builds a sockaddr for `text:port` in the family the program's socket uses (IPv4 text on an
 * AF_INET6 socket becomes v4-mapped). */
int km_addr_from_text(const char *text, unsigned port, bool want_v6, struct sockaddr_storage *out, socklen_t *len)
{
	memset(out, 0, sizeof *out);
	struct in_addr v4;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;
	if (inet_pton(AF_INET, text, &v4) == 1) {
		if (!want_v6) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)out;
			s4->sin_family = AF_INET; s4->sin_port = htons((uint16_t)port); s4->sin_addr = v4;
			*len = sizeof *s4;
			return 0;
		}
		s6->sin6_family = AF_INET6; s6->sin6_port = htons((uint16_t)port);
		s6->sin6_addr.s6_addr[10] = 0xff; s6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(s6->sin6_addr.s6_addr + 12, &v4, 4);
		*len = sizeof *s6;
		return 0;
	}
	if (!want_v6 || inet_pton(AF_INET6, text, &s6->sin6_addr) != 1) return -1;
	s6->sin6_family = AF_INET6; s6->sin6_port = htons((uint16_t)port);
	*len = sizeof *s6;
	return 0;
}
