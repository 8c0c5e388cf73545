/* Helpers shared by the network ops (net_ops.c, udp_ops.c, recv_ops.c, net_route.c). */
#ifndef KM_NET_COMMON_H
#define KM_NET_COMMON_H
#include <sys/stat.h>
#include "../km.h"

struct km_net_ctx;
/* Carries out a redirect: connect or send the parked call on `x->dup` to `to` (net_route.h). */
typedef enum km_outcome (*km_net_via)(struct km_call *c, struct km_net_ctx *x, const struct sockaddr_storage *to, socklen_t tlen);

/* Context of a parked connect/send while the proxy decides. */
struct km_net_ctx {
	int dup;                          /* the program's socket (shared open file description) */
	int kind;                         /* KM_NET_CONNECT, KM_NET_SENDTO, KM_NET_SENDMSG, KM_NET_SENDMMSG */
	bool udp, v6;
	socklen_t len;
	struct sockaddr_storage remote;   /* what the program asked for */
	km_net_via via;                   /* the op's own connect or send */
};
enum { KM_NET_CONNECT, KM_NET_SENDTO, KM_NET_SENDMSG, KM_NET_SENDMMSG };

/* Bounds of what the supervisor copies out of a program's message (payload, iovecs, control data). */
#define KM_MAX_DGRAM 65536
#define KM_MAX_IOV 1024
#define KM_MAX_CONTROL 4096

/* The program's iovec array of `m` (at most KM_MAX_IOV entries) copied into a calloc'ed array the
 * caller frees; *n_iov and *total (the sum of the lengths) are set. NULL with errno EFAULT on failure. */
struct iovec *km_read_iovecs(pid_t pid, const struct msghdr *m, size_t *n_iov, size_t *total);

static inline enum km_outcome km_bypass(struct km_call *c, const char *why) { c->bypass_reason = why; return KM_BYPASS; }
static inline enum km_outcome km_fail(struct km_call *c, int err) { c->err = err; return KM_ERR; }

/* Inode of a socket the supervisor holds (the key of the socket table). */
static inline unsigned long km_fd_ino(int fd)
{
	struct stat st;
	return fstat(fd, &st) ? 0 : (unsigned long)st.st_ino;
}
#endif
