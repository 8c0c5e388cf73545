// A short seeded DAP fuzz of a live kmirror-dap, on stdio and on --port (bench/fuzz-dap.ts runs
// 10^6 inputs): mutated and out-of-order requests never crash it, a valid request on the same
// stream is always answered (and on --port so is another client's), everything it writes is valid
// DAP, and its memory stays bounded.
import { describe, expect, it } from 'vitest';
import { kmirrorDapBundleForFile } from './bundle.js';
import { fuzzKmirrorDap } from './fuzz/dap-fuzz-run.js';

const SEED = 21;
const INPUTS = 20_000;
/** Far above what kmirror-dap needs (~75 MB idle), far below what unbounded buffering of 2·10^4 inputs reaches. */
const MAX_RSS_KB = 400 * 1024;

const bundle = kmirrorDapBundleForFile();

describe('kmirror-dap under fuzzed DAP input', () => {
  it.each(['stdio', 'port'] as const)('%s: no crash, always answers, valid output, bounded memory', { timeout: 60_000 }, async (mode) => {
    const report = await fuzzKmirrorDap({ bundle: bundle(), mode, seed: SEED, inputs: INPUTS });
    expect(report.crashes).toEqual([]);
    expect(report.unanswered).toEqual([]);
    expect(report.invalid).toEqual([]);
    expect(report.inputs).toBe(INPUTS);
    expect(report.rssKb.max).toBeGreaterThan(0);
    expect(report.rssKb.max).toBeLessThan(MAX_RSS_KB);
  });
});
