// Golden DAP transcripts (adapter/dap/test/golden/<scenario>.txt): the recorded traffic, sanitised
// (fixture paths, seq numbers, pids, ports, timestamps), is compared with the committed file.
// RESET_GOLDEN=1 rewrites it; a mismatch writes <scenario>.actual beside it and fails.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Message } from './raw-client.js';

const GOLDEN_DIR = fileURLToPath(new URL('./golden/', import.meta.url));

export interface SanitiseOptions {
  /** Replaced by the placeholder given (e.g. the fixture dir → <FIXTURES>). */
  replace: Array<[string, string]>;
  /** Drop messages the scenario does not assert (e.g. timing-dependent program output). */
  drop?: (m: Message) => boolean;
}

const VOLATILE_KEYS = new Set(['seq', 'request_seq', 'systemProcessId', 'timestamp', 'progressId', 'processId', 'pid']);

export function renderTranscript(transcript: Array<{ dir: '->' | '<-'; message: Message }>, opts: SanitiseOptions): string {
  const lines: string[] = [];
  for (const { dir, message } of transcript) {
    if (opts.drop?.(message)) continue;
    let text = JSON.stringify(message, (key, value: unknown) => (VOLATILE_KEYS.has(key) ? '<n>' : value));
    for (const [from, to] of opts.replace) text = text.split(from).join(to);
    text = text.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>');
    lines.push(`${dir} ${text}`);
  }
  return lines.join('\n') + '\n';
}

/** Compares with the golden file; returns undefined when equal, else a message naming the .actual file. */
export function checkGolden(scenario: string, actual: string): string | undefined {
  const path = `${GOLDEN_DIR}${scenario}.txt`;
  const actualPath = `${GOLDEN_DIR}${scenario}.actual`;
  if (process.env.RESET_GOLDEN === '1' || !existsSync(path)) {
    if (process.env.RESET_GOLDEN !== '1') {
      writeFileSync(actualPath, actual);
      return `no golden transcript ${path}: wrote ${actualPath}; review it and run with RESET_GOLDEN=1`;
    }
    writeFileSync(path, actual);
    rmSync(actualPath, { force: true });
    return undefined;
  }
  if (readFileSync(path, 'utf8') === actual) {
    rmSync(actualPath, { force: true });
    return undefined;
  }
  writeFileSync(actualPath, actual);
  return `transcript differs from ${path}: see ${actualPath} (RESET_GOLDEN=1 accepts it)`;
}
