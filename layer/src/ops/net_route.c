/* Routing shared by connect (net_ops.c) and the sends with an address (udp_ops.c): loopback,
 * excluded ports, non-TCP/UDP sockets, disabled outgoing traffic and skipped executables continue
 * locally; a UDP destination with a cached relay goes straight to it; anything else is asked of
 * the proxy, and its answer (local, fail, or a redirect address) decides. The op that made the
 * call carries out a redirect through its `via` function. A socket that cannot be taken fails
 * closed: a pod destination must never be dialled from the workstation. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#include "net_route.h"
#include "../proxy_answer.h"

_Static_assert(sizeof(struct km_net_ctx) <= KM_PENDING_CTX, "network context fits a pending slot");

static enum km_outcome route_done(struct km_pending *p, const KmProxyMsg *a)
{
	struct km_net_ctx *x = (struct km_net_ctx *)p->ctx;
	struct km_call *c = &p->call;
	enum km_outcome o;
	km_trace("layer.answer");
	if (!a || a->body_case != KMIRROR__LAYER__V1__PROXY_MESSAGE__BODY_CONNECT) {
		o = km_fail(c, ECONNREFUSED);   /* proxy gone: the one log line was written when it went */
	} else if (a->connect->action == KMIRROR__LAYER__V1__CONNECT_ACTION__CONNECT_LOCAL) {
		o = km_bypass(c, "proxy: local");
	} else if (a->connect->action == KMIRROR__LAYER__V1__CONNECT_ACTION__CONNECT_FAIL) {
		o = km_fail(c, km_answer_errno(a->connect->errno_code, ECONNREFUSED));
	} else {
		struct sockaddr_storage to;
		socklen_t tlen;
		const Kmirror__Layer__V1__SocketAddress *r = a->connect->redirect;
		if (r && r->address && r->address[0] == '/' && strlen(r->address) < sizeof(((struct sockaddr_un *)0)->sun_path)) {
			/* a Unix socket path: the proxy's one-shot listener joined to the target's socket */
			struct sockaddr_un *un = (struct sockaddr_un *)&to;
			memset(un, 0, sizeof *un);
			un->sun_family = AF_UNIX;
			strcpy(un->sun_path, r->address);
			tlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(r->address) + 1);
			o = x->via(c, x, &to, tlen);
		} else if (!r || km_addr_from_text(r->address, r->port, x->v6, &to, &tlen)) {
			km_log(KM_LOG_WARN, "proxy sent an unusable redirect address");
			o = km_fail(c, ECONNREFUSED);
		} else {
			if (x->udp && a->connect->cacheable)
				km_relay_remember((struct sockaddr *)&x->remote, x->len, (struct sockaddr *)&to, tlen);
			o = x->via(c, x, &to, tlen);
			/* lets the proxy admit this connection by its address, without an owner lookup */
			if (!x->udp) km_proxy_notice_relay_peer(p->req_id, x->dup);
			km_trace("layer.handed");
		}
	}
	close(x->dup);
	return o;
}

