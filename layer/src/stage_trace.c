/* Per-connect stage timestamps for the benchmarks (bench/layer.ts): KMIRROR_STAGE_TRACE=FILE makes
 * the supervisor append "<CLOCK_MONOTONIC ns> <stage> <pid>" lines, the same clock and format as
 * the proxy's and agent's (proto/runtime/stage-trace.ts), so one file holds a connect's whole path.
 * Off (the default) it costs one branch per stage. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "km.h"

int km_trace_fd = -1;

void km_trace_open(void)
{
	const char *path = getenv("KMIRROR_STAGE_TRACE");
	if (path && *path) km_trace_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

void km_trace_write(const char *stage)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	char line[96];
	int n = snprintf(line, sizeof line, "%lld %s %d\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, stage, (int)getpid());
	if (n > 0 && write(km_trace_fd, line, (size_t)n) < 0) { close(km_trace_fd); km_trace_fd = -1; }
}
