// Layer bench helper: N x (openat(PATH)+read+close) or N x stat(PATH); prints µs per iteration.
//   openloop open|stat PATH N
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4) return 2;
	int n = atoi(argv[3]);
	int do_stat = !strcmp(argv[1], "stat");
	struct timespec a, b;
	char buf[256];
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		if (do_stat) { struct stat st; if (stat(argv[2], &st)) return 1; continue; }
		int fd = openat(AT_FDCWD, argv[2], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, buf, sizeof buf) < 0) return 1;
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.3f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n);
	return 0;
}
