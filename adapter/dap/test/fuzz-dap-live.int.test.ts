// A short seeded fuzz of kmirror-dap sessions with a live debugger (bench/fuzz-dap-live.ts runs
// 10^6 inputs): each session launches a real program under the Node bridge or debugpy, stops at
// a breakpoint, then gets a stream of mutated and out-of-order live-state requests with real and
// invalid ids, many in flight, two sessions at a time. Every request answered exactly once — by the debugger, or by
// kmirror-dap at its bound (launch field `answerTimeoutMs`, short here) when the debugger went
// silent (that session is then ended and a new one started) — kmirror-dap's own answers always
// there (probe, bystander, disconnect), valid DAP, bounded memory, and no process of a session
// left running after it ends (disconnect, terminate + disconnect, or a dropped client).
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleKmirrorDap } from './bundle.js';
import { fuzzLiveSessions, liveFuzzPrograms } from './fuzz/dap-live-fuzz-run.js';
import { FIXTURES } from './harness.js';

const SEED = 21;
const INPUTS = 3000;
/** At least four sessions, two per backend. */
const PER_SESSION = 1000;
const MAX_RSS_KB = 400 * 1024;

let bundle: string;
beforeAll(async () => {
  bundle = await bundleKmirrorDap();
});
afterAll(() => {
  if (bundle) rmSync(dirname(bundle), { recursive: true, force: true });
});

describe('kmirror-dap sessions with a live debugger under fuzzed DAP input', () => {
  it('Node bridge and debugpy: no crash, every request answered once, valid output, no leftover process', { timeout: 180_000 }, async () => {
    const report = await fuzzLiveSessions({
      bundle, programs: liveFuzzPrograms(FIXTURES), seed: SEED, inputs: INPUTS, inputsPerSession: PER_SESSION, lanes: 2, answerBoundMs: 1500, goneTimeoutMs: 15_000,
    });
    expect(report.setupFailures).toEqual([]);
    expect(report.crashes).toEqual([]);
    expect(report.unanswered).toEqual([]);
    expect(report.invalid).toEqual([]);
    expect(report.leftovers).toEqual([]);
    expect(report.inputs).toBe(INPUTS);
    expect(report.requestsAnswered).toBe(report.requestsSent);
    expect(Object.keys(report.perProgram).sort()).toEqual(['node', 'python']);
    expect(report.perProgram.node!.sessions).toBeGreaterThanOrEqual(2);
    expect(report.perProgram.python!.sessions).toBeGreaterThanOrEqual(2);
    expect(report.processesChecked).toBeGreaterThanOrEqual(4);
    expect(report.rssKb.max).toBeGreaterThan(0);
    expect(report.rssKb.max).toBeLessThan(MAX_RSS_KB);
  });
});
