/* The layer's shared declarations: one trapped call (struct km_call), the three outcomes of an
 * op, the pending-request table, the supervisor's global state and the helpers the ops use.
 * Concurrency: the supervisor is one thread running one poll loop; nothing here is locked. */
#ifndef KM_H
#define KM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "layer.pb-c.h"

typedef Kmirror__Layer__V1__LayerMessage KmLayerMsg;
typedef Kmirror__Layer__V1__ProxyMessage KmProxyMsg;

/* What an op decided. KM_BYPASS: the syscall runs unchanged (SECCOMP_USER_NOTIF_FLAG_CONTINUE);
 * KM_ERR: it fails with call->err; KM_OK: the op answered it (val), or will (pending/answered). */
enum km_outcome { KM_OK, KM_BYPASS, KM_ERR };

struct km_call {
	uint64_t id;          /* the notification's cookie */
	pid_t pid;            /* thread id of the caller */
	int nr;
	uint64_t args[6];
	int err;              /* KM_ERR */
	int64_t val;          /* KM_OK: return value */
	bool answered;        /* KM_OK: already answered (ADDFD with SECCOMP_ADDFD_FLAG_SEND) */
	bool pending;         /* KM_OK: a proxy request is out; the completion answers */
	const char *bypass_reason; /* KM_BYPASS: why (for debug logs and stats) */
};

typedef enum km_outcome (*km_op_fn)(struct km_call *c);

/* A call waiting for the proxy. `answer` is NULL when the proxy is gone: the completion then
 * applies the documented fallback (connects fail with ECONNREFUSED, files stay local). */
struct km_pending;
typedef enum km_outcome (*km_complete_fn)(struct km_pending *p, const KmProxyMsg *answer);
#define KM_PENDING_CTX 4400   /* room for a path */
struct km_pending {
	uint64_t req_id;
	uint64_t deadline_ms;  /* 0: none; else the completion runs with answer NULL at this time */
	struct km_call call;
	km_complete_fn complete;
	_Alignas(16) unsigned char ctx[KM_PENDING_CTX];
};

struct km_stats {
	uint64_t notifications, continued, redirected, files_served, failed, send_enoent, skipped_exe;
};

/* ---- global state (supervisor.c) ---- */
extern int km_notif_fd;
extern struct km_stats km_stats;

/* ---- supervisor.c ---- */
/* Sends `msg` (id assigned here) and parks `c` until the answer; returns KM_OK with c->pending. */
enum km_outcome km_ask_proxy(struct km_call *c, KmLayerMsg *msg, km_complete_fn done, const void *ctx, size_t ctx_len);
/* The same with a bounded wait: after `timeout_ms` the completion runs with answer NULL. */
enum km_outcome km_ask_proxy_within(struct km_call *c, KmLayerMsg *msg, km_complete_fn done, const void *ctx, size_t ctx_len, unsigned timeout_ms);
bool km_notif_valid(uint64_t id);

/* ---- proxy_conn.c ---- */
bool km_proxy_up(void);
int km_proxy_fd(void);
int km_proxy_connect(const char *path, const uint32_t *exclude_ports, size_t n_exclude);
int km_proxy_send(KmLayerMsg *msg);
/* Reads what is available; calls `on_msg` for every complete message; -1 when the proxy is gone. */
int km_proxy_read(void (*on_msg)(KmProxyMsg *m));
void km_proxy_lost(const char *why);
void km_proxy_notice_listen(int transport, const char *addr, unsigned port, pid_t pid);
/* RelayPeer: the local address of `sock`, just connected to the relay of Connect `connect_id` */
void km_proxy_notice_relay_peer(uint64_t connect_id, int sock);
void km_proxy_send_stats(void);

/* ---- policy.c ---- */
enum km_path_action { KM_PATH_LOCAL, KM_PATH_REMOTE, KM_PATH_NOT_FOUND };
void km_policy_apply_hello(const Kmirror__Layer__V1__HelloAck *ack);
void km_policy_reset(void);
void km_policy_add_exclude_ports(const uint32_t *list, size_t n);
enum km_path_action km_policy_path(const char *abs_path, bool write_intent);
void km_policy_cache_local(const char *abs_path);
bool km_policy_port_excluded(unsigned port);
bool km_policy_exe_skipped(pid_t tid);
bool km_policy_outgoing(bool udp);
bool km_policy_incoming(void);
/* The target's hostname for uname() (HelloAck), or NULL: the workstation's. */
const char *km_policy_hostname(void);
/* Some Unix socket path may be the target's (HelloAck): AF_UNIX stream connects are asked about. */
bool km_policy_unix_streams(void);
/* Some path is written in the target: close/fsync/fdatasync/exit_group are trapped. */
bool km_policy_remote_writes(void);
/* The path rules as KMIRROR_FASTPATH_RULES (fastpath.h); false when they cannot be encoded. */
bool km_policy_encode(char *out, size_t max);

