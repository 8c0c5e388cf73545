#ifndef KM_SUPERVISOR_H
#define KM_SUPERVISOR_H
#include <sys/types.h>
/* Serves notifications on km_notif_fd until no task uses the filter; returns the child's wait status. */
int km_supervise(pid_t child, int *child_status);
#endif
