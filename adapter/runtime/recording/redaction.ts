// Credentials out of recorded HTTP headers: the value of each matching header line becomes
// `<redacted by kmirror>`, so the file shows what was hidden and a replay sends the placeholder.
import { DEFAULT_REDACTED_HEADERS, REDACTED_VALUE, type RedactionSettings } from './records.js';

export type HeaderNameMatcher = (lowerCaseName: string) => boolean;

/** Settings for a recording: the four credential headers plus `patterns` unless `optOut`. */
export function redactionSettings(patterns: string[] = [], optOut = false): RedactionSettings {
  for (const p of patterns) {
    try {
      new RegExp(p, 'i');
    } catch (err) {
      throw new Error(`redaction pattern ${JSON.stringify(p)} is not a regular expression: ${(err as Error).message}`);
    }
  }
  return { enabled: !optOut, headers: [...DEFAULT_REDACTED_HEADERS], patterns };
}

export function headerMatcher(settings: RedactionSettings): HeaderNameMatcher | undefined {
  if (!settings.enabled) return undefined;
  const names = new Set(settings.headers.map((h) => h.toLowerCase()));
  const regexps = settings.patterns.map((p) => new RegExp(p, 'i'));
  return (name) => names.has(name) || regexps.some((r) => r.test(name));
}

/**
 * Rewrites the header block of one HTTP/1.x message (request/status line through the blank line).
 * Returns the block unchanged (same Buffer) when nothing matched.
 */
export function redactHeaderBlock(block: Buffer, matches: HeaderNameMatcher): { block: Buffer; redacted: string[] } {
  const text = block.toString('latin1');
  const lines = text.split('\r\n');
  const redacted: string[] = [];
  // Line 0 is the request/status line; the block ends with "\r\n\r\n" so the last two are empty.
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!matches(name)) continue;
    lines[i] = `${line.slice(0, colon)}: ${REDACTED_VALUE}`;
    if (lines[i] !== line) redacted.push(name);
  }
  if (redacted.length === 0) return { block, redacted };
  return { block: Buffer.from(lines.join('\r\n'), 'latin1'), redacted };
}
