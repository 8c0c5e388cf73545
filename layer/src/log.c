/* One-line log messages on stderr, prefixed so they stand out from the program's own output.
 * KMIRROR_LAYER_LOG=debug|info|warn|error sets the threshold (default warn). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "km.h"

enum km_log_level km_log_min = KM_LOG_WARN;

void km_log(enum km_log_level level, const char *fmt, ...)
{
	if (level < km_log_min) return;
	static const char *names[] = { "debug", "info", "warn", "error" };
	char line[1024];
	int n = snprintf(line, sizeof line, "kmirror-layer[%d] %s: ", getpid(), names[level]);
	va_list ap;
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
	line[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, (size_t)n);
	(void)w;
}
