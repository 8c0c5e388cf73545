/* sendto / sendmsg / sendmmsg with a destination address (UDP to the pod: DNS and others).
 * The datagram is sent by the supervisor on a duplicate of the program's socket to the proxy's
 * relay for that destination; the program's buffers are only read. The socket is remembered so
 * that replies (which come from the relay) are shown with the pod address (recv_ops.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "net_route.h"

#define MAX_BATCH 64

static bool same_name(const struct sockaddr_storage *a, socklen_t alen, const struct sockaddr_storage *b, socklen_t blen)
{
	return alen == blen && !memcmp(a, b, alen);
}

/* Copies one struct msghdr's payload and control data out of the program and sends it. */
static ssize_t send_msghdr(pid_t pid, int dup, const struct msghdr *m, const struct sockaddr *to, socklen_t tlen, int flags)
{
	size_t n_iov = 0, total = 0;
	struct iovec *riov = km_read_iovecs(pid, m, &n_iov, &total);
	unsigned char *data = malloc(KM_MAX_DGRAM);
	unsigned char control[KM_MAX_CONTROL];
	ssize_t rc = -1;
	errno = EFAULT;
	if (!riov || !data) goto out;
	if (total > KM_MAX_DGRAM) { errno = EMSGSIZE; goto out; }
	struct iovec local = { data, total };
	if (total && process_vm_readv(pid, &local, 1, riov, n_iov, 0) != (ssize_t)total) goto out;
	size_t clen = m->msg_controllen > KM_MAX_CONTROL ? KM_MAX_CONTROL : m->msg_controllen;
	if (clen && km_read_mem(pid, (uint64_t)(uintptr_t)m->msg_control, control, clen) != (ssize_t)clen) goto out;
	struct msghdr out = { .msg_name = (void *)to, .msg_namelen = to ? tlen : 0, .msg_iov = &local, .msg_iovlen = 1,
	                      .msg_control = clen ? control : NULL, .msg_controllen = clen };
	rc = sendmsg(dup, &out, flags | MSG_DONTWAIT | MSG_NOSIGNAL);
out:
	free(riov);
	free(data);
	return rc;
}

static ssize_t send_batch(struct km_call *c, struct km_net_ctx *x, const struct sockaddr_storage *to, socklen_t tlen)
{
	unsigned vlen = c->args[2] > MAX_BATCH ? MAX_BATCH : (unsigned)c->args[2];
	unsigned sent = 0;
	for (; sent < vlen; sent++) {
		struct mmsghdr mm;
		uint64_t at = c->args[1] + sent * sizeof mm;
		if (km_read_mem(c->pid, at, &mm, sizeof mm) != sizeof mm) break;
		struct sockaddr_storage name;
		socklen_t nlen = mm.msg_hdr.msg_namelen > sizeof name ? sizeof name : mm.msg_hdr.msg_namelen;
		const struct sockaddr *dest = NULL;
		socklen_t dlen = 0;
		if (mm.msg_hdr.msg_name && nlen) {
			if (km_read_mem(c->pid, (uint64_t)(uintptr_t)mm.msg_hdr.msg_name, &name, nlen) != (ssize_t)nlen) break;
			dest = (struct sockaddr *)&name;
			dlen = nlen;
			if (same_name(&name, nlen, &x->remote, x->len)) dest = (const struct sockaddr *)to, dlen = tlen;
		}
		ssize_t r = send_msghdr(c->pid, x->dup, &mm.msg_hdr, dest, dlen, (int)c->args[3]);
		if (r < 0) { if (!sent) return -1; break; }
		unsigned len = (unsigned)r;
		km_write_mem(c->pid, at + offsetof(struct mmsghdr, msg_len), &len, sizeof len);
	}
	return sent;
}

static enum km_outcome send_via(struct km_call *c, struct km_net_ctx *x, const struct sockaddr_storage *to, socklen_t tlen)
{
	ssize_t r;
	if (x->kind == KM_NET_SENDTO) {
		size_t len = c->args[2] > KM_MAX_DGRAM ? KM_MAX_DGRAM : c->args[2];
		unsigned char *buf = malloc(len ? len : 1);
		if (!buf) return km_fail(c, ENOMEM);
		if (len && km_read_mem(c->pid, c->args[1], buf, len) != (ssize_t)len) { free(buf); return km_fail(c, EFAULT); }
		r = sendto(x->dup, buf, len, (int)c->args[3] | MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)to, tlen);
		free(buf);
	} else if (x->kind == KM_NET_SENDMSG) {
		struct msghdr m;
		if (km_read_mem(c->pid, c->args[1], &m, sizeof m) != sizeof m) return km_fail(c, EFAULT);
		r = send_msghdr(c->pid, x->dup, &m, (const struct sockaddr *)to, tlen, (int)c->args[2]);
	} else {
		r = send_batch(c, x, to, tlen);
	}
	if (r < 0) return km_fail(c, errno);
	unsigned long ino = km_fd_ino(x->dup);
	if (!km_sock_known(ino)) km_sock_remember(ino, NULL, 0);
	km_stats.redirected++;
	c->val = r;
	return KM_OK;
}

enum km_outcome km_udp_sendto(struct km_call *c)
{
	return km_net_route(c, (int)c->args[0], c->args[4], c->args[5], KM_NET_SENDTO, send_via);
}

/* Routes on the destination of the message (sendmsg) or of the first message (sendmmsg). */
static enum km_outcome route_msghdr(struct km_call *c, uint64_t msghdr_addr, int kind)
{
	struct msghdr m;
	if (km_read_mem(c->pid, msghdr_addr, &m, sizeof m) != sizeof m) return km_bypass(c, "message unreadable");
	if (!m.msg_name || !m.msg_namelen) return km_bypass(c, "no destination");
	return km_net_route(c, (int)c->args[0], (uint64_t)(uintptr_t)m.msg_name, m.msg_namelen, kind, send_via);
}

enum km_outcome km_udp_sendmsg(struct km_call *c) { return route_msghdr(c, c->args[1], KM_NET_SENDMSG); }

enum km_outcome km_udp_sendmmsg(struct km_call *c)
{
	if (!c->args[2]) return km_bypass(c, "empty batch");
	return route_msghdr(c, c->args[1], KM_NET_SENDMMSG);
}
