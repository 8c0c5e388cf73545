/* layer --requests/notices--> local proxy, over the session's unix socket.
 * Frames: varint length + one LayerMessage / ProxyMessage (protobuf-c, from layer.proto);
 * the proxy's are decoded by proxy_frames.c.
 * Writes are blocking (messages are small and the proxy always reads); reads are non-blocking
 * and accumulate in `in` until a whole frame is there (file contents can be large).
 * When the proxy is gone the layer keeps running: km_proxy_up() turns false, one log line says
 * so, and the callers apply their fallbacks. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "km.h"
#include "proxy_frames.h"

#define HELLO_TIMEOUT_MS 5000

static int fd = -1;
static struct km_frames in;

bool km_proxy_up(void) { return fd >= 0; }
int km_proxy_fd(void) { return fd; }

void km_proxy_lost(const char *why)
{
	if (fd < 0) return;
	close(fd);
	fd = -1;
	km_log(KM_LOG_ERROR, "lost the kmirror local proxy (%s): connections to the target now fail with ECONNREFUSED, files are local", why);
}

int km_proxy_send(KmLayerMsg *msg)
{
	if (fd < 0) return -1;
	size_t len = kmirror__layer__v1__layer_message__get_packed_size(msg);
	unsigned char stack[512];
	unsigned char *buf = len + 10 <= sizeof stack ? stack : malloc(len + 10);
	if (!buf) return -1;
	size_t h = 0;
	size_t v = len;
	do { buf[h++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)); v >>= 7; } while (v);
	kmirror__layer__v1__layer_message__pack(msg, buf + h);
	size_t total = h + len, off = 0;
	int rc = 0;
	while (off < total) {
		ssize_t w = send(fd, buf + off, total - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR) continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			poll(&p, 1, 1000);
			continue;
		}
		if (w <= 0) { km_proxy_lost(strerror(errno)); rc = -1; break; }
		off += (size_t)w;
	}
	if (buf != stack) free(buf);
	return rc;
}

int km_proxy_read(void (*on_msg)(KmProxyMsg *m))
{
	for (;;) {
		if (fd < 0) return -1;
		if (km_frames_reserve(&in, 65536)) { km_proxy_lost("out of memory"); return -1; }
		ssize_t r = recv(fd, in.buf + in.len, in.cap - in.len, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0 && errno == EAGAIN) return 0;
		if (r <= 0) { km_proxy_lost(r == 0 ? "connection closed" : strerror(errno)); return -1; }
		in.len += (size_t)r;
		KmProxyMsg *m;
		int t;
		while ((t = km_frames_take(&in, &m)) == 1) {
			on_msg(m);
			kmirror__layer__v1__proxy_message__free_unpacked(m, NULL);
		}
		if (t < 0) { km_proxy_lost("malformed frame"); return -1; }
	}
}

static bool acked;
static void keep_hello(KmProxyMsg *m)
{
	if (m->body_case == KMIRROR__LAYER__V1__PROXY_MESSAGE__BODY_HELLO_ACK && !acked) {
		km_policy_apply_hello(m->hello_ack);
		acked = true;
	}
}

/* Connects, says Hello and applies the HelloAck's policy (bounded wait). */
int km_proxy_connect(const char *path, const uint32_t *exclude_ports, size_t n_exclude)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path) { km_log(KM_LOG_ERROR, "proxy socket path too long: %s", path); return -1; }
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
		km_log(KM_LOG_ERROR, "cannot reach the kmirror local proxy at %s (%s): connections to the target will fail with ECONNREFUSED, files are local",
		       path, strerror(errno));
		if (fd >= 0) close(fd);
		fd = -1;
		return -1;
	}
	Kmirror__Layer__V1__Hello hello = KMIRROR__LAYER__V1__HELLO__INIT;
	hello.protocol_version = 1;
	hello.pid = (uint32_t)getpid();
	hello.exclude_ports = (uint32_t *)exclude_ports;
	hello.n_exclude_ports = n_exclude;
	KmLayerMsg msg = KMIRROR__LAYER__V1__LAYER_MESSAGE__INIT;
	msg.body_case = KMIRROR__LAYER__V1__LAYER_MESSAGE__BODY_HELLO;
	msg.hello = &hello;
	if (km_proxy_send(&msg)) return -1;
	int waited = 0;
	while (!acked && waited < HELLO_TIMEOUT_MS) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int pr = poll(&p, 1, 100);
		waited += 100;
		if (pr <= 0) continue;
		if (km_proxy_read(keep_hello) < 0) return -1;
	}
	if (!acked) { km_proxy_lost("no HelloAck within 5 s"); return -1; }
	return 0;
}

void km_proxy_notice_listen(int transport, const char *addr, unsigned port, pid_t pid)
{
	Kmirror__Layer__V1__ListenNotice n = KMIRROR__LAYER__V1__LISTEN_NOTICE__INIT;
	n.transport = (Kmirror__Layer__V1__Transport)transport;
	n.port = port;
	n.address = (char *)addr;
	n.pid = (uint32_t)pid;
	KmLayerMsg msg = KMIRROR__LAYER__V1__LAYER_MESSAGE__INIT;
	msg.body_case = KMIRROR__LAYER__V1__LAYER_MESSAGE__BODY_LISTEN;
	msg.listen = &n;
	km_proxy_send(&msg);
}

void km_proxy_notice_relay_peer(uint64_t connect_id, int sock)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof local;
	char text[64] = "";
	if (getsockname(sock, (struct sockaddr *)&local, &len) || km_addr_to_text((struct sockaddr *)&local, text, sizeof text)) return;
	Kmirror__Layer__V1__RelayPeer r = KMIRROR__LAYER__V1__RELAY_PEER__INIT;
	r.connect_id = connect_id;
	r.address = text;
	r.port = km_addr_port((struct sockaddr *)&local);
	KmLayerMsg msg = KMIRROR__LAYER__V1__LAYER_MESSAGE__INIT;
	msg.body_case = KMIRROR__LAYER__V1__LAYER_MESSAGE__BODY_RELAY_PEER;
	msg.relay_peer = &r;
	km_proxy_send(&msg);
}

void km_proxy_send_stats(void)
{
	Kmirror__Layer__V1__LayerStats s = KMIRROR__LAYER__V1__LAYER_STATS__INIT;
	s.notifications = km_stats.notifications; s.continued = km_stats.continued;
	s.redirected = km_stats.redirected; s.files_served = km_stats.files_served;
	s.failed = km_stats.failed; s.send_enoent = km_stats.send_enoent; s.skipped_exe = km_stats.skipped_exe;
	KmLayerMsg msg = KMIRROR__LAYER__V1__LAYER_MESSAGE__INIT;
	msg.body_case = KMIRROR__LAYER__V1__LAYER_MESSAGE__BODY_STATS;
	msg.stats = &s;
	km_proxy_send(&msg);
}
