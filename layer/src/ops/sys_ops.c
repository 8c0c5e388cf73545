/* uname: the same kernel, the target's name. The supervisor calls uname() itself, puts the
 * target's hostname (HelloAck, read from the target's /etc/hostname: a pod's name) in nodename
 * and writes the struct into the caller's buffer. glibc's gethostname(), Go's os.Hostname, Node's
 * os.hostname() and Python's socket.gethostname() all read it from here. Skipped executables and
 * sessions without a target hostname get the workstation's. */
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>
#include "km.h"
#include "net_common.h"

enum km_outcome km_sys_uname(struct km_call *c)
{
	const char *name = km_policy_hostname();
	if (!name || km_policy_exe_skipped(c->pid)) return km_bypass(c, "uname: the workstation's");
	struct utsname u;
	if (uname(&u)) return km_fail(c, errno);
	memset(u.nodename, 0, sizeof u.nodename);
	strncpy(u.nodename, name, sizeof u.nodename - 1);
	if (km_write_mem(c->pid, c->args[0], &u, sizeof u) != (ssize_t)sizeof u) return km_fail(c, EFAULT);
	c->val = 0;
	return KM_OK;
}
