import { describe, expect, it } from 'vitest';
import { dropReason, parseByteSize, parseDuration, progressLine, summary } from './record-progress.js';

const stats = { connections: 3, exchanges: 12, segments: 40, bytes: 5 << 20, gaps: 1, lostBytes: 2048, dropped: 7, redacted: { authorization: 2 } };

describe('kmirror record options and output', () => {
  it('parses sizes and durations, refusing the rest with the expected form', () => {
    expect(parseByteSize('1000')).toBe(1000);
    expect(parseByteSize('64k')).toBe(65536);
    expect(parseByteSize('10MB')).toBe(10 << 20);
    expect(parseByteSize('1GiB')).toBe(1 << 30);
    expect(() => parseByteSize('ten')).toThrow(/not a size/);
    expect(() => parseByteSize('0')).toThrow(/at least 1 byte/);
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(() => parseDuration('-1s')).toThrow(/not a duration/);
  });

  it('shows requests, bytes, drops and gaps', () => {
    expect(progressLine(stats, 4_000, dropReason(true, false))).toBe('4s · 12 requests · 3 connections · 5.0 MiB · 7 dropped (not failing) · 1 gaps (2.0 KiB lost)');
    const text = summary('/tmp/x.kmrec', 'interrupted', stats, 1_500, dropReason(false, false));
    expect(text).toContain('stopped (interrupted) after 1.5 s');
    expect(text).toContain('12 HTTP exchanges, 3 connections, 40 segments, 5.0 MiB of traffic');
    expect(text).toContain('1 gaps recorded (2.0 KiB lost)');
    expect(text).toContain('redacted: authorization ×2');
    expect(text).not.toContain('dropped');
    expect(summary('/tmp/x.kmrec', 'interrupted', stats, 1_500, dropReason(true, true))).toContain('7 exchanges/connections dropped (not failing or not matching --http-filter)');
    expect(progressLine(stats, 0, dropReason(false, true))).toContain('7 dropped (not matching --http-filter)');
  });
});
