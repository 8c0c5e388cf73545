import { describe, expect, it } from 'vitest';
import { ClusterError } from '../cluster/errors.js';
import { withStartupTimeoutHint } from './cluster-placement.js';

describe('start-up timeout message', () => {
  it('names agent.startup_timeout when the agent start ran out of that time', () => {
    const err = withStartupTimeoutHint(new ClusterError('TIMEOUT', 'starting agent job j on node n: not done after 1500 ms'), 1500) as Error;
    expect(err.message).toBe('starting agent job j on node n: not done after 1500 ms (agent.startup_timeout is 1.5 s: raise it if the agent needs longer to start)');
  });

  it('leaves other errors alone', () => {
    const other = new ClusterError('TIMEOUT', 'port-forward: not done after 5000 ms');
    expect(withStartupTimeoutHint(other, 1500)).toBe(other);
    const notCluster = new Error('not done after 1500 ms');
    expect(withStartupTimeoutHint(notCluster, 1500)).toBe(notCluster);
  });
});
