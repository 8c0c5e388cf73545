/* The preload fast path's copy of the session's path rules (rules.c): parsed once from
 * KMIRROR_FASTPATH_RULES, evaluated without allocating (async-signal-safe, read-only after
 * the constructor, so thread-safe). */
#ifndef KM_FASTPATH_RULES_H
#define KM_FASTPATH_RULES_H
#include <stdbool.h>

/* Parses the encoding (fastpath.h); false when it is absent or malformed. */
bool kmfp_rules_load(const char *encoded);
/* True only when the rules surely keep `path` local for a read-only use: an absolute, lexically
 * normal path whose first matching rule (or the default) is local. A rule the fast path cannot
 * evaluate without a regex engine makes the answer false (the call is then trapped as usual). */
bool kmfp_local(const char *path);
#endif
