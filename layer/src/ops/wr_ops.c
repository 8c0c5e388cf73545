/* Remote files opened for writing (`write` mode, `read_write` lists). The open gave the program a
 * memfd named "kmirror-w:<slot>" holding the file's content; its content goes back to the target
 * when the program closes or syncs an fd of it, replaces it with dup2/dup3, and at exit_group
 * for the fds still open (the kernel closes those without a close call). These calls are trapped only in sessions that write
 * in the target; the hot path (a close of any other fd) is one readlink of /proc/PID/fd/N.
 * Every write-back sends the whole content (memfd timestamps are too coarse to tell "unchanged"),
 * except for an O_APPEND open without O_TRUNC, which sends only the bytes past what the target
 * already has (nothing when there are none). The close itself always continues: a failed
 * write-back is logged, never an fd leaked. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "net_common.h"
#include "../proxy_answer.h"

#define WSLOTS 1024
#define MAX_WRITE_BYTES (64u << 20)
#define WRITE_WAIT_MS 30000

struct wfile {
	char *path;
	bool append;             /* send only the bytes past `base` */
	uint64_t base;           /* bytes the target has (append) */
};
static struct wfile wfiles[WSLOTS];
static unsigned next_wslot;

int km_wfile_add(const char *path, int flags)
{
	int slot = (int)(next_wslot++ % WSLOTS);
	struct wfile *w = &wfiles[slot];
	free(w->path);
	memset(w, 0, sizeof *w);
	w->path = strdup(path);
	if (!w->path) return -1;
	w->append = (flags & O_APPEND) && !(flags & O_TRUNC);
	return slot;
}

void km_wfile_filled(int slot, int mfd, size_t initial_len)
{
	(void)mfd;
	wfiles[slot].base = initial_len;
}

/* The slot of a tracked memfd behind the caller's fd, or -1 (the common case: any other fd). */
static int tracked_slot(pid_t pid, int fd)
{
	char link[64], target[96];
	snprintf(link, sizeof link, "/proc/%d/fd/%d", pid, fd);
	ssize_t n = readlink(link, target, sizeof target - 1);
	static const char prefix[] = "/memfd:" KM_WFILE_PREFIX;
	if (n < (ssize_t)sizeof prefix || strncmp(target, prefix, sizeof prefix - 1)) return -1;
	target[n] = 0;
	char *end;
	unsigned long slot = strtoul(target + sizeof prefix - 1, &end, 10);
	return end != target + sizeof prefix - 1 && slot < WSLOTS && wfiles[slot].path ? (int)slot : -1;
}

struct wb_ctx { int slot; bool side; uint64_t size; };

static enum km_outcome write_back_done(struct km_pending *p, const KmProxyMsg *a)
{
	struct wb_ctx *x = (struct wb_ctx *)p->ctx;
	struct wfile *w = &wfiles[x->slot];
	int err = !a ? EIO : a->body_case != KMIRROR__LAYER__V1__PROXY_MESSAGE__BODY_WRITE ? EIO
	          : a->write->errno_code ? km_answer_errno(a->write->errno_code, EIO) : 0;
	if (err) {
		km_log(KM_LOG_WARN, "writing %s back to the target failed: %s", w->path ? w->path : "?", strerror(err));
	} else if (w->append) {
		w->base = x->size;
	}
	if (x->side) { p->call.answered = true; return KM_OK; }   /* another call waits on the last one */
	return km_bypass(&p->call, "close/sync continues");
}

/* Sends the memfd's content for the caller's `fd` (tracked in `slot`); the call is parked until
 * the proxy answers when `park`, else the request is sent without waiting (id still set). */