static enum km_outcome route_to(struct km_call *c, int fd, const struct sockaddr_storage *remote, socklen_t len, int kind, km_net_via via)
{
	const struct sockaddr *sa = (const struct sockaddr *)remote;
	if (km_addr_is_loopback_or_any(sa)) return km_bypass(c, "loopback or not IP");
	if (km_policy_port_excluded(km_addr_port(sa))) return km_bypass(c, "excluded port");
	struct km_net_ctx x = { .kind = kind, .len = len, .remote = *remote, .v6 = sa->sa_family == AF_INET6, .via = via };
	x.dup = km_grab_fd(c->pid, fd);
	if (x.dup < 0) {   /* fail closed: a pod destination must never be dialled from the workstation */
		km_log(KM_LOG_WARN, "pid %d: cannot take socket %d (%s): connect refused", c->pid, fd, strerror(errno));
		return km_fail(c, ECONNREFUSED);
	}
	int type = 0;
	socklen_t tl = sizeof type;
	getsockopt(x.dup, SOL_SOCKET, SO_TYPE, &type, &tl);
	x.udp = type == SOCK_DGRAM;
	enum km_outcome o;
	if (type != SOCK_STREAM && type != SOCK_DGRAM) o = km_bypass(c, "not TCP/UDP");
	else if (!x.udp && kind != KM_NET_CONNECT) o = km_bypass(c, "TCP send with address");
	else if (km_proxy_up() && !km_policy_outgoing(x.udp)) o = km_bypass(c, "outgoing traffic disabled");
	else if (km_policy_exe_skipped(c->pid)) o = km_bypass(c, "skipped executable");
	else if (!km_notif_valid(c->id)) o = km_bypass(c, "call vanished");
	else {
		struct sockaddr_storage relay;
		socklen_t rlen;
		if (x.udp && km_relay_for(sa, &relay, &rlen)) {
			o = via(c, &x, &relay, rlen);
		} else {
			Kmirror__Layer__V1__SocketAddress ra = KMIRROR__LAYER__V1__SOCKET_ADDRESS__INIT;
			char text[64];
			km_addr_to_text(sa, text, sizeof text);
			ra.address = text;
			ra.port = km_addr_port(sa);
			Kmirror__Layer__V1__ConnectRequest req = KMIRROR__LAYER__V1__CONNECT_REQUEST__INIT;
			req.transport = x.udp ? KMIRROR__LAYER__V1__TRANSPORT__UDP : KMIRROR__LAYER__V1__TRANSPORT__TCP;
			req.remote = &ra;
			req.pid = (uint32_t)c->pid;
			req.ipv6 = x.v6;
			KmLayerMsg m = KMIRROR__LAYER__V1__LAYER_MESSAGE__INIT;
			m.body_case = KMIRROR__LAYER__V1__LAYER_MESSAGE__BODY_CONNECT;
			m.connect = &req;
			km_trace("layer.asked");
			return km_ask_proxy(c, &m, route_done, &x, sizeof x);   /* route_done closes dup */
		}
	}
	close(x.dup);
	return o;
}

/* A stream connect to a Unix socket path (not abstract): asked about only when the session has
 * Unix paths of the target (HelloAck.unix_streams); the proxy answers local, fail, or a redirect
 * to its own listener joined to the target's socket. */
static enum km_outcome route_unix(struct km_call *c, int fd, const struct sockaddr_storage *remote, socklen_t len, km_net_via via)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)remote;
	size_t max = len > offsetof(struct sockaddr_un, sun_path) ? len - offsetof(struct sockaddr_un, sun_path) : 0;
	if (!max || !un->sun_path[0]) return km_bypass(c, "abstract or unnamed Unix socket");
	if (!km_proxy_up() || !km_policy_unix_streams()) return km_bypass(c, "no Unix paths of the target");
	if (km_policy_exe_skipped(c->pid) || !km_notif_valid(c->id)) return km_bypass(c, "skipped executable");
	char path[sizeof un->sun_path + 1];
	memcpy(path, un->sun_path, max < sizeof un->sun_path ? max : sizeof un->sun_path);
	path[max < sizeof un->sun_path ? max : sizeof un->sun_path] = 0;
	struct km_net_ctx x = { .kind = KM_NET_CONNECT, .len = len, .remote = *remote, .via = via };
	x.dup = km_grab_fd(c->pid, fd);
	if (x.dup < 0) return km_bypass(c, "socket not takeable");
	int type = 0;
	socklen_t tl = sizeof type;
	getsockopt(x.dup, SOL_SOCKET, SO_TYPE, &type, &tl);
	if (type != SOCK_STREAM) { close(x.dup); return km_bypass(c, "Unix datagram socket"); }
	Kmirror__Layer__V1__ConnectRequest req = KMIRROR__LAYER__V1__CONNECT_REQUEST__INIT;
	req.unix_path = path;
	req.pid = (uint32_t)c->pid;
	KmLayerMsg m = KMIRROR__LAYER__V1__LAYER_MESSAGE__INIT;
	m.body_case = KMIRROR__LAYER__V1__LAYER_MESSAGE__BODY_CONNECT;
	m.connect = &req;
	return km_ask_proxy(c, &m, route_done, &x, sizeof x);   /* route_done closes dup */
}

enum km_outcome km_net_route(struct km_call *c, int fd, uint64_t addr, uint64_t len, int kind, km_net_via via)
{
	struct sockaddr_storage sa = { 0 };
	socklen_t n = len > sizeof sa ? sizeof sa : (socklen_t)len;
	if (n < sizeof(sa_family_t) || km_read_mem(c->pid, addr, &sa, n) != (ssize_t)n)
		return km_bypass(c, "address unreadable");
	if (kind == KM_NET_CONNECT) km_trace("layer.trap");
	if (sa.ss_family == AF_UNIX) return kind == KM_NET_CONNECT ? route_unix(c, fd, &sa, n, via) : km_bypass(c, "Unix datagram");
	return route_to(c, fd, &sa, n, kind, via);
}
