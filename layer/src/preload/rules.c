/* Same semantics as ../policy.c for read-only uses: first matching rule wins, literal prefixes
 * (^/lit, ^/lit(/|$)) compared like there; the regex shapes the default rules use (^lit$,
 * unanchored literals such as /node_modules/, suffixes such as \.pyc$ and \.so(\.[0-9]+)*$)
 * are matched by hand. Any other regex is "unknown" (the call takes the trapped path). */
#include "rules.h"
#include <stddef.h>
#include <string.h>
#include "../fastpath.h"

#define MAX_RULES 128
#define MAX_LIT 256
#define SOVER "(\\.[0-9]+)*$"

enum tail { TAIL_NONE, TAIL_END, TAIL_DIR, TAIL_SOVER };
enum action { ACT_LOCAL, ACT_REMOTE, ACT_NOT_FOUND };

struct rule {
	enum action action;
	bool known;              /* the shape is one this file matches by hand */
	bool anchored;
	enum tail tail;
	char lit[MAX_LIT];
	size_t len;
};
static struct rule rules[MAX_RULES];
static size_t n_rules;
static enum action default_action;
static bool loaded;

static enum action action_of(char c) { return c == 'R' ? ACT_REMOTE : c == 'N' ? ACT_NOT_FOUND : ACT_LOCAL; }

static void parse_pattern(struct rule *r, const char *p, size_t n)
{
	const char *end = p + n;
	r->known = false;
	r->anchored = p < end && *p == '^';
	if (r->anchored) p++;
	r->len = 0;
	while (p < end && r->len + 1 < MAX_LIT) {
		if (*p == '\\' && p + 1 < end && strchr(".[]()*+?{}|\\$^/-", p[1])) { r->lit[r->len++] = p[1]; p += 2; continue; }
		if (strchr(".[]()*+?{}|\\$^", *p)) break;
		r->lit[r->len++] = *p++;
	}
	r->lit[r->len] = 0;
	size_t rest = (size_t)(end - p);
	if (!rest) r->tail = TAIL_NONE;
	else if (rest == 1 && *p == '$') r->tail = TAIL_END;
	else if ((rest == 5 && !memcmp(p, "(/|$)", 5)) || (rest == 5 && !memcmp(p, "($|/)", 5))) r->tail = TAIL_DIR;
	else if (rest == sizeof SOVER - 1 && !memcmp(p, SOVER, rest)) r->tail = TAIL_SOVER;
	else return;
	if (!r->len) return;
	/* policy.c treats ^lit(/|$) as a prefix; unanchored (/|$) is rare: leave it to the supervisor */
	if (r->tail == TAIL_DIR && !r->anchored) return;
	r->known = true;
}

bool kmfp_rules_load(const char *s)
{
	if (!s || !*s) return false;
	default_action = action_of(*s++);
	n_rules = 0;
	while (*s == KM_FASTPATH_SEP) {
		if (n_rules == MAX_RULES || !s[1] || !s[2]) return false;
		struct rule *r = &rules[n_rules++];
		r->action = action_of(s[1]);
		const char *p = s + 3;
		const char *next = strchr(p, KM_FASTPATH_SEP);
		size_t n = next ? (size_t)(next - p) : strlen(p);
		parse_pattern(r, p, n);
		s = p + n;
	}
	if (*s) return false;
	loaded = true;
	return true;
}

/* (\.[0-9]+)*$ from `s` to the end */
static bool so_versions(const char *s)
{
	while (*s) {
		if (s[0] != '.' || s[1] < '0' || s[1] > '9') return false;
		s++;
		while (*s >= '0' && *s <= '9') s++;
	}
	return true;
}

static bool tail_ok(const struct rule *r, const char *after)
{
	switch (r->tail) {
	case TAIL_NONE: return true;
	case TAIL_END: return !*after;
	case TAIL_DIR: return !*after || *after == '/' || r->lit[r->len - 1] == '/';
	case TAIL_SOVER: return so_versions(after);
	}
	return false;
}

static bool hit(const struct rule *r, const char *path)
{
	if (r->anchored) return !strncmp(path, r->lit, r->len) && tail_ok(r, path + r->len);
	for (const char *at = strstr(path, r->lit); at; at = strstr(at + 1, r->lit))
		if (tail_ok(r, at + r->len)) return true;
	return false;
}

/* Absolute and lexically normal (what the supervisor compares after km_abs_path). */
static bool normal(const char *p)
{
	if (p[0] != '/') return false;
	size_t n = 0;
	for (const char *s = p; *s; s++, n++) {
		if (s[0] != '/') continue;
		if (s[1] == '/' || (s[1] == 0 && s != p)) return false;
		if (s[1] == '.' && (s[2] == '/' || s[2] == 0)) return false;
		if (s[1] == '.' && s[2] == '.' && (s[3] == '/' || s[3] == 0)) return false;
	}
	return n < 4000;
}

bool kmfp_local(const char *path)
{
	if (!loaded || !path || !normal(path)) return false;
	if (strstr(path, "/kmirror-dirs-")) return false;   /* placeholders of remote listings */
	for (size_t i = 0; i < n_rules; i++) {
		if (!rules[i].known) return false;
		if (hit(&rules[i], path)) return rules[i].action == ACT_LOCAL;
	}
	return default_action == ACT_LOCAL;
}
