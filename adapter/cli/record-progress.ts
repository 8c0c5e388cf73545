// What `kmirror record` shows: a progress line redrawn on a terminal and the summary at the end,
// plus the parsers of its size and duration options.
import type { WriterStats } from '#runtime/recording/writer.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Why exchanges are dropped, for the progress line and summary; undefined when nothing is filtered. */
export function dropReason(onlyFailing: boolean, httpFilter: boolean): string | undefined {
  if (onlyFailing && httpFilter) return 'not failing or not matching --http-filter';
  if (onlyFailing) return 'not failing';
  return httpFilter ? 'not matching --http-filter' : undefined;
}

/** One line: what is in the file so far and what was dropped or lost. */
export function progressLine(s: WriterStats, elapsedMs: number, dropped: string | undefined): string {
  const parts = [
    `${(elapsedMs / 1000).toFixed(0)}s`,
    `${s.exchanges} requests`,
    `${s.connections} connections`,
    formatBytes(s.bytes),
  ];
  if (dropped) parts.push(`${s.dropped} dropped (${dropped})`);
  parts.push(s.gaps > 0 ? `${s.gaps} gaps (${formatBytes(s.lostBytes)} lost)` : 'no gaps');
  return parts.join(' · ');
}

export function summary(path: string, reason: string, s: WriterStats, elapsedMs: number, dropped: string | undefined): string {
  const lines = [
    `kmirror record: ${path}: stopped (${reason}) after ${(elapsedMs / 1000).toFixed(1)} s`,
    `  ${s.exchanges} HTTP exchanges, ${s.connections} connections, ${s.segments} segments, ${formatBytes(s.bytes)} of traffic`,
  ];
  if (dropped) lines.push(`  ${s.dropped} exchanges/connections dropped (${dropped})`);
  lines.push(s.gaps > 0 ? `  ${s.gaps} gaps recorded (${formatBytes(s.lostBytes)} lost)` : '  no gaps: nothing was lost');
  const redacted = Object.entries(s.redacted);
  if (redacted.length > 0) lines.push(`  redacted: ${redacted.map(([h, n]) => `${h} ×${n}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** "1000", "64k", "10MB", "1GiB" → bytes. */
export function parseByteSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a size (e.g. 500000, 64k, 10MB, 1GiB)`);
  const power = ['', 'k', 'm', 'g', 't'].indexOf((m[2] ?? '').toLowerCase());
  const n = Math.floor(Number(m[1]) * 1024 ** power);
  if (n < 1) throw new Error(`size "${text}" must be at least 1 byte`);
  return n;
}

/** "90", "90s", "500ms", "5m", "1h" → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration (e.g. 90s, 5m, 1h)`);
  const ms = Number(m[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  if (ms < 1) throw new Error(`duration "${text}" must be positive`);
  return ms;
}
