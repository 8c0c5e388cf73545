// Errors kmirror-dap reports to DAP clients. Every error carries a numeric code (one range for
// the DAP server: 5000-5099) and a message a user can act on; the connection turns any thrown
// error into exactly one error response (unknown errors become INTERNAL with the stack logged).

export const DapErrorCode = {
  INTERNAL: 5000,
  UNKNOWN_COMMAND: 5001,
  BAD_REQUEST: 5002,
  BAD_LAUNCH_FIELD: 5003,
  DEBUGGER_NOT_FOUND: 5004,
  NO_BACKEND: 5005,
  WRONG_STATE: 5006,
  BACKEND_FAILED: 5007,
  BACKEND_EXITED: 5008,
  TARGET_UNREACHABLE: 5009,
  TIMEOUT: 5010,
  NOT_SUPPORTED: 5011,
} as const;
export type DapErrorCodeName = keyof typeof DapErrorCode;

const BRAND = Symbol.for('kmirror.DapError');

/** An error whose message is shown to the user in the DAP error response. */
export class DapError extends Error {
  override name = 'DapError';
  readonly [BRAND] = true;
  constructor(readonly code: DapErrorCodeName, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
  get id(): number {
    return DapErrorCode[this.code];
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
