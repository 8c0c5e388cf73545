// A test file's network namespace and the local agent serving it (a real agent process, target netns/<name>):
// made in beforeAll (root required; namespaces left by crashed runs swept first), removed in afterAll, also when
// a test failed.
import { afterAll, beforeAll } from 'vitest';
import { cleanupAll, createNetns, requireRoot, sweepStale, type TestNetns } from '#test/harness/netns.js';
import { startLocalAgent, type LocalAgent } from '#runtime/tunnel/local-agent.js';

export interface NetnsAgent {
  readonly ns: TestNetns;
  readonly agent: LocalAgent;
  /** A new agent for the same namespace, after the test killed this one. */
  restartAgent(): Promise<void>;
}

/** Registers the file's beforeAll/afterAll; read `ns` and `agent` inside tests. */
export function netnsAgentForFile(): NetnsAgent {
  let ns: TestNetns | undefined;
  let agent: LocalAgent | undefined;
  const startAgent = async (): Promise<void> => {
    agent = await startLocalAgent({ target: `netns/${netns().name}` });
  };
  const netns = (): TestNetns => {
    if (!ns) throw new Error('no test namespace: read it inside a test, after beforeAll');
    return ns;
  };
  beforeAll(async () => {
    requireRoot();
    sweepStale();
    ns = createNetns();
    await startAgent();
  });
  afterAll(async () => {
    try { await agent?.stop(); } finally { cleanupAll(); }
  });
  return {
    get ns() { return netns(); },
    get agent() {
      if (!agent) throw new Error('no agent: read it inside a test, after beforeAll');
      return agent;
    },
    restartAgent: startAgent,
  };
}
