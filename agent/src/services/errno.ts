// Maps Node/errno failures to tunnel error codes, so clients see one vocabulary.
import { TunnelError, isTunnelError } from '#proto/runtime/errors.js';
import type { ErrorCodeName } from '#proto/runtime/types.js';

const BY_ERRNO: Record<string, ErrorCodeName> = {
  ECONNREFUSED: 'CONNECTION_REFUSED',
  ETIMEDOUT: 'TIMED_OUT',
  ENETUNREACH: 'HOST_UNREACHABLE',
  EHOSTUNREACH: 'HOST_UNREACHABLE',
  EADDRNOTAVAIL: 'HOST_UNREACHABLE',
  ECONNRESET: 'RESET',
  EPIPE: 'RESET',
  ENOENT: 'NOT_FOUND',
  ENOTDIR: 'NOT_FOUND',
  EACCES: 'PERMISSION_DENIED',
  EPERM: 'PERMISSION_DENIED',
  EISDIR: 'IS_DIRECTORY',
  EINVAL: 'INVALID_ARGUMENT',
  ELOOP: 'INVALID_ARGUMENT',
  ENAMETOOLONG: 'INVALID_ARGUMENT',
  EFBIG: 'INVALID_ARGUMENT',
  EOVERFLOW: 'INVALID_ARGUMENT',
  // Node refused an argument before the system call (a range its checks missed).
  ERR_OUT_OF_RANGE: 'INVALID_ARGUMENT',
  ERR_SOCKET_BAD_PORT: 'INVALID_ARGUMENT',
  EADDRINUSE: 'ALREADY_EXISTS',
  EEXIST: 'ALREADY_EXISTS',
  EROFS: 'PERMISSION_DENIED',
  ESRCH: 'UNAVAILABLE',
};

/** A TunnelError for any thrown value; `what` names the operation and its target. */
export function toTunnelError(err: unknown, what: string): TunnelError {
  if (isTunnelError(err)) return err;
  const e = err as NodeJS.ErrnoException;
  const code = (e && typeof e.code === 'string' && BY_ERRNO[e.code]) || 'INTERNAL';
  return new TunnelError(code, `${what}: ${e?.message ?? String(err)}`, { cause: err });
}
