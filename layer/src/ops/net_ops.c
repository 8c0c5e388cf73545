/* connect, getpeername, bind, listen.
 * connect to a pod address: the supervisor takes a duplicate of the program's socket
 * (pidfd_getfd: same open file description, so O_NONBLOCK, socket options and the fd number the
 * program holds are all kept) and connects THAT to the address the proxy returns (a one-shot
 * loopback listener already joined to the agent's connection in the pod). The program's memory
 * is never written; a non-blocking socket sees EINPROGRESS as usual. getpeername answers the
 * address the program asked for (remembered by socket inode). */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>
#include "net_route.h"

static enum km_outcome connect_via(struct km_call *c, struct km_net_ctx *x, const struct sockaddr_storage *to, socklen_t tlen)
{
	int r = connect(x->dup, (const struct sockaddr *)to, tlen);
	int e = errno;
	if (r == 0 || e == EINPROGRESS) {
		km_sock_remember(km_fd_ino(x->dup), (struct sockaddr *)&x->remote, x->len);
		km_stats.redirected++;
	}
	if (r == 0) { c->val = 0; return KM_OK; }
	return km_fail(c, e);
}

enum km_outcome km_net_connect(struct km_call *c)
{
	return km_net_route(c, (int)c->args[0], c->args[1], c->args[2], KM_NET_CONNECT, connect_via);
}

enum km_outcome km_net_getpeername(struct km_call *c)
{
	socklen_t plen;
	const struct sockaddr_storage *peer = km_sock_peer(km_sock_ino(c->pid, (int)c->args[0]), &plen);
	if (!peer) return km_bypass(c, "not redirected");
	socklen_t room;
	if (km_read_mem(c->pid, c->args[2], &room, sizeof room) != sizeof room) return km_fail(c, EFAULT);
	if (km_write_mem(c->pid, c->args[1], peer, room < plen ? room : plen) < 0 ||
	    km_write_mem(c->pid, c->args[2], &plen, sizeof plen) != sizeof plen)
		return km_fail(c, EFAULT);
	c->val = 0;
	return KM_OK;
}

/* listen: the supervisor makes the program's socket listen itself (a duplicate shares the open
 * file description), then asks the proxy to subscribe the port at the agent and answers the
 * program's listen only once the subscription is active or has failed (bounded wait). So a
 * request sent right after listen() returns is already mirrored/stolen, and connections the agent
 * delivers always find the local port listening. A loopback-bound listener is subscribed like any
 * other (mirrord: unless incoming.ignore_localhost, which the proxy applies), except when the
 * kernel picked its port at bind (debuggers keep their internal ports there; no pod client knows
 * such a port). */
#define LISTEN_WAIT_MS 10000

/* Sockets bound to loopback port 0, by inode (a small ring: only recent binds matter). */
static unsigned long loopback_ephemeral[256];
static unsigned n_loopback_ephemeral;

static bool is_loopback_ephemeral(unsigned long ino)
{
	for (unsigned i = 0; i < 256; i++) if (ino && loopback_ephemeral[i] == ino) return true;
	return false;
}

struct listen_ctx { unsigned port; };

static enum km_outcome listen_done(struct km_pending *p, const KmProxyMsg *a)
{
	static bool warned;
	struct listen_ctx *x = (struct listen_ctx *)p->ctx;
	const char *why = NULL;
	if (!a) why = km_proxy_up() ? "no answer from the kmirror proxy within 10 s" : "the kmirror proxy is gone";
	else if (a->body_case != KMIRROR__LAYER__V1__PROXY_MESSAGE__BODY_LISTEN) why = "unexpected answer";
	else if (a->listen->error && a->listen->error[0]) why = a->listen->error;
	if (why) {
		km_log(warned ? KM_LOG_DEBUG : KM_LOG_WARN, "port %u listens locally only: %s", x->port, why);
		warned = true;
	}
	p->call.val = 0;
	return KM_OK;
}

