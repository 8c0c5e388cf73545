// 100,000 mutated recordings through the reader: each reads (whole or up to the damage) or is
// refused with a RecordingFormatError naming an offset — never another exception. Seeded.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { fuzzReader } from './fuzz-reader.js';
import { http, writeScriptedRecording } from './test-recordings.js';

it('survives 100,000 mutated files with only clear errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kmrec-fuzz-'));
  try {
    const path = join(dir, 'base.kmrec');
    await writeScriptedRecording(path, {
      redactionPatterns: ['^x-token$'],
      connections: [
        { segments: [['request', http.get('/a', 'Cookie: c=1\r\n') + http.post('/b', 'xy')], ['response', http.ok('1') + http.chunked(['zz'], 500)]] },
        { segments: [['request', 'raw'], ['response', Buffer.from([0, 1, 2, 255])]], reset: true },
      ],
    });
    const outcome = fuzzReader(readFileSync(path), 100_000, 0x12c0ffee);
    expect(outcome.crashes).toEqual([]);
    expect(outcome.files).toBe(100_000);
    // The campaign reaches every outcome, so it is not testing only the preamble check.
    expect(outcome.readWhole).toBeGreaterThan(1_000);
    expect(outcome.stoppedAtDamage).toBeGreaterThan(1_000);
    expect(outcome.refused).toBeGreaterThan(1_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
