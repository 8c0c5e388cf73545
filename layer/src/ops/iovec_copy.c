/* Copying a program's iovec array (the description of its buffers) for the send and receive ops
 * (udp_ops.c, recv_ops.c); the buffers themselves are then moved with process_vm_readv/writev. */
#include <errno.h>
#include <stdlib.h>
#include <sys/uio.h>
#include "net_common.h"

struct iovec *km_read_iovecs(pid_t pid, const struct msghdr *m, size_t *n_iov, size_t *total)
{
	size_t n = m->msg_iovlen > KM_MAX_IOV ? KM_MAX_IOV : m->msg_iovlen;
	struct iovec *iov = calloc(n ? n : 1, sizeof *iov);
	if (!iov || (n && km_read_mem(pid, (uint64_t)(uintptr_t)m->msg_iov, iov, n * sizeof *iov) != (ssize_t)(n * sizeof *iov))) {
		free(iov);
		errno = EFAULT;
		return NULL;
	}
	size_t sum = 0;
	for (size_t i = 0; i < n; i++) sum += iov[i].iov_len;
	*n_iov = n;
	*total = sum;
	return iov;
}
