// Errors kmirror-dap reports to DAP clients. Every error carries a code (the DAP server's range of the
// one code table, 5000-5099) and a message a user can act on; the connection turns any thrown error
// into exactly one error response (unknown errors become INTERNAL with the stack logged). A kmirror
// error from below the server (cluster, tunnel, target string) is reported under its own id, so a
// client can tell a missing pod from an RBAC refusal, an agent that never started or a misspelt target.
import { isKmError, KmError, KmErrorCode, type KmErrorCodeName } from '#proto/runtime/km-error.js';

export const DapErrorCode = KmErrorCode.dap;
export type DapErrorCodeName = KmErrorCodeName<'dap'>;

const BRAND = Symbol.for('kmirror.DapError');

/** An error whose message is shown to the user in the DAP error response; `id` is the DAP error id. */
export class DapError extends KmError<'dap'> {
  override name = 'DapError';
  readonly [BRAND] = true;
  constructor(code: DapErrorCodeName, message: string, options?: { cause?: unknown }) {
    super('dap', code, message, options);
  }
}

/** Brand check (works across bundles/realms, unlike instanceof). */
export function isDapError(e: unknown): e is DapError {
  return typeof e === 'object' && e !== null && (e as { [BRAND]?: boolean })[BRAND] === true;
}

/** An error answered by the debugger itself: its message goes to the client unchanged. */
export class BackendError extends DapError {
  override name = 'BackendError';
  constructor(message: string, readonly body?: unknown) {
    super('BACKEND_FAILED', message);
  }
}

/** Components whose codes a DAP client receives as they are, instead of the DAP server's own code. */
const REPORTED_AS_THEMSELVES: ReadonlySet<string> = new Set(['cluster', 'tunnel', 'target']);

/**
 * A DapError that stands for a cluster, tunnel or target error: `code` says what the DAP server was doing
 * (e.g. TARGET_UNREACHABLE), `id` is the underlying error's own number in the code table.
 */
export class ReportedError extends DapError {
  override name = 'ReportedError';
  constructor(code: DapErrorCodeName, message: string, readonly reported: KmError) {
    super(code, message, { cause: reported });
  }
  override get id(): number {
    return this.reported.id;
  }
}

/** Wraps `cause` as a DapError with `code`; a cluster, tunnel or target error keeps its own DAP id. */
export function reportAs(code: DapErrorCodeName, message: string, cause: unknown): DapError {
  return isKmError(cause) && REPORTED_AS_THEMSELVES.has(cause.component)
    ? new ReportedError(code, message, cause)
    : new DapError(code, message, { cause });
}

/** Rejects with a TIMEOUT DapError when `promise` does not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DapError('TIMEOUT', `${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
