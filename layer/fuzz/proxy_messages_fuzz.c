/* libFuzzer target: the supervisor's decoding of what the local proxy sends (layer/README.md).
 * One input = one byte choosing how the stream is cut into reads, then the stream. It runs the
 * production code the supervisor runs on those bytes, without seccomp or a program: framing and
 * protobuf-c unpack (proxy_frames.c), HelloAck → policy (policy.c: rules, regexes, the path
 * cache, the preload encoding), and every answer field turned into what a program would get
 * (proxy_answer.c, km_addr_from_text). Invariants beyond "no sanitizer report": an errno handed to
 * the kernel is in 1..4095, times are normalised, entry names are single path components. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include "km.h"
#include "proxy_answer.h"
#include "proxy_frames.h"

/* supervisor.c's globals (the seccomp loop itself is not linked) */
struct km_stats km_stats;
int km_notif_fd = -1;

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static void check_errno(int32_t code)
{
	int e = km_answer_errno(code, EIO);
	CHECK(e >= 1 && e <= 4095);
	CHECK(-e < 0);   /* what reply() sends as resp.error */
}

static void check_ts(long nsec) { CHECK(nsec >= 0 && nsec < 1000000000L); }

static void on_hello(const Kmirror__Layer__V1__HelloAck *ack)
{
	static const char *paths[] = { "/", "/etc/hosts", "/tmp/x", "/usr/lib/x.so.1", "/proc/self/status", "/var/run/secrets/a", "/home/u/.cache" };
	km_policy_reset();
	km_policy_apply_hello(ack);
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		enum km_path_action a = km_policy_path(paths[i], i & 1);
		CHECK(a == KM_PATH_LOCAL || a == KM_PATH_REMOTE || a == KM_PATH_NOT_FOUND);
		CHECK(km_policy_path(paths[i], i & 1) == a);   /* the cache answers as the rules did */
	}
	char enc[8192];
	if (km_policy_encode(enc, sizeof enc)) CHECK(strlen(enc) < sizeof enc);
	const char *h = km_policy_hostname();
	if (h) CHECK(strlen(h) <= 64);
	(void)km_policy_port_excluded(53);
}

static void on_connect(const Kmirror__Layer__V1__ConnectAnswer *c)
{
	check_errno(c->errno_code);
	const Kmirror__Layer__V1__SocketAddress *r = c->redirect;
	if (!r || !r->address) return;
	if (r->address[0] == '/' && strlen(r->address) < sizeof(((struct sockaddr_un *)0)->sun_path)) return;
	struct sockaddr_storage to;
	socklen_t len;
	for (int v6 = 0; v6 < 2; v6++)
		if (!km_addr_from_text(r->address, r->port, v6, &to, &len)) CHECK(len <= sizeof to && (to.ss_family == AF_INET || to.ss_family == AF_INET6));
}

static void on_stat(const Kmirror__Layer__V1__FileStat *s)
{
	struct stat st;
	struct statx sx;
	km_answer_stat(s, &st);
	km_answer_statx(s, &sx);
	check_ts(st.st_atim.tv_nsec); check_ts(st.st_mtim.tv_nsec); check_ts(st.st_ctim.tv_nsec);
	check_ts(sx.stx_atime.tv_nsec); check_ts(sx.stx_mtime.tv_nsec); check_ts(sx.stx_ctime.tv_nsec);
}

static void on_open(const Kmirror__Layer__V1__OpenAnswer *o)
{
	check_errno(o->errno_code);
	unsigned sum = 0;   /* the content is read whole into a memfd: every byte must be addressable */
	for (size_t i = 0; i < o->content.len; i++) sum += o->content.data[i];
	(void)sum;
	for (size_t i = 0; i < o->n_entries; i++) {
		const char *n = o->entries[i]->name;
		if (km_answer_entry_name_ok(n)) CHECK(!strchr(n, '/') && strcmp(n, ".") && strcmp(n, ".."));
	}
}

static void on_message(const KmProxyMsg *m)
{
	switch (m->body_case) {
	case KMIRROR__LAYER__V1__PROXY_MESSAGE__BODY_HELLO_ACK: on_hello(m->hello_ack); break;
	case KMIRROR__LAYER__V1__PROXY_MESSAGE__BODY_CONNECT: on_connect(m->connect); break;
	case KMIRROR__LAYER__V1__PROXY_MESSAGE__BODY_OPEN: on_open(m->open); break;
	case KMIRROR__LAYER__V1__PROXY_MESSAGE__BODY_STAT:
		check_errno(m->stat->errno_code);
		if (m->stat->stat) on_stat(m->stat->stat);
		break;
	case KMIRROR__LAYER__V1__PROXY_MESSAGE__BODY_LISTEN: break;
	case KMIRROR__LAYER__V1__PROXY_MESSAGE__BODY_WRITE: check_errno(m->write->errno_code); break;
	case KMIRROR__LAYER__V1__PROXY_MESSAGE__BODY_FS_CHANGE:
		check_errno(m->fs_change->errno_code);
		if (m->fs_change->statfs) { struct statfs st; km_answer_statfs(m->fs_change->statfs, &st); }
		break;
	default: break;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	km_log_min = KM_LOG_ERROR + 1;   /* the warnings for refused patterns would flood the run */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1) return 0;
	size_t step = 1 + (size_t)data[0] * 16;   /* 1..4081 bytes per read */
	data++, size--;
	struct km_frames f = { 0 };
	for (size_t off = 0; off < size;) {
		size_t n = size - off < step ? size - off : step;
		CHECK(km_frames_reserve(&f, n) == 0);
		memcpy(f.buf + f.len, data + off, n);
		f.len += n;
		off += n;
		KmProxyMsg *m;
		int t;
		while ((t = km_frames_take(&f, &m)) == 1) {
			on_message(m);
			kmirror__layer__v1__proxy_message__free_unpacked(m, NULL);
		}
		if (t < 0) break;   /* the supervisor drops the proxy here ("malformed frame") */
		CHECK(f.cap <= (size_t)size + (8u << 20));   /* memory follows the bytes, not a claimed length */
	}
	km_frames_free(&f);
	km_policy_reset();
	return 0;
}
