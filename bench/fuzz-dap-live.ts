// DAP fuzzing of kmirror-dap sessions with a live debugger: 10^6 seeded inputs spread over
// sessions that each launch a real program (Node bridge and debugpy in turn), stop at a
// breakpoint, then get mutated and out-of-order live-state requests with real and invalid ids.
// Prints crashes, requests left unanswered, invalid DAP, processes left running after a session,
// sessions that never stopped, and kmirror-dap's resident memory. Not a test: exits 1 when it
// found anything. Batches that crashed kmirror-dap are saved under build/fuzz-dap-live/.
//   FUZZ_DAP_LIVE_INPUTS (default 1000000), FUZZ_DAP_LIVE_SEED (default 21),
//   FUZZ_DAP_LIVE_PER_SESSION (default 2000 inputs per session)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fuzzLiveSessions, liveFuzzPrograms, type LiveFuzzReport } from '#dap/test/fuzz/dap-live-fuzz-run.js';

const ROOT = process.cwd();
const INPUTS = Number(process.env.FUZZ_DAP_LIVE_INPUTS ?? 1_000_000);
const SEED = Number(process.env.FUZZ_DAP_LIVE_SEED ?? 21);
const PER_SESSION = Number(process.env.FUZZ_DAP_LIVE_PER_SESSION ?? 2000);
const bundle = join(ROOT, 'dist/kmirror-dap.js');
if (!existsSync(bundle)) throw new Error(`${bundle} missing: run bash scripts/build.sh`);

const mb = (kb: number): string => (kb / 1024).toFixed(1);
const rate = (r: LiveFuzzReport): number => Math.round(r.inputs / ((Date.now() - started) / 1000));
const started = Date.now();
let lastPrint = 0;
const report = await fuzzLiveSessions({
  bundle, seed: SEED, inputs: INPUTS, inputsPerSession: PER_SESSION, programs: liveFuzzPrograms(join(ROOT, 'adapter/dap/test/fixtures')),
  crashDir: join(ROOT, 'build/fuzz-dap-live'),
  onSession: (r) => {
    if (r.inputs - lastPrint < 20_000) return;
    lastPrint = r.inputs;
    console.log(`  ${r.inputs} inputs, ${r.sessions} sessions, ${rate(r)}/s, RSS ${mb(r.rssKb.last)} MB, found ${r.crashes.length + r.unanswered.length + r.invalid.length + r.leftovers.length}, debugger silent ${r.debuggerSilent.length}`);
  },
});
console.log(`live: ${report.inputs} inputs, seed ${SEED}, ${(report.durationMs / 1000).toFixed(1)} s (${rate(report)}/s), ${report.sessions} sessions `
  + `(${Object.entries(report.perProgram).map(([k, v]) => `${k} ${v.sessions}/${v.inputs} inputs`).join(', ')}), ${report.requestsAnswered} requests answered, `
  + `${report.processesChecked} session processes checked gone`);
console.log(`  crashes ${report.crashes.length}, unanswered by kmirror-dap ${report.unanswered.length}, forwarded and unanswered by the debugger ${report.debuggerSilent.length}, invalid DAP ${report.invalid.length}, leftover processes ${report.leftovers.length}, `
  + `sessions that never stopped ${report.setupFailures.length}; RSS MB first ${mb(report.rssKb.first)} max ${mb(report.rssKb.max)} last ${mb(report.rssKb.last)}`);
for (const f of [...report.crashes, ...report.unanswered, ...report.debuggerSilent, ...report.invalid, ...report.leftovers, ...report.setupFailures].slice(0, 30)) console.log(`  at input ${f.at}: ${f.detail}`);
process.exit(report.crashes.length + report.unanswered.length + report.debuggerSilent.length + report.invalid.length + report.leftovers.length + report.setupFailures.length ? 1 : 0);
