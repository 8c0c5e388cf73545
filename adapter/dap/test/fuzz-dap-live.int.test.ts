// A short seeded fuzz of kmirror-dap sessions with a live debugger (bench/fuzz-dap-live.ts runs
// 10^6 inputs): each session launches a real program under the Node bridge or debugpy, stops at
// a breakpoint, then gets mutated and out-of-order live-state requests with real and invalid ids.
// No crash, kmirror-dap's own answers always there (probe, bystander, disconnect; requests the
// debugger leaves unanswered are counted, not asserted: open findings in README), valid DAP, bounded memory, and no process of a session left running after it ends (disconnect,
// terminate + disconnect, or a dropped client).
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleKmirrorDap } from './bundle.js';
import { fuzzLiveSessions, liveFuzzPrograms } from './fuzz/dap-live-fuzz-run.js';
import { FIXTURES } from './harness.js';

const SEED = 21;
/** At least four sessions, two per backend. */
const INPUTS = 400;
const MAX_RSS_KB = 400 * 1024;

let bundle: string;
beforeAll(async () => {
  bundle = await bundleKmirrorDap();
});
afterAll(() => {
  if (bundle) rmSync(dirname(bundle), { recursive: true, force: true });
});

describe('kmirror-dap sessions with a live debugger under fuzzed DAP input', () => {
  it('Node bridge and debugpy: no crash, kmirror-dap always answers, valid output, no leftover process', { timeout: 120_000 }, async () => {
    const report = await fuzzLiveSessions({ bundle, programs: liveFuzzPrograms(FIXTURES), seed: SEED, inputs: INPUTS, inputsPerSession: 100, answerTimeoutMs: 3000, goneTimeoutMs: 10_000 });
    expect(report.setupFailures).toEqual([]);
    expect(report.crashes).toEqual([]);
    expect(report.unanswered).toEqual([]);
    // Not asserted yet: requests the debugger itself leaves unanswered (debugpy deadlocks, and the
    // Node bridge after an evaluate paused inside) are open findings, listed in README (Fuzzing).
    // Such a session is reported and left; kmirror-dap's own answers above must never be missing.
    expect(report.invalid).toEqual([]);
    expect(report.leftovers).toEqual([]);
    expect(report.inputs).toBe(INPUTS);
    // A session whose debugger went silent is left early, so the run may take more than four.
    expect(Object.keys(report.perProgram).sort()).toEqual(['node', 'python']);
    expect(report.perProgram.node!.sessions).toBeGreaterThanOrEqual(2);
    expect(report.perProgram.python!.sessions).toBeGreaterThanOrEqual(2);
    expect(report.requestsAnswered).toBeGreaterThan(INPUTS / 2);
    expect(report.processesChecked).toBeGreaterThanOrEqual(4);
    expect(report.rssKb.max).toBeGreaterThan(0);
    expect(report.rssKb.max).toBeLessThan(MAX_RSS_KB);
  });
});
