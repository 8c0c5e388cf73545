// A short seeded fuzz of the local proxy's layer channel, live (bench/fuzz-proxy-layer.ts runs
// 10^6): a real agent on a sandboxed target (root), mutated frames and message sequences into the
// proxy's socket; nothing crashes, every well-formed request is answered, a well-behaved layer is
// served at each checkpoint, no connection is left open, memory stays bounded.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupAll, requireRoot } from '#test/harness/netns.js';
import { fuzzProxyLayer } from './fuzz/layer-fuzz-run.js';

afterAll(() => cleanupAll());

describe('local proxy layer channel under fuzzed input', () => {
  it('4,000 seeded inputs: no crash, no hang, valid clients served, bounded memory', { timeout: 120_000 }, async () => {
    requireRoot();
    const r = await fuzzProxyLayer({ seed: 5, inputs: 4000, checkEvery: 1000 });
    expect(r.crashes).toEqual([]);
    expect(r.handlerErrors).toEqual([]);
    expect(r.hangs).toEqual([]);
    expect(r.unserved).toEqual([]);
    expect(r.leaks).toEqual([]);
    expect(r.inputs).toBe(4000);
    expect(r.answers).toBeGreaterThan(1000);     // the requests reached the handlers and the agent
    expect(r.badFrames).toBeGreaterThan(0);      // and the mutated frames the decoder
    expect(r.rssMb.max - r.rssMb.start).toBeLessThan(300);
  });
});
