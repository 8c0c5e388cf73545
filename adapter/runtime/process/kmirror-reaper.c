/* kmirror-reaper: ends the processes a workstation process (kmirror-dap, kmirror) started when that
 * process ends in a way none of its own code sees: SIGKILL, a crash, an abort.
 *
 * Its stdin is a pipe whose only writer is the owner (Node opens every fd close-on-exec), so EOF
 * on it means the owner is gone. Until then the owner reports, one line each:
 *   +PID   own PID: the process, its descendants and, when PID leads a session (the owner spawns
 *          with setsid), every process of that session, which covers descendants that changed
 *          process group (dlv and debugpy put the debuggee in its own) or were orphaned.
 *   -PID   PID ended on its own: forget it (what it left running is not ours to stop).
 * On EOF: SIGSTOP every owned process, rescan until no new one appears (a stopped process can
 * neither fork nor exit, so parent links hold and the set stops changing), SIGKILL them all, exit.
 *
 * Why a process of its own: PR_SET_PDEATHSIG reaches only a direct child (and fires when the
 * spawning thread ends), and PR_SET_CHILD_SUBREAPER must be set by the owner itself, which Node
 * cannot do without native code and which helps nothing once the owner is dead. Run it in a
 * session of its own so a terminal's Ctrl-C does not end it with its owner. */
#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct owned { int pid; int leads_session; unsigned long long start; };
struct proc { int pid, ppid, sid; unsigned long long start; };

static struct owned *owned;
static size_t n_owned, cap_owned;

/* Reads ppid, session and start time (clock ticks since boot) from /proc/PID/stat. */
static int read_stat(int pid, struct proc *p)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f) return -1;
	size_t len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = 0;
	char *s = strrchr(buf, ')'); /* comm may contain spaces and parentheses */
	if (!s) return -1;
	/* after ")": state ppid pgrp session ... starttime is the 20th field */
	char *tok[20];
	int n = 0;
	for (char *t = strtok(s + 1, " "); t && n < 20; t = strtok(NULL, " ")) tok[n++] = t;
	if (n < 20) return -1;
	p->pid = pid;
	p->ppid = atoi(tok[1]);
	p->sid = atoi(tok[3]);
	p->start = strtoull(tok[19], NULL, 10);
	return 0;
}

static void own(int pid)
{
	struct proc p;
	if (pid <= 1 || read_stat(pid, &p)) return; /* already gone */
	if (n_owned == cap_owned) {
		cap_owned = cap_owned ? cap_owned * 2 : 16;
		owned = realloc(owned, cap_owned * sizeof *owned);
		if (!owned) _exit(1);
	}
	owned[n_owned++] = (struct owned){ pid, p.sid == pid, p.start };
}

static void forget(int pid)
{
	for (size_t i = 0; i < n_owned; i++)
		if (owned[i].pid == pid) { owned[i] = owned[--n_owned]; return; }
}

static size_t scan(struct proc **out, size_t *cap)
{
	size_t n = 0;
	DIR *d = opendir("/proc");
	if (!d) return 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (!isdigit((unsigned char)e->d_name[0])) continue;
		int pid = atoi(e->d_name);
		if (pid == getpid()) continue;
		if (n == *cap) {
			*cap = *cap ? *cap * 2 : 1024;
			*out = realloc(*out, *cap * sizeof **out);
			if (!*out) _exit(1);
		}
		if (!read_stat(pid, &(*out)[n])) n++;
	}
	closedir(d);
	return n;
}

static int is_root_of_owned(const struct proc *p)
{
	for (size_t i = 0; i < n_owned; i++) {
		if (owned[i].pid == p->pid && owned[i].start == p->start) return 1;
		/* a member of the owned session; a session leader only when it is the owned one (not a reused pid) */
		if (owned[i].leads_session && owned[i].pid == p->sid && (p->pid != p->sid || owned[i].start == p->start)) return 1;
	}
	return 0;
}

/* Is `pid` in the member list? (small lists: a linear search is enough) */
static int contains(const int *list, size_t n, int pid)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == pid) return 1;
	return 0;
}

static void sweep(void)
{
	struct proc *procs = NULL;
	size_t cap = 0, n_members = 0, cap_members = 0;
	int *members = NULL;
	for (int round = 0; round < 100; round++) {
		size_t n = scan(&procs, &cap), found = 0;
		/* Parents may come after their children in /proc order: repeat until nothing is added. */
		for (int added = 1; added;) {
			added = 0;
			for (size_t i = 0; i < n; i++) {
				struct proc *p = &procs[i];
				if (p->pid <= 1 || contains(members, n_members, p->pid)) continue;
				if (!is_root_of_owned(p) && !contains(members, n_members, p->ppid)) continue;
				if (n_members == cap_members) {
					cap_members = cap_members ? cap_members * 2 : 64;
					members = realloc(members, cap_members * sizeof *members);
					if (!members) _exit(1);
				}
				members[n_members++] = p->pid;
				kill(p->pid, SIGSTOP);
				added = 1;
				found++;
			}
		}
		if (!found) break;
	}
	for (size_t i = 0; i < n_members; i++) kill(members[i], SIGKILL);
}

int main(void)
{
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	char line[64];
	while (fgets(line, sizeof line, stdin)) {
		int pid = atoi(line + 1);
		if (line[0] == '+') own(pid);
		else if (line[0] == '-') forget(pid);
	}
	sweep();
	return 0;
}
