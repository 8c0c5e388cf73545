// A bad configuration: the message names the file and the key (e.g. `feature.fs.mode`).
import { KmError } from '#proto/runtime/km-error.js';

const BRAND = Symbol.for('kmirror.ConfigError');

export class ConfigError extends KmError<'config'> {
  override name = 'ConfigError' as const;
  readonly [BRAND] = true;
  /** Dotted key path of the offending value, '' for the whole file. */
  readonly key: string;

  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super('config', 'INVALID_CONFIG', message, options);
    this.key = key;
  }
}

export function isConfigError(err: unknown): err is ConfigError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
}
