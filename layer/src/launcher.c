/* kmirror-layer [--] PROGRAM [ARGS...]
 *
 * Runs PROGRAM under the layer: this process becomes the supervisor, PROGRAM runs as its child
 * with the seccomp filter installed (no_new_privs, no privilege needed), and every descendant
 * and thread inherits the filter. Steps:
 *   1. connect to the session's local proxy (KMIRROR_LAYER_SOCKET) and take its policy;
 *   2. fork; the child sets PDEATHSIG, installs the filter and reports the listener's fd number
 *      over a pipe (sendmsg itself is trapped, so the parent fetches the fd with pidfd_getfd);
 *   3. the child waits for "go" and execs PROGRAM; the parent serves notifications until no task
 *      is left under the filter, then exits with the child's status (or dies by its signal).
 * Environment (removed before PROGRAM starts):
 *   KMIRROR_LAYER_SOCKET         the proxy's unix socket; unset or unreachable: remote connects
 *                                fail with ECONNREFUSED (one log line), files stay local
 *   KMIRROR_LAYER_EXCLUDE_PORTS  comma-separated ports never trapped (a debugger's)
 *   KMIRROR_LAYER_LOG            debug | info | warn (default) | error
 *   KMIRROR_LAYER_FASTPATH       0: no preload fast path (fastpath_env.c; default on with a proxy)
 *   KMIRROR_LAYER_HOLD_AT_EXEC   1: PROGRAM stays stopped at its first instruction until a debugger
 *                                attaches or SIGCONT arrives (exec_hold.c)
 * Signals: SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 are forwarded to PROGRAM; SIGINT and SIGQUIT only
 * when sent by a process (a terminal delivers them to PROGRAM's process group itself). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "exec_hold.h"
#include "filter.h"
#include "km.h"
#include "supervisor.h"

static pid_t child_pid;

static void forward(int sig) { if (child_pid > 0) kill(child_pid, sig); }

/* SIGINT/SIGQUIT from the terminal reach PROGRAM's process group directly: forward only those sent
 * by a process (kill(2): SI_USER/SI_QUEUE), so a Ctrl-C is never delivered twice. */
static void forward_if_sent(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	if (info && (info->si_code == SI_USER || info->si_code == SI_QUEUE)) forward(sig);
}

static size_t parse_ports(const char *csv, uint32_t *out, size_t max)
{
	size_t n = 0;
	while (csv && *csv && n < max) {
		char *end;
		unsigned long p = strtoul(csv, &end, 10);
		if (end == csv) break;
		if (p > 0 && p < 65536) out[n++] = (uint32_t)p;
		csv = *end ? end + 1 : end;
	}
	return n;
}

