// A short seeded libFuzzer campaign (ASan + UBSan) of the supervisor's decoding of the proxy's
// messages (layer/fuzz/; bench/fuzz-layer.ts runs 10^6), and a replay of the committed regression
// inputs: no crash, leak, timeout or out-of-memory, and the invariants of the target hold.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replayLayerRegressions, runLayerFuzz } from '../fuzz/campaign.js';

const ROOT = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'kmirror-layer-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('layer supervisor: fuzzed proxy messages', () => {
  it('20,000 seeded runs find nothing', { timeout: 120_000 }, async () => {
    const r = await runLayerFuzz({ root: ROOT, runs: 20_000, seed: 1, corpusDir: join(work, 'corpus'), findingsDir: join(work, 'findings') });
    expect(r.findings, r.log.slice(-4000)).toEqual([]);
    expect(r.exitCode, r.log.slice(-4000)).toBe(0);
    expect(r.runs).toBe(20_000);
    expect(r.coverage).toBeGreaterThan(50);   // the seeds reach past the framing into the messages
  });

  it('the committed regression inputs pass', { timeout: 60_000 }, () => {
    const r = replayLayerRegressions(ROOT);
    expect(r.inputs).toBeGreaterThanOrEqual(4);
    expect(r.exitCode, r.log.slice(-4000)).toBe(0);
  });
});
