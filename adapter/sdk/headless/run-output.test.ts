import { describe, expect, it } from 'vitest';
import { formatEnd, formatHitJson, formatHitText, formatTraceJson } from './run-output.js';

const rec = {
  hit: 2, file: '/srv/app/handler.py', line: 12, function: 'handle',
  values: [{ expression: 'req.path', value: "'/x'" }, { expression: 'nope', error: "name 'nope' is not defined" }],
};

describe('run output', () => {
  it('text: location relative to cwd, one line per value', () => {
    expect(formatHitText(rec, '/srv/app')).toBe("hit 2 at handler.py:12 in handle\n  req.path = '/x'\n  nope !! name 'nope' is not defined\n");
    expect(formatHitText(rec, '/elsewhere')).toContain('hit 2 at /srv/app/handler.py:12');
  });

  it('json: one parseable line with values and errors', () => {
    const line = formatHitJson(rec);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trimEnd()).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      event: 'hit', hit: 2, file: '/srv/app/handler.py', line: 12, function: 'handle',
      values: { 'req.path': "'/x'" }, errors: { nope: "name 'nope' is not defined" },
    });
    expect(JSON.parse(formatHitJson({ hit: 1, values: [] }))).toEqual({ event: 'hit', hit: 1, values: {} });
  });

  it('end records', () => {
    expect(JSON.parse(formatEnd({ reason: 'exited', exitCode: 3, programExitCode: 3, hits: 1 }, true)))
      .toEqual({ event: 'end', reason: 'exited', exitCode: 3, programExitCode: 3, hits: 1 });
    expect(formatEnd({ reason: 'exited', exitCode: 3, hits: 1 }, false)).toBe('kmirror-dap run: program exited with code 3 after 1 hit\n');
    expect(formatEnd({ reason: 'count', exitCode: 0, hits: 2 }, false)).toMatch(/after 2 hits \(--count\)/);
    expect(formatEnd({ reason: 'timeout', exitCode: 124, hits: 0 }, false)).toMatch(/--timeout after 0 hits \(exit 124\)/);
    expect(formatEnd({ reason: 'error', exitCode: 1, hits: 0, message: 'launch failed: x' }, false)).toBe('kmirror-dap run: launch failed: x\n');
  });

  it('trace: the event body as one line tagged "trace"', () => {
    expect(formatTraceJson({ gadget: 'dns', name: 'web', kind: 'query' })).toBe('{"event":"trace","gadget":"dns","name":"web","kind":"query"}\n');
    expect(formatTraceJson('x')).toBe('{"event":"trace","value":"x"}\n');
  });
});
