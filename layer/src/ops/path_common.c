/* Shared front half of the path-taking ops (see path_common.h). */
#include "path_common.h"
#include <errno.h>

static enum km_outcome local(struct km_call *c, const char *why) { c->bypass_reason = why; return KM_BYPASS; }

enum km_outcome km_remote_path(struct km_call *c, int dirfd, uint64_t path_addr, bool write_intent, char *out, size_t out_len)
{
	char path[PATH_MAX_LEN];
	if (km_read_path(c->pid, path_addr, path, sizeof path) || !path[0]) return local(c, "empty or unreadable path");
	if (km_abs_path(c->pid, dirfd, path, out, out_len)) return local(c, "path not resolvable");
	switch (km_policy_path(out, write_intent)) {
	case KM_PATH_LOCAL: return local(c, "local path");
	case KM_PATH_NOT_FOUND: c->err = ENOENT; return KM_ERR;
	case KM_PATH_REMOTE: break;
	}
	if (!km_proxy_up()) return local(c, "no proxy: local file");
	if (km_policy_exe_skipped(c->pid)) return local(c, "skipped executable");
	if (!km_notif_valid(c->id)) return local(c, "call vanished");
	return KM_OK;
}
