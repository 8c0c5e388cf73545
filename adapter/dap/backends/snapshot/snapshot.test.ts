import { describe, expect, it } from 'vitest';
import { clip, formatSnapshotLine, isSnapshotOutput, snapshotOutput, SNAPSHOT_LIMITS, type SnapshotBody } from './snapshot.js';

const body: SnapshotBody = {
  kind: 'kmirror/snapshot', seq: 3, threadId: 1, path: '/src/server.js', line: 12, function: 'handle',
  stack: [{ name: 'handle', path: '/src/server.js', line: 12 }], scopes: [{ name: 'Locals', variables: [{ name: 'greeting', value: '"hi"', type: 'string' }, { name: 'n', value: '2' }] }],
  pauseMs: 0.4321, capture: 'node-cdp', time: '2026-01-01T00:00:00.000Z',
};

describe('snapshot records', () => {
  it('reads as one line and carries the record as data, with the source of the hit', () => {
    expect(formatSnapshotLine(body)).toBe('snapshot #3 at server.js:12 in handle (paused 0.43 ms): greeting="hi", n=2\n');
    const out = snapshotOutput(body);
    expect(out).toMatchObject({ category: 'console', data: body, source: { path: '/src/server.js' }, line: 12 });
    expect(isSnapshotOutput(out.data)).toBe(true);
    expect(isSnapshotOutput({ kind: 'other' })).toBe(false);
  });

  it('clips long values to the bound', () => {
    const long = 'x'.repeat(1000);
    expect(clip(long)).toHaveLength(SNAPSHOT_LIMITS.valueChars);
    expect(clip('short')).toBe('short');
  });
});
