/* Hold at exec (KMIRROR_LAYER_HOLD_AT_EXEC=1): PROGRAM stops at its first instruction, before the
 * dynamic loader or any of its own code runs, so a debugger that attaches afterwards (kmirror-dap
 * attaches dlv, lldb and netcoredbg to the program's pid) hits breakpoints in start-up code too.
 * The supervisor seizes its child with PTRACE_O_TRACEEXEC, queues a SIGSTOP at the exec event and
 * detaches: the program resumes straight into that stop (a group-stop, as if sent by kill). Only the
 * parent traces, briefly; no privilege is needed (same uid, the child is the supervisor's own). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include "exec_hold.h"
#include "km.h"

int km_exec_hold_begin(pid_t child)
{
	if (ptrace(PTRACE_SEIZE, child, 0, (void *)(long)PTRACE_O_TRACEEXEC) == 0) return 0;
	km_log(KM_LOG_WARN, "cannot hold the program at exec (ptrace: %s); it starts right away", strerror(errno));
	return -1;
}

int km_exec_hold_wait(pid_t child, int *status)
{
	for (;;) {
		int st;
		if (waitpid(child, &st, __WALL) != child) {
			if (errno == EINTR) continue;
			return -1;
		}
		if (!WIFSTOPPED(st)) { *status = st; return 1; } /* exited before exec (cannot run PROGRAM) */
		if ((st >> 8) == (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) {
			kill(child, SIGSTOP); /* pending: delivered before the first user-mode instruction */
			ptrace(PTRACE_DETACH, child, 0, 0);
			return 0;
		}
		/* a signal on its way to the child before exec: pass it on */
		ptrace(PTRACE_CONT, child, 0, (void *)(long)WSTOPSIG(st));
	}
}