/* ---- fastpath_env.c: exports the rules and the preload library for PROGRAM ---- */
void km_fastpath_export(void);

/* ---- ops/wr_ops.c: remote files opened for writing ---- */
/* Registers a remote file a program opened for writing: its slot, named in the memfd's name
 * ("kmirror-w:<slot>"), so a close of any fd of it can be recognised from /proc/PID/fd. */
int km_wfile_add(const char *path, int flags);
/* The memfd now holds the initial content: what a later write-back compares against. */
void km_wfile_filled(int slot, int mfd, size_t initial_len);
#define KM_WFILE_PREFIX "kmirror-w:"

/* ---- target_mem.c ---- */
ssize_t km_read_mem(pid_t pid, uint64_t addr, void *buf, size_t len);
ssize_t km_write_mem(pid_t pid, uint64_t addr, const void *buf, size_t len);
int km_read_path(pid_t pid, uint64_t addr, char *out, size_t max);
/* Makes `path` (relative to dirfd of `pid`) absolute and lexically normal in `out`. */
int km_abs_path(pid_t pid, int dirfd, const char *path, char *out, size_t max);
/* A duplicate of the caller's fd (same open file description), or -1. Close it after use. */
int km_grab_fd(pid_t pid, int fd);
/* The inode of the caller's socket fd (0 when it is not a socket). */
unsigned long km_sock_ino(pid_t pid, int fd);

/* ---- sock_table.c ---- */
void km_sock_remember(unsigned long ino, const struct sockaddr *peer, socklen_t len);
const struct sockaddr_storage *km_sock_peer(unsigned long ino, socklen_t *len);
bool km_sock_known(unsigned long ino);
void km_relay_remember(const struct sockaddr *remote, socklen_t rlen, const struct sockaddr *relay, socklen_t lrelay);
bool km_relay_for(const struct sockaddr *remote, struct sockaddr_storage *relay, socklen_t *len);
/* Rewrites a relay source address into the remote address it stands for; false if not a relay. */
bool km_relay_unmap(struct sockaddr_storage *addr, socklen_t *len);

/* ---- sockaddr helpers (target_mem.c) ---- */
bool km_addr_is_loopback_or_any(const struct sockaddr *sa);
/* 127.0.0.0/8, ::1 and v4-mapped 127/8 only (a wildcard address is not loopback). */
bool km_addr_is_loopback(const struct sockaddr *sa);
unsigned km_addr_port(const struct sockaddr *sa);
int km_addr_to_text(const struct sockaddr *sa, char *out, size_t max);
int km_addr_from_text(const char *text, unsigned port, bool want_v6, struct sockaddr_storage *out, socklen_t *len);

/* ---- remote_dirs.c: placeholder directories standing for remote directory listings ---- */
/* A directory holding empty placeholders named like the entries; -1 and errno on failure. */
int km_dirs_open(const char *remote_path, const Kmirror__Layer__V1__DirEntry *const *entries, size_t n);
/* A path inside a placeholder directory becomes the remote path it stands for (in place). */
void km_dirs_translate(char *path, size_t max);
void km_dirs_cleanup(void);

/* ---- log.c ---- */
enum km_log_level { KM_LOG_DEBUG, KM_LOG_INFO, KM_LOG_WARN, KM_LOG_ERROR };
extern enum km_log_level km_log_min;
void km_log(enum km_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define km_debug(...) do { if (km_log_min <= KM_LOG_DEBUG) km_log(KM_LOG_DEBUG, __VA_ARGS__); } while (0)
/* stage_trace.c: benchmark timestamps (KMIRROR_STAGE_TRACE), one branch when off */
extern int km_trace_fd;
void km_trace_open(void);
void km_trace_write(const char *stage);
#define km_trace(stage) do { if (km_trace_fd >= 0) km_trace_write(stage); } while (0)

/* ---- ops (declared from the hook table) ---- */
#define TRAP_ALWAYS 0
#define TRAP_IF_ARG(n) ((n) + 1)
#define TRAP_IF_WRITES 100   /* only when the session writes files in the target */
/* fd-based stats (glibc's fstat is newfstatat(fd, "", buf, AT_EMPTY_PATH)) have no path to
 * redirect: not trapped when flag argument n has AT_EMPTY_PATH. */
#define TRAP_UNLESS_EMPTY_PATH(n) (200 + (n))
#define HOOK(name, domain, trap) enum km_outcome km_##domain##_##name(struct km_call *c);
#include "hook_table.def"
#undef HOOK

#endif
