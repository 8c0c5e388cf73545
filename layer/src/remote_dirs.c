/* Remote directory listings. The kernel can only list a real directory (getdents64 on an fd), so
 * a directory of the target is stood for by a private placeholder directory of the supervisor:
 * one empty entry per remote entry with the same name and type (regular file, directory, symlink,
 * fifo for anything else), so getdents and d_type are right. The program gets an fd of it as the
 * result of its open. A path inside a placeholder (fstatat(dirfd, name), openat(dirfd, name))
 * is translated back to the remote path, so stats and opens of entries reach the target.
 * Placeholders live in one mkdtemp directory (mode 0700), reused in a ring, removed at exit. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "km.h"
#include "proxy_answer.h"

#define DIR_SLOTS 256

static char root[256];
static size_t root_len;
static unsigned next_slot;
static char *remote_of[DIR_SLOTS];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void remove_tree(const char *path) { nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

static int ensure_root(void)
{
	if (root[0]) return 0;
	const char *tmp = getenv("TMPDIR");
	snprintf(root, sizeof root, "%s/kmirror-dirs-XXXXXX", tmp && tmp[0] == '/' && strlen(tmp) < 180 ? tmp : "/tmp");
	if (!mkdtemp(root)) { root[0] = 0; return -1; }
	root_len = strlen(root);
	return 0;
}

static int make_entry(int dfd, const Kmirror__Layer__V1__DirEntry *e)
{
	if (!km_answer_entry_name_ok(e->name)) return 0;
	switch (e->type) {
	case KMIRROR__LAYER__V1__ENTRY_TYPE__ENTRY_DIRECTORY: return mkdirat(dfd, e->name, 0700);
	case KMIRROR__LAYER__V1__ENTRY_TYPE__ENTRY_SYMLINK: return symlinkat(".", dfd, e->name);
	case KMIRROR__LAYER__V1__ENTRY_TYPE__ENTRY_OTHER: return mkfifoat(dfd, e->name, 0600);
	default: {
		int f = openat(dfd, e->name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (f < 0) return -1;
		close(f);
		return 0;
	}
	}
}

int km_dirs_open(const char *remote_path, const Kmirror__Layer__V1__DirEntry *const *entries, size_t n)
{
	if (ensure_root()) return -1;
	unsigned slot = next_slot++ % DIR_SLOTS;
	char dir[320];
	snprintf(dir, sizeof dir, "%s/d%u", root, slot);
	remove_tree(dir);   /* an older listing in this slot */
	free(remote_of[slot]);
	remote_of[slot] = strdup(remote_path);
	if (!remote_of[slot] || mkdir(dir, 0700)) return -1;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) return -1;
	for (size_t i = 0; i < n; i++) {
		if (make_entry(dfd, entries[i]) && errno != EEXIST) {
			km_debug("placeholder %s/%s: %s", remote_path, entries[i]->name, strerror(errno));
		}
	}
	return dfd;
}

void km_dirs_translate(char *path, size_t max)
{
	if (!root[0] || strncmp(path, root, root_len) || strncmp(path + root_len, "/d", 2)) return;
	char *end;
	unsigned long slot = strtoul(path + root_len + 2, &end, 10);
	if (end == path + root_len + 2 || (*end && *end != '/') || slot >= DIR_SLOTS || !remote_of[slot]) return;
	char out[4096];
	const char *base = remote_of[slot];
	int n = snprintf(out, sizeof out, "%s%s", strcmp(base, "/") || !*end ? base : "", end);
	if (n < 0 || (size_t)n >= max || (size_t)n >= sizeof out) return;
	memcpy(path, out, (size_t)n + 1);
}

void km_dirs_cleanup(void)
{
	if (root[0]) remove_tree(root);
}
