// DAP fuzzing of a live kmirror-dap: 10^6 seeded inputs (mutated requests, byte and header
// mutations, deep nesting, large values, non-requests, out-of-order sequences) on stdio and on
// --port, each against a process started from dist/kmirror-dap.js. Prints, per mode: crashes,
// probes left unanswered (the fuzzing client's own and, on --port, a bystander client's), invalid
// DAP written by kmirror-dap, and resident memory after the first batch, at its peak and at the end.
// A crashing batch is saved under build/fuzz-dap/ for replay. Not a test: it exits 1 when it found
// anything, so `npm run bench` shows it.
//   FUZZ_DAP_INPUTS (default 1000000 per mode), FUZZ_DAP_SEED (default 21), FUZZ_DAP_MODES (stdio,port)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fuzzKmirrorDap, type FuzzReport } from '#dap/test/fuzz/dap-fuzz-run.js';

const ROOT = process.cwd();
const INPUTS = Number(process.env.FUZZ_DAP_INPUTS ?? 1_000_000);
const SEED = Number(process.env.FUZZ_DAP_SEED ?? 21);
const MODES = (process.env.FUZZ_DAP_MODES ?? 'stdio,port').split(',') as Array<'stdio' | 'port'>;
const bundle = join(ROOT, 'dist/kmirror-dap.js');
if (!existsSync(bundle)) throw new Error(`${bundle} missing: run bash scripts/build.sh`);

const mb = (kb: number): string => (kb / 1024).toFixed(1);
function print(r: FuzzReport): void {
  console.log(`${r.mode}: ${r.inputs} inputs, seed ${r.seed}, ${(r.durationMs / 1000).toFixed(1)} s (${Math.round(r.inputs / (r.durationMs / 1000))}/s), `
    + `${r.messagesReceived} messages back, ${r.sessionsEnded} sessions ended by a fuzzed disconnect`);
  console.log(`  crashes ${r.crashes.length}, unanswered ${r.unanswered.length}, invalid DAP ${r.invalid.length}; `
    + `RSS MB first ${mb(r.rssKb.first)} max ${mb(r.rssKb.max)} last ${mb(r.rssKb.last)}`);
  for (const f of [...r.crashes, ...r.unanswered, ...r.invalid].slice(0, 20)) console.log(`  at input ${f.at}: ${f.detail}`);
}

let found = 0;
for (const mode of MODES) {
  const report = await fuzzKmirrorDap({
    bundle, mode, seed: SEED, inputs: INPUTS, crashDir: join(ROOT, 'build/fuzz-dap'),
    onBatch: (done, r) => {
      if (done % 100_000 === 0) console.log(`  ${mode}: ${done} inputs, RSS ${mb(r.rssKb.last)} MB`);
    },
  });
  print(report);
  found += report.crashes.length + report.unanswered.length + report.invalid.length;
}
process.exit(found ? 1 : 0);
