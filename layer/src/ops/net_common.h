/* Helpers shared by the network ops (net_ops.c, udp_ops.c, recv_ops.c). */
#ifndef KM_NET_COMMON_H
#define KM_NET_COMMON_H
#include "../km.h"

/* Context of a parked connect/send while the proxy decides. */
struct km_net_ctx {
	int dup;                          /* the program's socket (shared open file description) */
	int kind;                         /* KM_NET_CONNECT, KM_NET_SENDTO, KM_NET_SENDMSG, KM_NET_SENDMMSG */
	bool udp, v6;
	socklen_t len;
	struct sockaddr_storage remote;   /* what the program asked for */
};
enum { KM_NET_CONNECT, KM_NET_SENDTO, KM_NET_SENDMSG, KM_NET_SENDMMSG };

static inline enum km_outcome km_bypass(struct km_call *c, const char *why) { c->bypass_reason = why; return KM_BYPASS; }
static inline enum km_outcome km_fail(struct km_call *c, int err) { c->err = err; return KM_ERR; }

/* Decides whether a destination is the pod's and, if so, asks the proxy or uses a cached relay;
 * then runs `redirect` (connect or send through the relay/proxy address). */
enum km_outcome km_net_route(struct km_call *c, int fd, const struct sockaddr_storage *remote, socklen_t len, int kind);
/* Carries out a redirect for a parked or cached call (defined by net_ops.c / udp_ops.c). */
enum km_outcome km_net_connect_via(struct km_call *c, struct km_net_ctx *x, const struct sockaddr_storage *to, socklen_t tlen);
enum km_outcome km_udp_send_via(struct km_call *c, struct km_net_ctx *x, const struct sockaddr_storage *to, socklen_t tlen);
unsigned long km_fd_ino(int fd);
#endif
