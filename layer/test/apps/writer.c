/* Test app (C stdio): in DIR, writes c.txt and appends to log.txt without fclose, then exits: the
 * data reaches the files at exit (stdio flushes, the kernel closes the fds without close()). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	char path[4096];
	if (argc < 2) return 2;
	snprintf(path, sizeof path, "%s/c.txt", argv[1]);
	FILE *c = fopen(path, "w");
	snprintf(path, sizeof path, "%s/log.txt", argv[1]);
	FILE *log = fopen(path, "a");
	if (!c || !log) { perror("fopen"); return 1; }
	fprintf(c, "from-c\n");
	fprintf(log, "c-line\n");
	exit(0);
}
