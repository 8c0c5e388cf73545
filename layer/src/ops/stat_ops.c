/* stat, lstat, newfstatat, statx, access, faccessat, faccessat2 for paths the rules mark remote:
 * the proxy answers with the target's stat; the supervisor writes a struct stat / struct statx
 * into the caller's buffer (access only needs existence). Local paths continue untouched. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "../km.h"
#include "path_common.h"

enum stat_kind { KIND_STAT, KIND_STATX, KIND_ACCESS };

struct stat_ctx { int kind; uint64_t buf; char path[PATH_MAX_LEN]; };
_Static_assert(sizeof(struct stat_ctx) <= KM_PENDING_CTX, "stat context fits a pending slot");

static enum km_outcome bypass(struct km_call *c, const char *why) { c->bypass_reason = why; return KM_BYPASS; }

static void ms_to_ts(int64_t ms, int64_t *sec, uint32_t *nsec)
{
	*sec = ms / 1000;
	*nsec = (uint32_t)((ms % 1000) * 1000000);
}

static int write_stat(struct km_call *c, uint64_t buf, const Kmirror__Layer__V1__FileStat *s)
{
	struct stat st = { 0 };
	st.st_dev = (dev_t)s->dev; st.st_ino = (ino_t)s->ino; st.st_nlink = (nlink_t)s->nlink;
	st.st_mode = s->mode; st.st_uid = s->uid; st.st_gid = s->gid;
	st.st_size = (off_t)s->size; st.st_blksize = 4096; st.st_blocks = (blkcnt_t)((s->size + 511) / 512);
	int64_t sec; uint32_t ns;
	ms_to_ts(s->atime_ms, &sec, &ns); st.st_atim.tv_sec = sec; st.st_atim.tv_nsec = ns;
	ms_to_ts(s->mtime_ms, &sec, &ns); st.st_mtim.tv_sec = sec; st.st_mtim.tv_nsec = ns;
	ms_to_ts(s->ctime_ms, &sec, &ns); st.st_ctim.tv_sec = sec; st.st_ctim.tv_nsec = ns;
	return km_write_mem(c->pid, buf, &st, sizeof st) == sizeof st ? 0 : -1;
}

static int write_statx(struct km_call *c, uint64_t buf, const Kmirror__Layer__V1__FileStat *s)
{
	struct statx sx = { 0 };
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_blksize = 4096; sx.stx_nlink = (uint32_t)s->nlink; sx.stx_uid = s->uid; sx.stx_gid = s->gid;
	sx.stx_mode = (uint16_t)s->mode; sx.stx_ino = s->ino; sx.stx_size = s->size; sx.stx_blocks = (s->size + 511) / 512;
	int64_t sec; uint32_t ns;
	ms_to_ts(s->atime_ms, &sec, &ns); sx.stx_atime.tv_sec = sec; sx.stx_atime.tv_nsec = ns;
	ms_to_ts(s->mtime_ms, &sec, &ns); sx.stx_mtime.tv_sec = sec; sx.stx_mtime.tv_nsec = ns;
	ms_to_ts(s->ctime_ms, &sec, &ns); sx.stx_ctime.tv_sec = sec; sx.stx_ctime.tv_nsec = ns;
	sx.stx_dev_major = major(s->dev); sx.stx_dev_minor = minor(s->dev);
	return km_write_mem(c->pid, buf, &sx, sizeof sx) == sizeof sx ? 0 : -1;
}

static enum km_outcome stat_done(struct km_pending *p, const KmProxyMsg *a)
{
	struct stat_ctx *x = (struct stat_ctx *)p->ctx;
	struct km_call *c = &p->call;
	if (!a || a->body_case != KMIRROR__LAYER__V1__PROXY_MESSAGE__BODY_STAT) return bypass(c, "no proxy: local file");
	const Kmirror__Layer__V1__StatAnswer *s = a->stat;
	if (s->action == KMIRROR__LAYER__V1__FILE_ACTION__FILE_FAIL) { c->err = s->errno_code ? s->errno_code : EIO; return KM_ERR; }
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
