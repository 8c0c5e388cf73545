// DAP fuzzing of kmirror-dap sessions with a live debugger: 10^6 seeded inputs streamed into live
// sessions that each launch a real program (Node bridge and debugpy in turn), stop at a breakpoint,
// then get mutated and out-of-order live-state requests with real and invalid ids, many in flight.
// One session serves many inputs; a new one starts when the program ended or the debugger stopped
// answering (kmirror-dap then answered for it at its bound, launch field `answerTimeoutMs`).
// Prints the rate, crashes, requests left unanswered (by anyone), requests kmirror-dap answered at
// its bound per command, invalid DAP, processes left running after a session, sessions that never
// stopped, and kmirror-dap's resident memory (start, peak, end). Not a test: exits 1 when it found
// anything. Recent inputs before a crash are saved under build/fuzz-dap-live/.
//   FUZZ_DAP_LIVE_INPUTS (default 1000000), FUZZ_DAP_LIVE_SEED (default 21),
//   FUZZ_DAP_LIVE_PER_SESSION (default 20000), FUZZ_DAP_LIVE_WINDOW (requests in flight per Node session, default 32;
//   debugpy sessions keep 4), FUZZ_DAP_LIVE_LANES (sessions at the same time, default 6),
//   FUZZ_DAP_LIVE_BOUND_MS (the debugger's answer bound, default 1500),
//   FUZZ_DAP_LIVE_MAX_MINUTES (stop early and report how many inputs fit; default: no limit)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fuzzLiveSessions, liveFuzzPrograms, type LiveFuzzReport } from '#dap/test/fuzz/dap-live-fuzz-run.js';

const ROOT = process.cwd();
const INPUTS = Number(process.env.FUZZ_DAP_LIVE_INPUTS ?? 1_000_000);
const SEED = Number(process.env.FUZZ_DAP_LIVE_SEED ?? 21);
const PER_SESSION = Number(process.env.FUZZ_DAP_LIVE_PER_SESSION ?? 20_000);
const WINDOW = Number(process.env.FUZZ_DAP_LIVE_WINDOW ?? 32);
const LANES = Number(process.env.FUZZ_DAP_LIVE_LANES ?? 6);
const BOUND_MS = Number(process.env.FUZZ_DAP_LIVE_BOUND_MS ?? 1500);
const MAX_MINUTES = process.env.FUZZ_DAP_LIVE_MAX_MINUTES ? Number(process.env.FUZZ_DAP_LIVE_MAX_MINUTES) : undefined;
const bundle = join(ROOT, 'dist/kmirror-dap.js');
if (!existsSync(bundle)) throw new Error(`${bundle} missing: run bash scripts/build.sh`);

const mb = (kb: number): string => (kb / 1024).toFixed(1);
const rate = (r: LiveFuzzReport): number => Math.round(r.inputs / ((Date.now() - started) / 1000));
const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
const started = Date.now();
let lastPrint = 0;
let shown = 0;
const report = await fuzzLiveSessions({
  bundle, seed: SEED, inputs: INPUTS, inputsPerSession: PER_SESSION, window: WINDOW, lanes: LANES, answerBoundMs: BOUND_MS,
  ...(MAX_MINUTES ? { deadline: Date.now() + MAX_MINUTES * 60_000 } : {}),
  programs: liveFuzzPrograms(join(ROOT, 'adapter/dap/test/fixtures')).filter((p) => !process.env.FUZZ_DAP_LIVE_PROGRAMS || process.env.FUZZ_DAP_LIVE_PROGRAMS.split(',').includes(p.name)), crashDir: join(ROOT, 'build/fuzz-dap-live'),
  onCheckpoint: (r) => {
    const found = [...r.crashes, ...r.unanswered, ...r.invalid, ...r.leftovers, ...r.setupFailures];
    for (const f of found.slice(shown, 30)) console.log(`  found at input ${f.at}: ${f.detail}`);
    shown = Math.max(shown, Math.min(found.length, 30));
    if (r.inputs - lastPrint < 20_000) return;
    lastPrint = r.inputs;
    console.log(`  ${r.inputs} inputs, ${r.sessions} sessions, ${rate(r)}/s, RSS ${mb(r.rssKb.last)} MB, found ${r.crashes.length + r.unanswered.length + r.invalid.length + r.leftovers.length}, answered at the bound ${total(r.bounded)}`);
  },
});
console.log(`live: ${report.inputs} inputs${report.inputs < INPUTS ? ` (of ${INPUTS}: stopped at FUZZ_DAP_LIVE_MAX_MINUTES=${MAX_MINUTES})` : ''}, seed ${SEED}, ${LANES} lanes, window ${WINDOW}, bound ${BOUND_MS} ms, ${(report.durationMs / 1000).toFixed(1)} s (${rate(report)}/s), ${report.sessions} sessions `
  + `(${Object.entries(report.perProgram).map(([k, v]) => `${k} ${v.sessions}/${v.inputs} inputs/${v.bounded} at the bound`).join(', ')}), `
  + `${report.requestsSent} requests sent, ${report.requestsAnswered} answered, ${report.processesChecked} session processes checked gone`);
console.log(`  sessions ended: debugger silent ${report.sessionEnds.debuggerSilent}, program ended ${report.sessionEnds.programEnded}, share done ${report.sessionEnds.done}; `
  + `answered by kmirror-dap at the bound ${total(report.bounded)} (${Object.entries(report.bounded).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'})`);
console.log(`  crashes ${report.crashes.length}, unanswered ${report.unanswered.length}, invalid DAP ${report.invalid.length}, leftover processes ${report.leftovers.length}, `
  + `sessions that never stopped ${report.setupFailures.length}; RSS MB start ${mb(report.rssKb.first)} peak ${mb(report.rssKb.max)} end ${mb(report.rssKb.last)}`);
if (process.env.FUZZ_DAP_LIVE_SHOW_SILENT) for (const s of report.silentAfter) console.log(`  debugger silent after: ${s}`);
for (const f of [...report.crashes, ...report.unanswered, ...report.invalid, ...report.leftovers, ...report.setupFailures].slice(0, 30)) console.log(`  at input ${f.at}: ${f.detail}`);
process.exit(report.crashes.length + report.unanswered.length + report.invalid.length + report.leftovers.length + report.setupFailures.length ? 1 : 0);
