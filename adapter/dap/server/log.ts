// Logging for kmirror-dap. stdout may be the DAP channel, so logs go to a file or stderr, never
// stdout. Tags form a closed union; full DAP traffic is logged at debug level. A message may be
// given as a function, formatted only when the line is written; every line is bounded (a long
// message is clipped, attached data is cut in depth and width), so a peer's message can never
// make logging recurse or grow without limit.
import { appendFileSync } from 'node:fs';
import { boundedCopy, clipText, LOG_DATA_BOUNDS } from '#sdk/protocol/bounded-format.js';

export const LOG_TAGS = ['dap.send', 'dap.receive', 'dap.session', 'backend', 'backend.send', 'backend.receive', 'layer', 'server'] as const;
export type LogTag = (typeof LOG_TAGS)[number];
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface DapLogger {
  log(level: LogLevel, tag: LogTag, message: string | (() => string), data?: unknown): void;
}

const LEVELS: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
/** Longest message written per line; a whole DAP message up to this size is logged as is. */
export const MAX_LOG_MESSAGE_CHARS = 64 * 1024;

/** Writes JSON lines to `file` (or stderr when file is '-') at or above `level`. */
export function createLogger(opts: { file?: string; level?: LogLevel }): DapLogger {
  const min = LEVELS[opts.level ?? 'info'];
  const file = opts.file;
  if (!file) return { log() {} };
  return {
    log(level, tag, message, data) {
      if (LEVELS[level] < min) return;
      const line = formatLine(level, tag, typeof message === 'function' ? message() : message, data);
      if (file === '-') process.stderr.write(line);
      else appendFileSync(file, line);
    },
  };
}

/** One JSON line, bounded whatever the message and data. */
export function formatLine(level: LogLevel, tag: LogTag, message: string, data?: unknown): string {
  const bounded = data === undefined ? {} : { data: boundedCopy(data, LOG_DATA_BOUNDS) };
  return JSON.stringify({ t: new Date().toISOString(), level, tag, message: clipText(message, MAX_LOG_MESSAGE_CHARS), ...bounded }) + '\n';
}

export const silentLogger: DapLogger = { log() {} };
