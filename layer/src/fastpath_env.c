/* Hands the preload fast path (preload/fastpath.c) to PROGRAM: the path rules in
 * KMIRROR_FASTPATH_RULES and kmirror-fastpath.so (beside this binary) first in LD_PRELOAD, the
 * program's own entries kept. Only with a proxy (the rules are known); KMIRROR_LAYER_FASTPATH=0,
 * a missing library or rules that cannot be encoded leave the environment as it is. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fastpath.h"
#include "km.h"

static bool shim_path(char *out, size_t max)
{
	ssize_t n = readlink("/proc/self/exe", out, max - 1);
	if (n <= 0) return false;
	out[n] = 0;
	char *slash = strrchr(out, '/');
	if (!slash || (size_t)(slash - out) + 2 + strlen(KM_FASTPATH_LIB) > max) return false;
	strcpy(slash + 1, KM_FASTPATH_LIB);
	/* LD_PRELOAD separates entries by spaces and colons */
	return !strpbrk(out, " :") && access(out, R_OK) == 0;
}

void km_fastpath_export(void)
{
	const char *off = getenv("KMIRROR_LAYER_FASTPATH");
	bool enabled = !off || strcmp(off, "0");
	unsetenv("KMIRROR_LAYER_FASTPATH");
	char lib[PATH_MAX];
	static char rules[64 * 1024];
	if (!enabled || !km_proxy_up() || !shim_path(lib, sizeof lib)) return;
	if (!km_policy_encode(rules, sizeof rules)) {
		km_log(KM_LOG_INFO, "path rules too large for the preload fast path; every file call is trapped");
		return;
	}
	const char *old = getenv("LD_PRELOAD");
	if (old && strstr(old, lib)) {
		setenv(KM_FASTPATH_RULES_ENV, rules, 1);
		return;
	}
	size_t len = strlen(lib) + (old ? strlen(old) + 1 : 0) + 1;
	char *pre = malloc(len);
	if (!pre) return;
	strcpy(pre, lib);
	if (old && *old) { strcat(pre, " "); strcat(pre, old); }
	setenv(KM_FASTPATH_RULES_ENV, rules, 1);
	setenv("LD_PRELOAD", pre, 1);
	free(pre);
	km_debug("preload fast path: %s", lib);
}
