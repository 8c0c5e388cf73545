// JSON-lines logger for the agent (stderr; stdout carries only the ready line). Secrets are
// never passed as fields: callers log token presence, not values.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogTag = 'agent' | 'tunnel' | 'tcp' | 'udp' | 'dns' | 'files' | 'env' | 'incoming' | 'netns' | 'probe.steal' | 'probe.mirror' | 'trace' | 'snapshot' | 'attach';

export interface Logger {
  debug(tag: LogTag, msg: string, fields?: Record<string, unknown>): void;
  info(tag: LogTag, msg: string, fields?: Record<string, unknown>): void;
  warn(tag: LogTag, msg: string, fields?: Record<string, unknown>): void;
  error(tag: LogTag, msg: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line (e.g. the client connection id). */
  child(fields: Record<string, unknown>): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Writes one JSON object per line; levels below `minLevel` are dropped. */
export function createJsonLogger(opts: { minLevel?: LogLevel; write?: (line: string) => void; base?: Record<string, unknown> } = {}): Logger {
  const min = ORDER[opts.minLevel ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const base = opts.base ?? {};
  const emit = (level: LogLevel, tag: LogTag, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, tag, msg, ...base, ...fields }, errorReplacer) + '\n');
  };
  return {
    debug: (t, m, f) => emit('debug', t, m, f),
    info: (t, m, f) => emit('info', t, m, f),
    warn: (t, m, f) => emit('warn', t, m, f),
    error: (t, m, f) => emit('error', t, m, f),
    child: (fields) => createJsonLogger({ ...opts, base: { ...base, ...fields } }),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
