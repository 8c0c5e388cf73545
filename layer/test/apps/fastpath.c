// Test app for the preload fast path: N rounds of open/stat/lstat/access/fstatat/statx of each
// local PATH, a stat of a missing local file (errno), then reads REMOTE; prints key=value lines.
//   fastpath N REMOTE PATH...
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4) { fprintf(stderr, "usage: fastpath N REMOTE PATH...\n"); return 2; }
	int n = atoi(argv[1]);
	long calls = 0, failures = 0;
	for (int i = 0; i < n; i++) {
		for (int k = 3; k < argc; k++) {
			struct stat st;
			struct statx sx;
			int fd = open(argv[k], O_RDONLY | O_CLOEXEC);
			if (fd < 0) failures++; else close(fd);
			failures += stat(argv[k], &st) != 0;
			failures += lstat(argv[k], &st) != 0;
			failures += access(argv[k], R_OK) != 0;
			failures += fstatat(AT_FDCWD, argv[k], &st, 0) != 0;
			failures += statx(AT_FDCWD, argv[k], 0, STATX_SIZE, &sx) != 0;
			calls += 6;
		}
	}
	struct stat st;
	int r = stat("/usr/kmirror-no-such-file", &st);
	printf("missing=%d:%s\n", r, r ? strerror(errno) : "");
	int fd = open(argv[2], O_RDONLY);
	char buf[256] = { 0 };
	ssize_t got = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (got > 0 && buf[got - 1] == '\n') buf[got - 1] = 0;
	printf("calls=%ld\nfailures=%ld\nremote=%s\n", calls, failures, got >= 0 ? buf : strerror(errno));
	const char *pre = getenv("LD_PRELOAD");
	printf("ld_preload=%s\n", pre ? pre : "");
	return 0;
}
