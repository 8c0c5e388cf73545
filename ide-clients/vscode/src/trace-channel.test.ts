import { describe, expect, it } from 'vitest';
import { traceChannelLine, withTraceChannel } from './trace-channel.js';

describe('kmirror trace channel', () => {
  it('asks for trace events only when the configuration traces and left traceOutput alone', () => {
    expect(withTraceChannel({ type: 'kmirror', trace: ['dns'] })).toEqual({ type: 'kmirror', trace: ['dns'], traceOutput: 'event' });
    expect(withTraceChannel({ trace: ['dns'], traceOutput: 'debugConsole' })).toEqual({ trace: ['dns'], traceOutput: 'debugConsole' });
    expect(withTraceChannel({ program: 'a.py' })).toEqual({ program: 'a.py' });
  });

  it('turns an event body into a line named after the session', () => {
    expect(traceChannelLine('web', { line: '[dns] 10:00:00.000 query 1 web A', data: {} })).toBe('web: [dns] 10:00:00.000 query 1 web A');
    expect(traceChannelLine('web', { data: {} })).toBeUndefined();
    expect(traceChannelLine('web', null)).toBeUndefined();
  });
});
