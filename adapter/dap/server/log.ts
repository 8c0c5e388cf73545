// Logging for kmirror-dap. stdout may be the DAP channel, so logs go to a file or stderr, never
// stdout. Tags form a closed union; full DAP traffic is logged at debug level.
import { appendFileSync } from 'node:fs';

export const LOG_TAGS = ['dap.send', 'dap.receive', 'dap.session', 'backend', 'backend.send', 'backend.receive', 'layer', 'server'] as const;
export type LogTag = (typeof LOG_TAGS)[number];
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface DapLogger {
  log(level: LogLevel, tag: LogTag, message: string, data?: unknown): void;
}

const LEVELS: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Writes JSON lines to `file` (or stderr when file is '-') at or above `level`. */
export function createLogger(opts: { file?: string; level?: LogLevel }): DapLogger {
  const min = LEVELS[opts.level ?? 'info'];
  const file = opts.file;
  if (!file) return { log() {} };
  return {
    log(level, tag, message, data) {
      if (LEVELS[level] < min) return;
      const line = JSON.stringify({ t: new Date().toISOString(), level, tag, message, ...(data === undefined ? {} : { data }) }) + '\n';
      if (file === '-') process.stderr.write(line);
      else appendFileSync(file, line);
    },
  };
}

export const silentLogger: DapLogger = { log() {} };
