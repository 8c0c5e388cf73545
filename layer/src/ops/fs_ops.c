/* open / openat / openat2. The path is made absolute (cwd or dirfd of the caller) and checked
 * against the path rules: local paths continue untouched (the common case, no round trip);
 * remote ones are asked of the proxy, which answers with the file's bytes from the target's
 * root; the supervisor puts them in a memfd and installs it as the result of the open
 * (SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND: installs and answers atomically). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../km.h"
#include "../proxy_answer.h"
#include "path_common.h"


struct open_ctx { int flags; char path[PATH_MAX_LEN]; };
_Static_assert(sizeof(struct open_ctx) <= KM_PENDING_CTX, "open context fits a pending slot");

static enum km_outcome bypass(struct km_call *c, const char *why) { c->bypass_reason = why; return KM_BYPASS; }

/* Installs `fd` in the caller as the open's result and answers the call (atomically); closes `fd`.
 * ENOENT: the call was interrupted meanwhile, nothing to answer. */
static enum km_outcome answer_with_fd(struct km_call *c, int fd, int flags)
{
	struct seccomp_notif_addfd af = { .id = c->id, .flags = SECCOMP_ADDFD_FLAG_SEND, .srcfd = (uint32_t)fd,
	                                  .newfd_flags = (flags & O_CLOEXEC) ? O_CLOEXEC : 0 };
	int r = ioctl(km_notif_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &af);
	int e = errno;
	close(fd);
	if (r < 0 && e != ENOENT) { c->err = e; return KM_ERR; }
	if (r < 0) km_stats.send_enoent++;
	else km_stats.files_served++;
	c->answered = true;
	return KM_OK;
}

/* Writes `len` bytes into a fresh memfd and installs it in the caller as the open's result. */
static enum km_outcome answer_with_content(struct km_call *c, const char *path, int flags, const uint8_t *data, size_t len)
{
	const char *base = strrchr(path, '/');
	char name[64];
	bool write_intent = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC | O_APPEND));
	int slot = write_intent ? km_wfile_add(path, flags) : -1;
	if (write_intent && slot < 0) { c->err = ENOMEM; return KM_ERR; }
	if (slot >= 0) snprintf(name, sizeof name, KM_WFILE_PREFIX "%d", slot);
	else snprintf(name, sizeof name, "kmirror:%.50s", base ? base + 1 : path);
	int mfd = memfd_create(name, MFD_CLOEXEC);
	if (mfd < 0) { c->err = errno; return KM_ERR; }
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(mfd, data + off, len - off);
		if (w <= 0) { int e = errno; close(mfd); c->err = e ? e : EIO; return KM_ERR; }
		off += (size_t)w;
	}
	lseek(mfd, 0, SEEK_SET);
	if (slot >= 0) {
		km_wfile_filled(slot, mfd, len);
		if (flags & O_APPEND) fcntl(mfd, F_SETFL, O_APPEND);   /* the open file description is shared */
	}
	return answer_with_fd(c, mfd, flags);
}

/* A directory of the target: an fd of a placeholder directory listing its entries. */
static enum km_outcome answer_with_dir(struct km_call *c, const char *path, int flags, const Kmirror__Layer__V1__OpenAnswer *o)
{
	int dfd = km_dirs_open(path, (const Kmirror__Layer__V1__DirEntry *const *)o->entries, o->n_entries);
	if (dfd < 0) { c->err = errno ? errno : EIO; return KM_ERR; }
	return answer_with_fd(c, dfd, flags);
}

static enum km_outcome open_done(struct km_pending *p, const KmProxyMsg *a)
{
	struct open_ctx *x = (struct open_ctx *)p->ctx;
	struct km_call *c = &p->call;
	if (!a || a->body_case != KMIRROR__LAYER__V1__PROXY_MESSAGE__BODY_OPEN) return bypass(c, "no proxy: local file");
	const Kmirror__Layer__V1__OpenAnswer *o = a->open;
	if (o->action == KMIRROR__LAYER__V1__FILE_ACTION__FILE_CONTENT)
		return answer_with_content(c, x->path, x->flags, o->content.data, o->content.len);
	if (o->action == KMIRROR__LAYER__V1__FILE_ACTION__FILE_DIRECTORY) return answer_with_dir(c, x->path, x->flags, o);
	if (o->action == KMIRROR__LAYER__V1__FILE_ACTION__FILE_FAIL) { c->err = km_answer_errno(o->errno_code, EIO); return KM_ERR; }
	if (o->cache_local) km_policy_cache_local(x->path);
	return bypass(c, "proxy: local");
}

static enum km_outcome open_path(struct km_call *c, int dirfd, uint64_t path_addr, uint64_t flags)
{
	struct open_ctx x;
	if (flags & O_PATH) return bypass(c, "O_PATH");
	bool write_intent = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC | O_APPEND));
	enum km_outcome o = km_remote_path(c, dirfd, path_addr, write_intent, x.path, sizeof x.path);
	if (o != KM_OK) return o;
	x.flags = (int)flags;
	Kmirror__Layer__V1__OpenRequest req = KMIRROR__LAYER__V1__OPEN_REQUEST__INIT;
	req.path = x.path;
	req.flags = (int32_t)flags;
	req.pid = (uint32_t)c->pid;
	KmLayerMsg m = KMIRROR__LAYER__V1__LAYER_MESSAGE__INIT;
	m.body_case = KMIRROR__LAYER__V1__LAYER_MESSAGE__BODY_OPEN;
	m.open = &req;
	return km_ask_proxy(c, &m, open_done, &x, offsetof(struct open_ctx, path) + strlen(x.path) + 1);
}

enum km_outcome km_fs_open(struct km_call *c) { return open_path(c, AT_FDCWD, c->args[0], c->args[1]); }
enum km_outcome km_fs_openat(struct km_call *c) { return open_path(c, (int)c->args[0], c->args[1], c->args[2]); }

enum km_outcome km_fs_openat2(struct km_call *c)
{
	struct open_how how = { 0 };
	size_t len = c->args[3] < sizeof how ? c->args[3] : sizeof how;
	if (len < sizeof how.flags || km_read_mem(c->pid, c->args[2], &how, len) != (ssize_t)len) return bypass(c, "open_how unreadable");
	return open_path(c, (int)c->args[0], c->args[1], how.flags);
}
