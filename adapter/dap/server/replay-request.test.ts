// Which local port `kmirror/replay` sends to: the subscription for the recorded target port, the
// recorded port itself without a target, and a clear refusal when the debuggee has no such port.
import { describe, expect, it } from 'vitest';
import { replayPort } from './replay-request.js';

const status = (incoming: unknown[]) => ({ target: 'pod/web', agent: 'ready', proxy: { incoming } });

describe('replayPort', () => {
  it('maps the recorded target port to the local port the debuggee subscribed with', () => {
    const s = status([
      { port: 9090, localPort: 39090, transport: 'tcp', state: 'active' },
      { port: 8080, localPort: 18080, transport: 'tcp', state: 'active' },
      { port: 8080, localPort: 1, transport: 'udp', state: 'active' },
    ]);
    expect(replayPort(8080, s, true)).toBe(18080);
  });

  it('without a target, replays into the recorded port on this machine', () => {
    expect(replayPort(8080, { target: null, agent: 'none' }, false)).toBe(8080);
  });

  it('with a target but no matching subscription, names what the debuggee listens on', () => {
    expect(() => replayPort(8080, status([{ port: 9090, localPort: 39090, transport: 'tcp', state: 'active' }]), true)).toThrow(
      'kmirror/replay: the debuggee does not listen for target port 8080 (its subscriptions: 9090→39090); pass "port" to choose the local port',
    );
  });
});
