// The one error type of the tunnel: a proto ErrorCode name plus a message that names the
// operation and the target. Brand-based guard so it works across bundles and realms.
import type { ErrorCodeName } from './types.js';
import { KmError } from './km-error.js';

const BRAND = Symbol.for('kmirror.TunnelError');

export class TunnelError extends KmError<'tunnel'> {
  override name = 'TunnelError' as const;
  readonly [BRAND] = true;

  constructor(code: ErrorCodeName, message: string, options?: { cause?: unknown }) {
    super('tunnel', code, message, options);
  }
}

/** True for a TunnelError from any bundle (instanceof fails across copies of this module). */
export function isTunnelError(err: unknown): err is TunnelError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
}