enum km_outcome km_net_listen(struct km_call *c)
{
	if (!km_proxy_up() || !km_policy_incoming()) return km_bypass(c, "listen runs locally");
	int dup = km_grab_fd(c->pid, (int)c->args[0]);
	if (dup < 0) return km_bypass(c, "listen runs locally");
	int type = 0;
	socklen_t tl = sizeof type;
	struct sockaddr_storage local;
	socklen_t llen = sizeof local;
	getsockopt(dup, SOL_SOCKET, SO_TYPE, &type, &tl);
	if (type != SOCK_STREAM || getsockname(dup, (struct sockaddr *)&local, &llen) ||
	    (local.ss_family != AF_INET && local.ss_family != AF_INET6) ||
	    (km_addr_is_loopback((struct sockaddr *)&local) && is_loopback_ephemeral(km_sock_ino(c->pid, (int)c->args[0])))) {
		close(dup);
		return km_bypass(c, "listen runs locally (not TCP/IP, or loopback with a kernel-picked port)");
	}
	if (listen(dup, (int)c->args[1])) { int e = errno; close(dup); return km_fail(c, e); }
	close(dup);
	c->val = 0;
	/* port 0: an unbound socket got an ephemeral port from listen, which no client of the pod knows */
	unsigned port = km_addr_port((struct sockaddr *)&local);
	if (!port || km_policy_port_excluded(port) || km_policy_exe_skipped(c->pid)) return KM_OK;
	char text[64] = "";
	km_addr_to_text((struct sockaddr *)&local, text, sizeof text);
	Kmirror__Layer__V1__ListenNotice n = KMIRROR__LAYER__V1__LISTEN_NOTICE__INIT;
	n.transport = KMIRROR__LAYER__V1__TRANSPORT__TCP;
	n.port = port;
	n.address = text;
	n.pid = (uint32_t)c->pid;
	KmLayerMsg m = KMIRROR__LAYER__V1__LAYER_MESSAGE__INIT;
	m.body_case = KMIRROR__LAYER__V1__LAYER_MESSAGE__BODY_LISTEN;
	m.listen = &n;
	struct listen_ctx x = { .port = port };
	return km_ask_proxy_within(c, &m, listen_done, &x, sizeof x, LISTEN_WAIT_MS);
}

/* bind runs locally; a UDP socket bound to a fixed port is a UDP server: report it. The port is
 * read from the requested address, since the bind has not happened yet. */
enum km_outcome km_net_bind(struct km_call *c)
{
	struct sockaddr_storage sa = { 0 };
	socklen_t len = c->args[2] > sizeof sa ? sizeof sa : (socklen_t)c->args[2];
	if (!km_proxy_up() || !km_policy_incoming() || len < sizeof(struct sockaddr_in) ||
	    km_read_mem(c->pid, c->args[1], &sa, len) != (ssize_t)len)
		return km_bypass(c, "bind runs locally");
	unsigned port = km_addr_port((struct sockaddr *)&sa);
	if (!port && km_addr_is_loopback((struct sockaddr *)&sa))
		loopback_ephemeral[n_loopback_ephemeral++ % 256] = km_sock_ino(c->pid, (int)c->args[0]);
	if (!port || km_policy_port_excluded(port) || km_addr_is_loopback((struct sockaddr *)&sa)) return km_bypass(c, "bind runs locally");
	int dup = km_grab_fd(c->pid, (int)c->args[0]);
	if (dup < 0) return km_bypass(c, "bind runs locally");
	int type = 0;
	socklen_t tl = sizeof type;
	getsockopt(dup, SOL_SOCKET, SO_TYPE, &type, &tl);
	close(dup);
	if (type == SOCK_DGRAM && !km_policy_exe_skipped(c->pid)) {
		char text[64] = "";
		km_addr_to_text((struct sockaddr *)&sa, text, sizeof text);
		km_proxy_notice_listen(1, text, port, c->pid);
	}
	return km_bypass(c, "bind runs locally");
}
