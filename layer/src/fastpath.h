#ifndef KM_FASTPATH_H
#define KM_FASTPATH_H
/* The preload fast path (preload/fastpath.c): a file call whose unused sixth argument carries
 * this cookie passes the seccomp filter untrapped. Not a security boundary: the shim only uses
 * it for paths the session's rules keep local, which the supervisor would continue anyway. */
#define KM_FASTPATH_MAGIC 0x6b6d6972726f7231ull   /* "kmirror1" */
#define KM_FASTPATH_RULES_ENV "KMIRROR_FASTPATH_RULES"
#define KM_FASTPATH_LIB "kmirror-fastpath.so"
/* Rules encoding: default action char, then per rule: '\x1f' action char, read-only '0'/'1',
 * pattern. Action chars: 'L' local, 'R' remote, 'N' not found. */
#define KM_FASTPATH_SEP '\x1f'
#endif