static void run_child(char **argv, int report_fd, int go_fd, pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) _exit(127);
	int lfd = km_filter_install();
	int msg[2] = { lfd, lfd < 0 ? errno : 0 };
	if (write(report_fd, msg, sizeof msg) != sizeof msg || lfd < 0) _exit(127);
	char go;
	if (read(go_fd, &go, 1) != 1) _exit(127);
	close(lfd); close(report_fd); close(go_fd);
	execvp(argv[0], argv);
	fprintf(stderr, "kmirror-layer: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int main(int argc, char **argv)
{
	int first = 1;
	if (argc > 1 && !strcmp(argv[1], "--")) first = 2;
	if (first >= argc) {
		fprintf(stderr, "usage: kmirror-layer [--] PROGRAM [ARGS...]\n");
		return 2;
	}
	const char *lvl = getenv("KMIRROR_LAYER_LOG");
	if (lvl) km_log_min = !strcmp(lvl, "debug") ? KM_LOG_DEBUG : !strcmp(lvl, "info") ? KM_LOG_INFO
	                    : !strcmp(lvl, "error") ? KM_LOG_ERROR : KM_LOG_WARN;
	km_trace_open();
	unsetenv("KMIRROR_STAGE_TRACE");
	uint32_t ports[64];
	const char *excl = getenv("KMIRROR_LAYER_EXCLUDE_PORTS");
	size_t n_ports = parse_ports(excl, ports, 64);
	km_policy_add_exclude_ports(ports, n_ports);
	const char *sock = getenv("KMIRROR_LAYER_SOCKET");
	if (sock && *sock) km_proxy_connect(sock, ports, n_ports);
	else km_log(KM_LOG_ERROR, "KMIRROR_LAYER_SOCKET is not set: no kmirror session; connections to the target will fail with ECONNREFUSED");
	km_fastpath_export();
	unsetenv("KMIRROR_LAYER_SOCKET");
	unsetenv("KMIRROR_LAYER_EXCLUDE_PORTS");
	unsetenv("KMIRROR_LAYER_LOG");
	const char *hold_env = getenv("KMIRROR_LAYER_HOLD_AT_EXEC");
	bool hold = hold_env && !strcmp(hold_env, "1");
	unsetenv("KMIRROR_LAYER_HOLD_AT_EXEC");

	int report[2], go[2];
	if (pipe2(report, O_CLOEXEC) || pipe2(go, O_CLOEXEC)) { perror("kmirror-layer: pipe"); return 127; }
	pid_t parent = getpid();
	child_pid = fork();
	if (child_pid < 0) { perror("kmirror-layer: fork"); return 127; }
	if (child_pid == 0) run_child(argv + first, report[1], go[0], parent);
	close(report[1]); close(go[0]);

	int msg[2];
	if (read(report[0], msg, sizeof msg) != sizeof msg || msg[0] < 0) {
		fprintf(stderr, "kmirror-layer: cannot install the seccomp filter: %s\n", strerror(msg[1]));
		kill(child_pid, SIGKILL);
		waitpid(child_pid, NULL, 0);
		return 127;
	}
	km_notif_fd = km_grab_fd(child_pid, msg[0]);
	if (km_notif_fd < 0) {
		fprintf(stderr, "kmirror-layer: cannot take the seccomp listener from the child (pidfd_getfd): %s\n", strerror(errno));
		kill(child_pid, SIGKILL);
		waitpid(child_pid, NULL, 0);
		return 127;
	}
	struct sigaction fw = { .sa_handler = forward, .sa_flags = SA_RESTART };
	sigaction(SIGTERM, &fw, NULL); sigaction(SIGHUP, &fw, NULL);
	sigaction(SIGUSR1, &fw, NULL); sigaction(SIGUSR2, &fw, NULL);
	struct sigaction fi = { .sa_sigaction = forward_if_sent, .sa_flags = SA_RESTART | SA_SIGINFO };
	sigaction(SIGINT, &fi, NULL); sigaction(SIGQUIT, &fi, NULL);
	signal(SIGPIPE, SIG_IGN);
	hold = hold && km_exec_hold_begin(child_pid) == 0;
	if (write(go[1], "g", 1) != 1) { kill(child_pid, SIGKILL); }
	close(go[1]); close(report[0]);

	int status = 0;
	if (hold && km_exec_hold_wait(child_pid, &status) == 1)
		return WIFEXITED(status) ? WEXITSTATUS(status) : 127; /* PROGRAM never started */
	km_supervise(child_pid, &status);
	km_dirs_cleanup();
	km_proxy_send_stats();
	km_debug("done: notifications=%llu continued=%llu redirected=%llu files=%llu failed=%llu send_enoent=%llu skipped_exe=%llu",
	         (unsigned long long)km_stats.notifications, (unsigned long long)km_stats.continued,
	         (unsigned long long)km_stats.redirected, (unsigned long long)km_stats.files_served,
	         (unsigned long long)km_stats.failed, (unsigned long long)km_stats.send_enoent,
	         (unsigned long long)km_stats.skipped_exe);
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		signal(sig, SIG_DFL);
		raise(sig);
		return 128 + sig;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
