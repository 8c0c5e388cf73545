/* The decision every path-taking call shares (open family, stat family): is this path the target's? */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../km.h"

#define PATH_MAX_LEN 4096

/* Reads the call's path argument, makes it absolute (relative to dirfd or the cwd) into `out` and
 * applies the session's path rules. KM_OK: the path is remote and the proxy can be asked now;
 * KM_BYPASS (with its reason): the call stays local; KM_ERR (c->err = ENOENT): a not_found rule. */
enum km_outcome km_remote_path(struct km_call *c, int dirfd, uint64_t path_addr, bool write_intent, char *out, size_t out_len);
