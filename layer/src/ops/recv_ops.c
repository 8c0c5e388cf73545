/* recvfrom / recvmsg / recvmmsg on sockets the layer redirected: replies arrive from the
 * proxy's relay, but the program (glibc's resolver, c-ares, dig) checks that they come from the
 * address it sent to. The supervisor receives the datagram itself on a duplicate of the socket
 * and writes it back with the relay's address replaced by the pod address. Sockets the layer
 * never touched continue untouched. A blocking socket with nothing queued continues too (the
 * supervisor must not block): such a program sees the relay's address. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "net_common.h"


/* Receives one datagram for the msghdr at `addr` in the program; returns the byte count. */
static ssize_t recv_into(struct km_call *c, int dup, uint64_t addr, int flags, bool *would_block)
{
	struct msghdr m;
	if (km_read_mem(c->pid, addr, &m, sizeof m) != sizeof m) { errno = EFAULT; return -1; }
	size_t n_iov = 0, room = 0;
	struct iovec *riov = km_read_iovecs(c->pid, &m, &n_iov, &room);
	unsigned char *data = malloc(KM_MAX_DGRAM);
	unsigned char control[KM_MAX_CONTROL];
	ssize_t rc = -1;
	errno = EFAULT;
	if (!riov || !data) goto out;
	if (room > KM_MAX_DGRAM) room = KM_MAX_DGRAM;
	struct sockaddr_storage from;
	struct iovec local = { data, room };
	struct msghdr in = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &local, .msg_iovlen = 1,
	                     .msg_control = m.msg_controllen ? control : NULL,
	                     .msg_controllen = m.msg_controllen > KM_MAX_CONTROL ? KM_MAX_CONTROL : m.msg_controllen };
	rc = recvmsg(dup, &in, flags | MSG_DONTWAIT);
	if (rc < 0) { *would_block = errno == EAGAIN; goto out; }
	size_t copy = (size_t)rc < room ? (size_t)rc : room;
	struct iovec back = { data, copy };
	if (copy && process_vm_writev(c->pid, &back, 1, riov, n_iov, 0) != (ssize_t)copy) { rc = -1; errno = EFAULT; goto out; }
	socklen_t flen = in.msg_namelen;
	km_relay_unmap(&from, &flen);
	if (m.msg_name && m.msg_namelen)
		km_write_mem(c->pid, (uint64_t)(uintptr_t)m.msg_name, &from, m.msg_namelen < flen ? m.msg_namelen : flen);
	m.msg_namelen = flen;
	if (in.msg_controllen) km_write_mem(c->pid, (uint64_t)(uintptr_t)m.msg_control, control, in.msg_controllen);
	m.msg_controllen = in.msg_controllen;
	m.msg_flags = in.msg_flags;
	km_write_mem(c->pid, addr, &m, sizeof m);
out:
	free(riov);
	free(data);
	return rc;
}

/* Common frame: only redirected sockets; EAGAIN on a blocking socket continues in the kernel. */
static enum km_outcome emulate(struct km_call *c, int fd, int flags, ssize_t (*op)(struct km_call *, int, bool *))
{
	if (!km_sock_known(km_sock_ino(c->pid, fd))) return km_bypass(c, "not redirected");
	int dup = km_grab_fd(c->pid, fd);
	if (dup < 0) return km_bypass(c, "socket not reachable");
	bool would_block = false;
	ssize_t r = op(c, dup, &would_block);
	int e = errno;
	bool blocking = !(fcntl(dup, F_GETFL) & O_NONBLOCK) && !(flags & MSG_DONTWAIT);
	close(dup);
	if (r < 0 && would_block && blocking) return km_bypass(c, "blocking receive with nothing queued");
	if (r < 0) return km_fail(c, e);
	c->val = r;
	return KM_OK;
}

static ssize_t op_recvfrom(struct km_call *c, int dup, bool *would_block)
{
	size_t room = c->args[2] > KM_MAX_DGRAM ? KM_MAX_DGRAM : c->args[2];
	unsigned char *buf = malloc(room ? room : 1);
	if (!buf) { errno = ENOMEM; return -1; }
	struct sockaddr_storage from;
	socklen_t flen = sizeof from;
	ssize_t r = recvfrom(dup, buf, room, (int)c->args[3] | MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
	if (r < 0) { *would_block = errno == EAGAIN; free(buf); return -1; }
	size_t copy = (size_t)r < room ? (size_t)r : room;
	if (copy && km_write_mem(c->pid, c->args[1], buf, copy) != (ssize_t)copy) { free(buf); errno = EFAULT; return -1; }
	free(buf);
	km_relay_unmap(&from, &flen);
	socklen_t space;
	if (c->args[5] && km_read_mem(c->pid, c->args[5], &space, sizeof space) == sizeof space) {
		km_write_mem(c->pid, c->args[4], &from, space < flen ? space : flen);
		km_write_mem(c->pid, c->args[5], &flen, sizeof flen);
	}
	return r;
}

static ssize_t op_recvmsg(struct km_call *c, int dup, bool *would_block)
{
	return recv_into(c, dup, c->args[1], (int)c->args[2], would_block);
}

/* recvmmsg: the first datagram only (a valid partial result); the program asks again for more. */
static ssize_t op_recvmmsg(struct km_call *c, int dup, bool *would_block)
{
	ssize_t r = recv_into(c, dup, c->args[1], (int)c->args[3] & ~MSG_WAITFORONE, would_block);
	if (r < 0) return -1;
	unsigned len = (unsigned)r;
	km_write_mem(c->pid, c->args[1] + offsetof(struct mmsghdr, msg_len), &len, sizeof len);
	return 1;
}

enum km_outcome km_recv_recvfrom(struct km_call *c) { return emulate(c, (int)c->args[0], (int)c->args[3], op_recvfrom); }
enum km_outcome km_recv_recvmsg(struct km_call *c) { return emulate(c, (int)c->args[0], (int)c->args[2], op_recvmsg); }
enum km_outcome km_recv_recvmmsg(struct km_call *c)
{
	if (!c->args[2]) return km_bypass(c, "empty batch");
	return emulate(c, (int)c->args[0], (int)c->args[3], op_recvmmsg);
}
