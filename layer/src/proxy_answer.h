/* The fields of the proxy's answers turned into what the supervisor hands a program: an errno,
 * a struct stat / statx / statfs, a placeholder's entry name. Pure functions (no program, no
 * socket), shared by the ops and the fuzz harness (layer/fuzz/), so a malformed answer can only
 * become a well-formed result. */
#ifndef KM_PROXY_ANSWER_H
#define KM_PROXY_ANSWER_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "layer.pb-c.h"

/* An errno a system call can return (1..4095), else `fallback` (0 from the proxy means "none"). */
int km_answer_errno(int32_t code, int fallback);
void km_answer_stat(const Kmirror__Layer__V1__FileStat *s, struct stat *out);
void km_answer_statx(const Kmirror__Layer__V1__FileStat *s, struct statx *out);
void km_answer_statfs(const Kmirror__Layer__V1__StatfsResult *s, struct statfs *out);
/* A remote directory entry name that can be created inside a placeholder directory. */
bool km_answer_entry_name_ok(const char *name);
#endif
