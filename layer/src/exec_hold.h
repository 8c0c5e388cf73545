/* Hold PROGRAM at its first instruction after exec (see exec_hold.c). */
#pragma once
#include <sys/types.h>

/* Seizes the child before it execs; 0 on success, -1 (logged) when the hold is unavailable. */
int km_exec_hold_begin(pid_t child);
/* Waits for the child's exec and leaves it stopped: 0; 1 with *status when it exited first; -1 on error. */
int km_exec_hold_wait(pid_t child, int *status);
