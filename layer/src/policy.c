/* The part of the session's policy the layer applies on its own, so that most trapped calls are
 * answered without a round trip to the proxy: path rules (literal prefixes compared directly,
 * other patterns through POSIX regex), a per-path decision cache, excluded ports and the exe
 * skip-list. The proxy sends all of it in HelloAck; without a proxy every path is local. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fastpath.h"
#include "km.h"

#define MAX_RULES 128
#define MAX_PORTS 64
#define MAX_SKIP 64

struct rule {
	enum km_path_action action;
	bool read_only;
	bool is_prefix;          /* pattern is ^/literal with an optional (/|$) or / tail */
	char prefix[256];
	size_t prefix_len;
	bool dir_boundary;       /* prefix must be followed by '/' or the end */
	regex_t re;
	char *pattern;           /* as sent, for the preload fast path's copy of the rules */
};
static struct rule rules[MAX_RULES];
static size_t n_rules;
static enum km_path_action default_action = KM_PATH_LOCAL;
static unsigned ports[MAX_PORTS];
static size_t n_ports;
static char *skip[MAX_SKIP];
static size_t n_skip;
static bool outgoing_tcp, outgoing_udp, incoming, default_writes_remote, remote_writes;
static char hostname[65];
static bool unix_streams;
/* path decisions, cached by path (the rules are a pure function of the path) */
#define CACHE_SLOTS 4096
struct cached { uint64_t hash; uint8_t action_rw, action_ro; bool used; };
static struct cached cache[CACHE_SLOTS];

/* "^/usr(/|$)", "^/usr/", "^/usr" -> literal prefix rules; anything with other regex syntax is a regex. */
static bool literal_prefix(const char *pat, struct rule *r)
{
	if (pat[0] != '^') return false;
	const char *p = pat + 1;
	size_t n = 0;
	while (*p && !strchr(".[]()*+?{}|\\$^", *p)) {
		if (n + 1 >= sizeof r->prefix) return false;
		r->prefix[n++] = *p++;
	}
	r->prefix[n] = 0;
	r->dir_boundary = false;
	if (!strcmp(p, "(/|$)") || !strcmp(p, "($|/)")) r->dir_boundary = true;
	else if (*p) return false;
	r->prefix_len = n;
	return n > 0;
}

static enum km_path_action from_proto(Kmirror__Layer__V1__PathAction a)
{
	if (a == KMIRROR__LAYER__V1__PATH_ACTION__PATH_REMOTE) return KM_PATH_REMOTE;
	if (a == KMIRROR__LAYER__V1__PATH_ACTION__PATH_NOT_FOUND) return KM_PATH_NOT_FOUND;
	return KM_PATH_LOCAL;
}

void km_policy_apply_hello(const Kmirror__Layer__V1__HelloAck *ack)
{
	for (size_t i = 0; i < ack->n_path_rules && n_rules < MAX_RULES; i++) {
		struct rule *r = &rules[n_rules];
		const Kmirror__Layer__V1__PathRule *pr = ack->path_rules[i];
		memset(r, 0, sizeof *r);
		r->action = from_proto(pr->action);
		r->read_only = pr->read_only;
		r->is_prefix = literal_prefix(pr->pattern, r);
		if (!r->is_prefix && regcomp(&r->re, pr->pattern, REG_EXTENDED | REG_NOSUB)) {
			km_log(KM_LOG_WARN, "path pattern \"%s\" is not a valid POSIX extended regex; ignored", pr->pattern);
			continue;
		}
		r->pattern = strdup(pr->pattern);
		n_rules++;
	}
	default_action = from_proto(ack->default_path_action);
	km_policy_add_exclude_ports(ack->exclude_ports, ack->n_exclude_ports);
	for (size_t i = 0; i < ack->n_skip_exes && n_skip < MAX_SKIP; i++) skip[n_skip++] = strdup(ack->skip_exes[i]);
	outgoing_tcp = ack->outgoing_tcp;
	outgoing_udp = ack->outgoing_udp;
	incoming = ack->incoming;
	default_writes_remote = ack->default_writes_remote;
	remote_writes = ack->remote_writes;
	if (ack->hostname && strlen(ack->hostname) < sizeof hostname) strcpy(hostname, ack->hostname);
	unix_streams = ack->unix_streams;
}

/* Back to "no proxy" (every path local): the fuzz harness applies many HelloAcks in one process. */
void km_policy_reset(void)
{
	for (size_t i = 0; i < n_rules; i++) {
		if (!rules[i].is_prefix) regfree(&rules[i].re);
		free(rules[i].pattern);
	}
	for (size_t i = 0; i < n_skip; i++) free(skip[i]);
	n_rules = n_ports = n_skip = 0;
	default_action = KM_PATH_LOCAL;
	outgoing_tcp = outgoing_udp = incoming = default_writes_remote = remote_writes = unix_streams = false;
	hostname[0] = 0;
	memset(cache, 0, sizeof cache);
}

bool km_policy_unix_streams(void) { return unix_streams; }

