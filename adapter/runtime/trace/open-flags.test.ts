import { describe, expect, it } from 'vitest';
import { formatOpenFlags } from './open-flags.js';
import { toTracedEvent } from './trace-stream.js';

describe('formatOpenFlags', () => {
  it('names the access mode and each flag, composites first, unknown bits in hex', () => {
    expect(formatOpenFlags(0)).toBe('O_RDONLY');
    expect(formatOpenFlags(0o2101)).toBe('O_WRONLY|O_CREAT|O_APPEND');
    expect(formatOpenFlags(0o4010002)).toBe('O_RDWR|O_SYNC');
    expect(formatOpenFlags(0o20200002)).toBe('O_RDWR|O_TMPFILE');
    expect(formatOpenFlags(0o2000000 | 0x80000000)).toBe('O_RDONLY|O_CLOEXEC|0x80000000');
  });
});

describe('toTracedEvent', () => {
  const process = { pid: 1, tid: 1, ppid: 0, uid: 0, comm: 'sh' };
  it('keys the event by the oneof member that is set', () => {
    expect(toTracedEvent({ timeUs: 5, process, exec: { filename: '/bin/true', argv: ['true'] } })).toEqual({ timeUs: 5, process, gadget: 'exec', filename: '/bin/true', argv: ['true'] });
    expect(toTracedEvent({ timeUs: 5, process, open: { path: '/x', flags: 0, mode: 0, result: 3 } })?.gadget).toBe('open');
    expect(toTracedEvent({ timeUs: 5, process })).toBeUndefined();
  });
});
