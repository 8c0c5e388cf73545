// Linux errno values the layer hands to the program, and the tunnel error codes they stand for.
import { isTunnelError } from '#proto/runtime/errors.js';

export const ERRNO = {
  ENOENT: 2, EIO: 5, EACCES: 13, EEXIST: 17, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENETUNREACH: 101, ECONNRESET: 104,
  ETIMEDOUT: 110, ECONNREFUSED: 111, EHOSTUNREACH: 113, EROFS: 30,
} as const;

/** The errno a program should see for a failed remote connect. */
export function connectErrno(err: unknown): number {
  if (!isTunnelError(err)) return ERRNO.ECONNREFUSED;
  switch (err.code) {
    case 'HOST_UNREACHABLE': return ERRNO.EHOSTUNREACH;
    case 'TIMED_OUT': return ERRNO.ETIMEDOUT;
    case 'RESET': return ERRNO.ECONNRESET;
    case 'NAME_NOT_RESOLVED': return ERRNO.EHOSTUNREACH;
    default: return ERRNO.ECONNREFUSED;
  }
}

/** The errno for a failed remote file operation, or undefined when the local file should be used. */
export function fileErrno(err: unknown): number | undefined {
  if (!isTunnelError(err)) return undefined;
  switch (err.code) {
    case 'NOT_FOUND': return ERRNO.ENOENT;
    case 'PERMISSION_DENIED': return ERRNO.EACCES;
    case 'IS_DIRECTORY': return ERRNO.EISDIR;
    case 'ALREADY_EXISTS': return ERRNO.EEXIST;
    default: return undefined;
  }
}