const char *km_policy_hostname(void) { return hostname[0] ? hostname : NULL; }

bool km_policy_remote_writes(void) { return remote_writes; }

static char action_char(enum km_path_action a) { return a == KM_PATH_REMOTE ? 'R' : a == KM_PATH_NOT_FOUND ? 'N' : 'L'; }

/* The path rules for the preload fast path (fastpath.h's encoding); false when they do not fit
 * or a pattern contains the separator. */
bool km_policy_encode(char *out, size_t max)
{
	size_t n = 0;
	if (max < 2) return false;
	out[n++] = action_char(default_action);
	for (size_t i = 0; i < n_rules; i++) {
		const char *p = rules[i].pattern;
		size_t len = p ? strlen(p) : 0;
		if (!p || strchr(p, KM_FASTPATH_SEP) || n + len + 4 > max) return false;
		out[n++] = KM_FASTPATH_SEP;
		out[n++] = action_char(rules[i].action);
		out[n++] = rules[i].read_only ? '1' : '0';
		memcpy(out + n, p, len);
		n += len;
	}
	out[n] = 0;
	return true;
}

void km_policy_add_exclude_ports(const uint32_t *list, size_t n)
{
	for (size_t i = 0; i < n && n_ports < MAX_PORTS; i++) ports[n_ports++] = list[i];
}

bool km_policy_port_excluded(unsigned port)
{
	for (size_t i = 0; i < n_ports; i++) if (ports[i] == port) return true;
	return false;
}

bool km_policy_outgoing(bool udp) { return udp ? outgoing_udp : outgoing_tcp; }
bool km_policy_incoming(void) { return incoming; }

/* ---- path decisions ---- */

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	while (*s) { h ^= (unsigned char)*s++; h *= 1099511628211ull; }
	return h;
}

static enum km_path_action evaluate(const char *path, bool write_intent)
{
	for (size_t i = 0; i < n_rules; i++) {
		struct rule *r = &rules[i];
		bool hit;
		if (r->is_prefix) {
			hit = !strncmp(path, r->prefix, r->prefix_len) &&
			      (!r->dir_boundary || path[r->prefix_len] == 0 || path[r->prefix_len] == '/' ||
			       r->prefix[r->prefix_len - 1] == '/');
		} else {
			hit = !regexec(&r->re, path, 0, NULL, 0);
		}
		if (!hit) continue;
		if (r->action == KM_PATH_REMOTE && r->read_only && write_intent) return KM_PATH_LOCAL;
		return r->action;
	}
	if (default_action == KM_PATH_REMOTE && write_intent && !default_writes_remote) return KM_PATH_LOCAL;
	return default_action;
}

/* kmirror's own files (the directory of this binary: the launcher, kmirror-fastpath.so that the
 * dynamic loader opens for every process, the bundles beside them) are always the workstation's,
 * whatever a user pattern like "/tmp.*" says. */
static bool own_file(const char *path)
{
	static char dir[4096];
	static size_t len;
	static bool known;
	if (!known) {
		known = true;
		char exe[4096];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		if (n > 0) {
			exe[n] = 0;
			char *slash = strrchr(exe, '/');
			if (slash && slash != exe) { *slash = 0; len = (size_t)(slash - exe); memcpy(dir, exe, len + 1); }
		}
	}
	return len && !strncmp(path, dir, len) && path[len] == '/';
}

/* The 64-bit path hash stands for the path (a collision would need ~2^32 distinct paths). */
enum km_path_action km_policy_path(const char *path, bool write_intent)
{
	if (!n_rules && default_action == KM_PATH_LOCAL) return KM_PATH_LOCAL;
	if (own_file(path)) return KM_PATH_LOCAL;
	uint64_t h = fnv(path);
	struct cached *c = &cache[h % CACHE_SLOTS];
	if (c->used && c->hash == h) return (enum km_path_action)(write_intent ? c->action_rw : c->action_ro);
	c->used = true;
	c->hash = h;
	c->action_ro = (uint8_t)evaluate(path, false);
	c->action_rw = (uint8_t)evaluate(path, true);
	return (enum km_path_action)(write_intent ? c->action_rw : c->action_ro);
}

/* The proxy found the path absent in the target (or otherwise local for good): no more asking. */
void km_policy_cache_local(const char *path)
{
	uint64_t h = fnv(path);
	struct cached *c = &cache[h % CACHE_SLOTS];
	c->used = true;
	c->hash = h;
	c->action_ro = c->action_rw = KM_PATH_LOCAL;
}

bool km_policy_exe_skipped(pid_t tid)
{
	if (!n_skip) return false;
	char link[64], exe[4096];
	snprintf(link, sizeof link, "/proc/%d/exe", tid);
	ssize_t n = readlink(link, exe, sizeof exe - 1);
	if (n <= 0) return false;
	exe[n] = 0;
	const char *base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	for (size_t i = 0; i < n_skip; i++) {
		if (!strcmp(base, skip[i]) || !strcmp(exe, skip[i])) { km_stats.skipped_exe++; return true; }
	}
	return false;
}
