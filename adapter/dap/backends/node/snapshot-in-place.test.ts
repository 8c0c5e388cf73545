import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BINDING, HELPER_SOURCE, InPlaceSnapshots } from './snapshot-in-place.js';
import { ScriptRegistry } from './scripts.js';
import type { CdpClient } from './cdp-client.js';

const scopes = [
  { name: 'Locals', variables: [{ name: 'greeting', value: '' }, { name: 'req', value: '' }, { name: 'gone', value: '' }] },
  { name: 'Closure', variables: [{ name: 'greeting', value: '' }, { name: 'served', value: '' }, { name: 'not an identifier', value: '' }] },
];

/** Runs the helper and one condition in a fresh context, as V8 would at the breakpoint; returns the condition's result and what it sent. */
function hit(condition: string): { result: unknown; sent: string[] } {
  const sent: string[] = [];
  const context = { [BINDING]: (p: string) => sent.push(p), performance };
  runInNewContext(HELPER_SOURCE, context, { filename: '/app/server.js' });
  const result = runInNewContext(`(function handler(req) { const greeting = 'hello'; let served = 2; return ${condition}; })({ method: 'GET', get secret() { throw new Error('getter ran'); } })`, context, { filename: '/app/server.js' });
  return { result, sent };
}

describe('snapshots captured in the breakpoint condition', () => {
  const scripts = new ScriptRegistry({ log() {} });
  scripts.add({ scriptId: '7', url: 'file:///app/server.js' });
  const inPlace = new InPlaceSnapshots({} as CdpClient, scripts);

  it('reads each name once (the innermost scope has it), never pauses, and does not run getters', () => {
    const condition = inPlace.condition(3, scopes);
    expect(condition).toContain('["Locals", ["greeting","req","gone"], [() => greeting, () => req, () => gone]]');
    expect(condition).toContain('["Closure", ["served"], [() => served]]');
    const { result, sent } = hit(condition);
    expect(result).toBe(false);
    expect(sent).toHaveLength(1);
    const body = inPlace.record(BINDING, sent[0]!, 5)!;
    expect(body).toMatchObject({ kind: 'kmirror/snapshot', seq: 5, capture: 'node-condition', path: '/app/server.js', function: 'handler' });
    expect(body.scopes[0]!.variables).toEqual([
      { name: 'greeting', value: '"hello"', type: 'string' },
      { name: 'req', value: 'Object', type: 'Object', children: [{ name: 'method', value: '"GET"', type: 'string' }, { name: 'secret', value: '(getter)', type: 'accessor' }] },
      { name: 'gone', value: '(unavailable)' },
    ]);
    expect(body.scopes[1]!.variables).toEqual([{ name: 'served', value: '2', type: 'number' }]);
    expect(body.pauseMs).toBeGreaterThan(0);
  });

  it('ignores other bindings', () => {
    expect(inPlace.record('someoneElse', '{}', 1)).toBeUndefined();
  });
});
