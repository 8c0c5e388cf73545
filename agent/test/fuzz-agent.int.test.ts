// A short seeded fuzz run against the real agent process (agent/test/helpers/agent-fuzzer.ts;
// bench/fuzz-agent.ts runs a million inputs): mutated frames and message sequences after a valid
// handshake. The agent must stay alive, serve a well-behaved client at every checkpoint, answer
// no input with an INTERNAL error or an error-level log line, and hold no more descriptors once
// the fuzzing clients are gone. A failure names the seed, so the run can be repeated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, requireRoot, sweepStale } from '#test/harness/netns.js';
import { fuzzAgent } from './helpers/agent-fuzzer.js';
import { expectStillServing, startLiveAgent, type LiveAgent } from './helpers/live-agent.js';

const SEED = Number(process.env.KMIRROR_FUZZ_SEED ?? 21);
const INPUTS = Number(process.env.KMIRROR_FUZZ_INPUTS ?? 4000);
let live: LiveAgent;

beforeAll(async () => {
  requireRoot();
  sweepStale();
  live = await startLiveAgent();
  await expectStillServing(live); // warm-up, so the baseline holds what a first client creates for good
});

afterAll(async () => {
  await live?.stop();
  cleanupAll();
});

describe('fuzzing the live agent', () => {
  it(`${INPUTS} seeded inputs (seed ${SEED}): no crash, no INTERNAL error, no leaked descriptor, bounded memory`, async () => {
    const stats = await fuzzAgent(live, { inputs: INPUTS, seed: SEED, checkEvery: 1000 });
    console.log(JSON.stringify(stats));
    expect(live.alive()).toBe(true);
    expect(stats.inputs).toBe(INPUTS);
    expect(stats.internalErrors).toEqual([]);
    expect(live.errorLogs()).toEqual([]);
    expect(stats.fdLeaks).toEqual([]);
    expect(stats.rssMaxKb).toBeLessThan(stats.rssStartKb + 150 * 1024);
  });
});
