/* stat, lstat, newfstatat, statx, access, faccessat, faccessat2 for paths the rules mark remote:
 * the proxy answers with the target's stat; the supervisor writes a struct stat / struct statx
 * into the caller's buffer (access only needs existence). Local paths continue untouched. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include "../km.h"
#include "path_common.h"
#include "../proxy_answer.h"

enum stat_kind { KIND_STAT, KIND_STATX, KIND_ACCESS };

struct stat_ctx { int kind; uint64_t buf; char path[PATH_MAX_LEN]; };
_Static_assert(sizeof(struct stat_ctx) <= KM_PENDING_CTX, "stat context fits a pending slot");

static enum km_outcome bypass(struct km_call *c, const char *why) { c->bypass_reason = why; return KM_BYPASS; }

static int write_stat(struct km_call *c, uint64_t buf, const Kmirror__Layer__V1__FileStat *s)
{
	struct stat st;
	km_answer_stat(s, &st);
	return km_write_mem(c->pid, buf, &st, sizeof st) == sizeof st ? 0 : -1;
}

static int write_statx(struct km_call *c, uint64_t buf, const Kmirror__Layer__V1__FileStat *s)
{
	struct statx sx;
	km_answer_statx(s, &sx);
	return km_write_mem(c->pid, buf, &sx, sizeof sx) == sizeof sx ? 0 : -1;
}

static enum km_outcome stat_done(struct km_pending *p, const KmProxyMsg *a)
{
	struct stat_ctx *x = (struct stat_ctx *)p->ctx;
	struct km_call *c = &p->call;
	if (!a || a->body_case != KMIRROR__LAYER__V1__PROXY_MESSAGE__BODY_STAT) return bypass(c, "no proxy: local file");
	const Kmirror__Layer__V1__StatAnswer *s = a->stat;
	if (s->action == KMIRROR__LAYER__V1__FILE_ACTION__FILE_FAIL) { c->err = km_answer_errno(s->errno_code, EIO); return KM_ERR; }
	if (s->action != KMIRROR__LAYER__V1__FILE_ACTION__FILE_CONTENT || !s->stat) {
		if (s->cache_local) km_policy_cache_local(x->path);
		return bypass(c, "proxy: local");
	}
	int r = 0;
	if (x->kind == KIND_STAT) r = write_stat(c, x->buf, s->stat);
	else if (x->kind == KIND_STATX) r = write_statx(c, x->buf, s->stat);
	if (r) { c->err = EFAULT; return KM_ERR; }
	km_stats.files_served++;
	c->val = 0;
	return KM_OK;
}

static enum km_outcome stat_path(struct km_call *c, int dirfd, uint64_t path_addr, bool no_follow, int kind, uint64_t buf)
{
	struct stat_ctx x = { .kind = kind, .buf = buf };
	enum km_outcome o = km_remote_path(c, dirfd, path_addr, false, x.path, sizeof x.path);
	if (o != KM_OK) return o;
	Kmirror__Layer__V1__StatRequest req = KMIRROR__LAYER__V1__STAT_REQUEST__INIT;
	req.path = x.path;
	req.no_follow = no_follow;
	req.pid = (uint32_t)c->pid;
	KmLayerMsg m = KMIRROR__LAYER__V1__LAYER_MESSAGE__INIT;
	m.body_case = KMIRROR__LAYER__V1__LAYER_MESSAGE__BODY_STAT;
	m.stat = &req;
	return km_ask_proxy(c, &m, stat_done, &x, offsetof(struct stat_ctx, path) + strlen(x.path) + 1);
}

enum km_outcome km_stat_stat(struct km_call *c) { return stat_path(c, AT_FDCWD, c->args[0], false, KIND_STAT, c->args[1]); }
enum km_outcome km_stat_lstat(struct km_call *c) { return stat_path(c, AT_FDCWD, c->args[0], true, KIND_STAT, c->args[1]); }
enum km_outcome km_stat_newfstatat(struct km_call *c)
{
	return stat_path(c, (int)c->args[0], c->args[1], c->args[3] & AT_SYMLINK_NOFOLLOW, KIND_STAT, c->args[2]);
}
enum km_outcome km_stat_statx(struct km_call *c)
{
	return stat_path(c, (int)c->args[0], c->args[1], c->args[2] & AT_SYMLINK_NOFOLLOW, KIND_STATX, c->args[4]);
}
enum km_outcome km_stat_access(struct km_call *c) { return stat_path(c, AT_FDCWD, c->args[0], false, KIND_ACCESS, 0); }
enum km_outcome km_stat_faccessat(struct km_call *c) { return stat_path(c, (int)c->args[0], c->args[1], false, KIND_ACCESS, 0); }
enum km_outcome km_stat_faccessat2(struct km_call *c)
{
	return stat_path(c, (int)c->args[0], c->args[1], c->args[3] & AT_SYMLINK_NOFOLLOW, KIND_ACCESS, 0);
}