static enum km_outcome write_back(struct km_call *c, int fd, int slot, bool park)
{
	struct wfile *w = &wfiles[slot];
	int dup = km_grab_fd(c->pid, fd);
	struct stat st;
	if (dup < 0 || fstat(dup, &st)) { if (dup >= 0) close(dup); return km_bypass(c, "write-back: fd vanished"); }
	uint64_t size = (uint64_t)st.st_size;
	bool append = w->append && size >= w->base;
	uint64_t from = append ? w->base : 0;
	if (append && size == from) { close(dup); return km_bypass(c, "write-back: nothing appended"); }
	if (size - from > MAX_WRITE_BYTES) {
		close(dup);
		km_log(KM_LOG_ERROR, "%s: %llu bytes are more than the %u-byte write-back limit; not written to the target",
		       w->path, (unsigned long long)(size - from), MAX_WRITE_BYTES);
		return km_bypass(c, "write-back: too large");
	}
	uint8_t *buf = malloc(size - from + 1);
	size_t got = 0;
	while (buf && got < size - from) {
		ssize_t r = pread(dup, buf + got, size - from - got, (off_t)(from + got));
		if (r <= 0) break;
		got += (size_t)r;
	}
	close(dup);
	if (!buf) return km_bypass(c, "write-back: out of memory");
	Kmirror__Layer__V1__WriteRequest req = KMIRROR__LAYER__V1__WRITE_REQUEST__INIT;
	req.path = w->path;
	req.content.data = buf;
	req.content.len = got;
	req.append = append;
	req.pid = (uint32_t)c->pid;
	KmLayerMsg m = KMIRROR__LAYER__V1__LAYER_MESSAGE__INIT;
	m.body_case = KMIRROR__LAYER__V1__LAYER_MESSAGE__BODY_WRITE;
	m.write = &req;
	struct wb_ctx x = { .slot = slot, .side = !park, .size = from + got };
	enum km_outcome o;
	if (park) {
		o = km_ask_proxy_within(c, &m, write_back_done, &x, sizeof x, WRITE_WAIT_MS);
	} else {
		struct km_call side = *c;   /* its completion answers nothing: only the slot is updated */
		km_ask_proxy_within(&side, &m, write_back_done, &x, sizeof x, WRITE_WAIT_MS);
		o = KM_OK;
	}
	free(buf);
	return o;
}

static enum km_outcome on_fd(struct km_call *c)
{
	int slot = tracked_slot(c->pid, (int)c->args[0]);
	if (slot < 0) return km_bypass(c, "not a remote file opened for writing");
	if (!km_proxy_up()) return km_bypass(c, "no proxy: not written to the target");
	return write_back(c, (int)c->args[0], slot, true);
}

enum km_outcome km_wr_close(struct km_call *c) { return on_fd(c); }

/* dup2/dup3 onto a tracked fd close it implicitly (a shell restoring stdout after a redirection). */
enum km_outcome km_wr_dup2(struct km_call *c)
{
	if (c->args[0] == c->args[1]) return km_bypass(c, "same fd");
	struct km_call onto = *c;   /* the fd being replaced, as if closed */
	onto.args[0] = c->args[1];
	enum km_outcome o = on_fd(&onto);
	onto.args[0] = c->args[0];
	*c = onto;
	return o;
}
enum km_outcome km_wr_dup3(struct km_call *c) { return km_wr_dup2(c); }
enum km_outcome km_wr_fsync(struct km_call *c) { return on_fd(c); }
enum km_outcome km_wr_fdatasync(struct km_call *c) { return on_fd(c); }

/* The process ends: every tracked fd it still holds is written back; the exit waits for the last. */
enum km_outcome km_wr_exit_group(struct km_call *c)
{
	if (!km_proxy_up()) return km_bypass(c, "no proxy");
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/fd", c->pid);
	DIR *d = opendir(dir);
	if (!d) return km_bypass(c, "fd table unreadable");
	int fds[64], n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 64) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
		int fd = atoi(e->d_name);
		if (tracked_slot(c->pid, fd) >= 0) fds[n++] = fd;
	}
	closedir(d);
	for (int i = 0; i + 1 < n; i++) {
		struct km_call side = *c;
		write_back(&side, fds[i], tracked_slot(c->pid, fds[i]), false);
	}
	if (!n) return km_bypass(c, "no remote file open for writing");
	return write_back(c, fds[n - 1], tracked_slot(c->pid, fds[n - 1]), true);
}
