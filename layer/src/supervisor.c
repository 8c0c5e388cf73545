/* The supervisor loop: receives seccomp notifications, dispatches them through the table built
 * from hook_table.def, and answers (continue / value / errno). Calls that need the proxy are
 * parked in `pending` and answered when its reply arrives, so one slow answer never blocks the
 * other threads and processes of the tree. The loop ends on POLLHUP of the listener: no task
 * uses the filter any more (never by spinning on ENOENT, which also means "call vanished"). */
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "km.h"
#include "supervisor.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

int km_notif_fd = -1;
struct km_stats km_stats;

#define MAX_NR 512
static const km_op_fn ops[MAX_NR] = {
#define HOOK(name, domain, trap) [__NR_##name] = km_##domain##_##name,
#include "hook_table.def"
#undef HOOK
};

#define PENDING_SLOTS 1024
static struct km_pending *pending[PENDING_SLOTS];
static uint64_t next_req = 1;

bool km_notif_valid(uint64_t id)
{
	return ioctl(km_notif_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static void reply(struct km_call *c, enum km_outcome o)
{
	if (o == KM_OK && (c->answered || c->pending)) return;
	struct seccomp_notif_resp resp = { .id = c->id };
	if (o == KM_BYPASS) {
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		km_stats.continued++;
	} else if (o == KM_ERR) {
		resp.error = -(c->err ? c->err : EIO);
		km_stats.failed++;
	} else {
		resp.val = c->val;
	}
	if (ioctl(km_notif_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp)) {
		if (errno == ENOENT) km_stats.send_enoent++;   /* interrupted or the task is gone */
		else km_log(KM_LOG_WARN, "NOTIF_SEND: %s", strerror(errno));
	}
}

static size_t n_deadlines;   /* pending requests with a deadline (the loop only scans when > 0) */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

enum km_outcome km_ask_proxy(struct km_call *c, KmLayerMsg *msg, km_complete_fn done, const void *ctx, size_t ctx_len)
{
	return km_ask_proxy_within(c, msg, done, ctx, ctx_len, 0);
}

enum km_outcome km_ask_proxy_within(struct km_call *c, KmLayerMsg *msg, km_complete_fn done, const void *ctx, size_t ctx_len, unsigned timeout_ms)
{
	struct km_pending *p = calloc(1, sizeof *p);
	if (!p) { c->err = ENOMEM; return KM_ERR; }
	p->call = *c;
	p->complete = done;
	if (ctx_len > sizeof p->ctx) ctx_len = sizeof p->ctx;
	memcpy(p->ctx, ctx, ctx_len);
	p->req_id = next_req++;
	struct km_pending **slot = &pending[p->req_id % PENDING_SLOTS];
	msg->id = p->req_id;
	if (!km_proxy_up() || *slot || km_proxy_send(msg)) {
		enum km_outcome o = done(p, NULL);   /* the fallback, answered right away */
		*c = p->call;
		free(p);
		return o;
	}
	*slot = p;
	if (timeout_ms) { p->deadline_ms = now_ms() + timeout_ms; n_deadlines++; }
	c->pending = true;
	return KM_OK;
}

/* Takes a pending request out of its slot and answers the call with `answer` (NULL: fallback). */
static void settle(struct km_pending **slot, const KmProxyMsg *answer)
{
	struct km_pending *p = *slot;
	*slot = NULL;
	if (p->deadline_ms) n_deadlines--;
	enum km_outcome o = p->complete(p, answer);
	reply(&p->call, o);
	free(p);
}

/* Runs the fallback of requests past their deadline; returns the poll timeout until the next one. */
static int expire_deadlines(void)
{
	if (!n_deadlines) return -1;
	uint64_t now = now_ms(), next = UINT64_MAX;
	for (size_t i = 0; i < PENDING_SLOTS; i++) {
		struct km_pending *p = pending[i];
		if (!p || !p->deadline_ms) continue;
		if (p->deadline_ms <= now) settle(&pending[i], NULL);
		else if (p->deadline_ms < next) next = p->deadline_ms;
	}
	return next == UINT64_MAX ? -1 : (int)(next - now);
}

static void on_proxy_msg(KmProxyMsg *m)
{
	struct km_pending **slot = &pending[m->id % PENDING_SLOTS];
	struct km_pending *p = *slot;
	if (!p || p->req_id != m->id) return;
	settle(slot, m);
}

static void fail_all_pending(void)
{
	for (size_t i = 0; i < PENDING_SLOTS; i++) if (pending[i]) settle(&pending[i], NULL);
}

static void handle_notification(struct seccomp_notif *req, size_t req_size)
{
	memset(req, 0, req_size);
	if (ioctl(km_notif_fd, SECCOMP_IOCTL_NOTIF_RECV, req)) {
		if (errno != EINTR && errno != ENOENT) km_log(KM_LOG_WARN, "NOTIF_RECV: %s", strerror(errno));
		return;
	}
	km_stats.notifications++;
	struct km_call c = { .id = req->id, .pid = (pid_t)req->pid, .nr = req->data.nr };
	memcpy(c.args, req->data.args, sizeof c.args);
	km_op_fn fn = c.nr >= 0 && c.nr < MAX_NR ? ops[c.nr] : NULL;
	enum km_outcome o = fn ? fn(&c) : KM_BYPASS;
	if (o == KM_BYPASS && c.bypass_reason) km_debug("pid %d nr %d: continue (%s)", c.pid, c.nr, c.bypass_reason);
	reply(&c, o);
}

int km_supervise(pid_t child, int *child_status)
{
	struct seccomp_notif_sizes sz;
	if (syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz)) return -1;
	size_t req_size = sz.seccomp_notif > sizeof(struct seccomp_notif) ? sz.seccomp_notif : sizeof(struct seccomp_notif);
	struct seccomp_notif *req = calloc(1, req_size);
	if (!req) return -1;
	/* the supervisor's wake-up runs on the trapped task's CPU: removes most of the tail latency */
	ioctl(km_notif_fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	bool child_reaped = false;
	/* The direct child is reaped as soon as it exits (a zombie keeps its filter, so no POLLHUP):
	 * its pidfd turns readable then, so waitpid is not paid on every notification. */
	int child_pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	for (;;) {
		struct pollfd pf[3] = { { .fd = km_notif_fd, .events = POLLIN }, { .fd = child_pidfd, .events = POLLIN },
		                        { .fd = km_proxy_fd(), .events = POLLIN } };
		if (child_reaped || child_pidfd < 0) pf[1].fd = -1;   /* poll ignores negative fds */
		if (!km_proxy_up()) pf[2].fd = -1;
		int r = poll(pf, 3, expire_deadlines());
		bool check_child = child_pidfd < 0 ? true : (pf[1].revents & POLLIN) != 0;
		if (!child_reaped && check_child && waitpid(child, child_status, WNOHANG) == child) child_reaped = true;
		if (r < 0) {
			if (errno == EINTR) continue;
			km_log(KM_LOG_ERROR, "poll: %s", strerror(errno));
			break;
		}
		if (km_proxy_up() && (pf[2].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (km_proxy_read(on_proxy_msg) < 0) fail_all_pending();
		}
		if (pf[0].revents & POLLIN) handle_notification(req, req_size);
		else if (pf[0].revents & (POLLHUP | POLLERR)) break;   /* no task left under the filter */
	}
	free(req);
	if (child_pidfd >= 0) close(child_pidfd);
	if (!child_reaped && waitpid(child, child_status, 0) != child) *child_status = 0;
	return 0;
}
