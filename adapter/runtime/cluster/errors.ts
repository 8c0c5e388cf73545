// Typed errors for everything that talks to the Kubernetes API: one class carrying the HTTP
// statusCode (when the API server answered) and a stable code, with a message that names the
// operation and the object. Converts the client library's ApiException into it.
import { ApiException } from '@kubernetes/client-node';
import { KmError, type KmErrorCodeName } from '#proto/runtime/km-error.js';

/** KUBECONFIG, NOT_FOUND, FORBIDDEN, … — the list, with what each means, is KmErrorCode.cluster. */
export type ClusterErrorCode = KmErrorCodeName<'cluster'>;

const BRAND = Symbol.for('kmirror.ClusterError');

export class ClusterError extends KmError<'cluster'> {
  override name = 'ClusterError' as const;
  /** HTTP status of the API server's answer, when there was one. */
  readonly statusCode?: number;
  readonly [BRAND] = true;

  constructor(code: ClusterErrorCode, message: string, options?: { statusCode?: number; cause?: unknown }) {
    super('cluster', code, message, { cause: options?.cause });
    if (options?.statusCode !== undefined) this.statusCode = options.statusCode;
  }
}

/** True for a ClusterError from any bundle. */
export function isClusterError(err: unknown): err is ClusterError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
}

/** The HTTP status carried by a client-library error (ApiException.code or a watch error's statusCode). */
export function statusCodeOf(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  if (typeof err === 'object' && err !== null) {
    const e = err as { statusCode?: unknown; code?: unknown };
    if (typeof e.statusCode === 'number') return e.statusCode;
    if (typeof e.code === 'number') return e.code;
  }
  return undefined;
}

/** The API server's own message (a Status object's `message`), if the error body carries one. */
function statusMessageOf(err: unknown): string | undefined {
  if (!(err instanceof ApiException)) return undefined;
  const body: unknown = err.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      return typeof parsed.message === 'string' ? parsed.message : body.slice(0, 300);
    } catch {
      return body.slice(0, 300);
    }
  }
  if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return undefined;
}

/** Wraps any error from an API call into a ClusterError whose message starts with `what`. */
export function toClusterError(err: unknown, what: string): ClusterError {
  if (isClusterError(err)) return err;
  const statusCode = statusCodeOf(err);
  const detail = statusMessageOf(err) ?? (err instanceof Error ? err.message : String(err));
  const code: ClusterErrorCode =
    statusCode === 404 ? 'NOT_FOUND'
      : statusCode === 403 ? 'FORBIDDEN'
        : statusCode === 401 ? 'UNAUTHORIZED'
          : 'API';
  const opts = statusCode === undefined ? { cause: err } : { statusCode, cause: err };
  return new ClusterError(code, `${what}: ${detail}`, opts);
}

/** Runs an API call, converting its failure with toClusterError. */
export async function kubeCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toClusterError(err, what);
  }
}
