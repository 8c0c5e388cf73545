// Recording reader fuzzing at 10^6 seeded mutated files (the unit test runs 10^5 of the same
// campaign): bit flips, byte sets, truncations, insertions, deletions, forged lengths and spliced
// copies, half of them with re-sealed checksums so the msgpack decoder and the record shape checks
// see garbage too. Every file must read (whole or up to the damage) or be refused with a
// RecordingFormatError naming an offset. Prints the outcome mix and the rate; exits 1 on a crash.
//   FUZZ_RECORDING_FILES (default 1000000), FUZZ_RECORDING_SEED (default 12)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzReader } from '#runtime/recording/fuzz-reader.js';
import { http, writeScriptedRecording } from '#runtime/recording/test-recordings.js';

const FILES = Number(process.env.FUZZ_RECORDING_FILES ?? 1_000_000);
const SEED = Number(process.env.FUZZ_RECORDING_SEED ?? 12);

const dir = mkdtempSync(join(tmpdir(), 'kmrec-fuzz-bench-'));
try {
  const path = join(dir, 'base.kmrec');
  await writeScriptedRecording(path, {
    redactionPatterns: ['^x-token$'],
    connections: [
      { segments: [['request', http.get('/a', 'Cookie: c=1\r\nX-Token: t\r\n') + http.post('/b', 'xy')], ['response', http.ok('1') + http.chunked(['zz', 'y'], 500)]] },
      { segments: [['request', http.get('/slow')]], reset: true },
      { segments: [['request', 'raw'], ['response', Buffer.from([0, 1, 2, 255])]] },
    ],
  });
  const base = readFileSync(path);
  const t0 = performance.now();
  const r = fuzzReader(base, FILES, SEED);
  const s = (performance.now() - t0) / 1000;
  console.log(`recording reader: ${r.files} mutated files of a ${base.length}-byte recording, seed ${SEED}, ${s.toFixed(1)} s (${Math.round(r.files / s)}/s)`);
  console.log(`  read whole ${r.readWhole}, stopped at damage ${r.stoppedAtDamage}, refused ${r.refused}, crashes ${r.crashes.length}`);
  for (const c of r.crashes) console.log(`  iteration ${c.iteration}: ${c.error.split('\n').slice(0, 3).join(' | ')}`);
  if (r.crashes.length) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
