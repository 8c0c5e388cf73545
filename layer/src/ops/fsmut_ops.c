/* mkdir, mkdirat, rmdir, unlink, unlinkat, rename, renameat, renameat2, statfs of paths the rules
 * make the target's: done in the target by the agent (FsChangeRequest → the proxy → FsMkdir/
 * FsRemove/FsRename/FsStatfsRequest), the program gets the target's errno. Changes use the
 * write-intent decision (read_write patterns, `write` mode), statfs the read one. A rename between
 * a target path and a local one is EXDEV (as across file systems; mv then copies). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/statfs.h>
#include "../km.h"
#include "net_common.h"
#include "path_common.h"
#include "../proxy_answer.h"

struct fsmut_ctx { int op; uint64_t buf; };

static enum km_outcome fsmut_done(struct km_pending *p, const KmProxyMsg *a)
{
	struct fsmut_ctx *x = (struct fsmut_ctx *)p->ctx;
	struct km_call *c = &p->call;
	if (!a || a->body_case != KMIRROR__LAYER__V1__PROXY_MESSAGE__BODY_FS_CHANGE) return km_bypass(c, "no proxy: local path");
	const Kmirror__Layer__V1__FsChangeAnswer *r = a->fs_change;
	if (r->local) return km_bypass(c, "proxy: local");
	if (r->errno_code) return km_fail(c, km_answer_errno(r->errno_code, EIO));
	if (x->op == KMIRROR__LAYER__V1__FS_OP__FS_STATFS) {
		if (!r->statfs) return km_fail(c, EIO);
		struct statfs st;
		km_answer_statfs(r->statfs, &st);
		if (km_write_mem(c->pid, x->buf, &st, sizeof st) != (ssize_t)sizeof st) return km_fail(c, EFAULT);
	}
	km_stats.files_served++;
	c->val = 0;
	return KM_OK;
}

static enum km_outcome ask(struct km_call *c, int op, const char *path, const char *path2, unsigned mode, bool no_replace, uint64_t buf)
{
	Kmirror__Layer__V1__FsChangeRequest req = KMIRROR__LAYER__V1__FS_CHANGE_REQUEST__INIT;
	req.op = op;
	req.path = (char *)path;
	req.path2 = (char *)(path2 ? path2 : "");
	req.mode = mode;
	req.no_replace = no_replace;
	req.pid = (uint32_t)c->pid;
	KmLayerMsg m = KMIRROR__LAYER__V1__LAYER_MESSAGE__INIT;
	m.body_case = KMIRROR__LAYER__V1__LAYER_MESSAGE__BODY_FS_CHANGE;
	m.fs_change = &req;
	struct fsmut_ctx x = { .op = op, .buf = buf };
	return km_ask_proxy(c, &m, fsmut_done, &x, sizeof x);
}

static enum km_outcome one_path(struct km_call *c, int op, int dirfd, uint64_t path_addr, unsigned mode, uint64_t buf)
{
	char path[PATH_MAX_LEN];
	enum km_outcome o = km_remote_path(c, dirfd, path_addr, op != KMIRROR__LAYER__V1__FS_OP__FS_STATFS, path, sizeof path);
	if (o != KM_OK) return o;
	return ask(c, op, path, NULL, mode, false, buf);
}

static enum km_outcome rename_paths(struct km_call *c, int olddir, uint64_t old_addr, int newdir, uint64_t new_addr, unsigned flags)
{
	char from[PATH_MAX_LEN], to[PATH_MAX_LEN];
	enum km_outcome a = km_remote_path(c, olddir, old_addr, true, from, sizeof from);
	if (a == KM_ERR) return a;
	const char *why = c->bypass_reason;
	enum km_outcome b = km_remote_path(c, newdir, new_addr, true, to, sizeof to);
	if (b == KM_ERR) return b;
	if (a != KM_OK && b != KM_OK) { c->bypass_reason = why; return KM_BYPASS; }
	if (a != KM_OK || b != KM_OK) return km_fail(c, EXDEV);
	if (flags & ~(unsigned)RENAME_NOREPLACE) return km_fail(c, EINVAL);   /* RENAME_EXCHANGE/WHITEOUT: not in the target */
	return ask(c, KMIRROR__LAYER__V1__FS_OP__FS_RENAME, from, to, 0, flags & RENAME_NOREPLACE, 0);
}

enum km_outcome km_fsmut_mkdir(struct km_call *c) { return one_path(c, KMIRROR__LAYER__V1__FS_OP__FS_MKDIR, AT_FDCWD, c->args[0], (unsigned)c->args[1], 0); }
enum km_outcome km_fsmut_mkdirat(struct km_call *c) { return one_path(c, KMIRROR__LAYER__V1__FS_OP__FS_MKDIR, (int)c->args[0], c->args[1], (unsigned)c->args[2], 0); }
enum km_outcome km_fsmut_rmdir(struct km_call *c) { return one_path(c, KMIRROR__LAYER__V1__FS_OP__FS_RMDIR, AT_FDCWD, c->args[0], 0, 0); }
enum km_outcome km_fsmut_unlink(struct km_call *c) { return one_path(c, KMIRROR__LAYER__V1__FS_OP__FS_UNLINK, AT_FDCWD, c->args[0], 0, 0); }
enum km_outcome km_fsmut_unlinkat(struct km_call *c)
{
	int op = (c->args[2] & AT_REMOVEDIR) ? KMIRROR__LAYER__V1__FS_OP__FS_RMDIR : KMIRROR__LAYER__V1__FS_OP__FS_UNLINK;
	return one_path(c, op, (int)c->args[0], c->args[1], 0, 0);
}
enum km_outcome km_fsmut_rename(struct km_call *c) { return rename_paths(c, AT_FDCWD, c->args[0], AT_FDCWD, c->args[1], 0); }
enum km_outcome km_fsmut_renameat(struct km_call *c) { return rename_paths(c, (int)c->args[0], c->args[1], (int)c->args[2], c->args[3], 0); }
enum km_outcome km_fsmut_renameat2(struct km_call *c) { return rename_paths(c, (int)c->args[0], c->args[1], (int)c->args[2], c->args[3], (unsigned)c->args[4]); }
enum km_outcome km_fsmut_statfs(struct km_call *c) { return one_path(c, KMIRROR__LAYER__V1__FS_OP__FS_STATFS, AT_FDCWD, c->args[0], 0, c->args[1]); }
