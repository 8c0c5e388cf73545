// Fuzzing the live agent (root): a real agent process serving a sandboxed target in a fresh
// namespace receives, after a valid handshake, a million seeded inputs — random messages built
// from the .proto, mutated frames, corrupt length prefixes, message sequences on open streams
// (agent/test/helpers/agent-fuzzer.ts). Every 20,000 inputs the fuzzing client leaves and the
// agent must be alive, serve a well-behaved client, and be back at its descriptor baseline.
// Prints the figures: inputs/s, reconnects, error codes answered, fds, RSS. Exit code 1 on a
// crash, a hang, an INTERNAL error or a leaked descriptor.
//   KMIRROR_FUZZ_INPUTS (default 1000000), KMIRROR_FUZZ_SEED (default 21), KMIRROR_FUZZ_CHECK_EVERY
//   (default 20000), KMIRROR_FUZZ_KINDS (comma-separated Frame body kinds, for a focused run)
import { cleanupAll, requireRoot, sweepStale } from '#test/harness/netns.js';
import { fuzzAgent, type FuzzStats } from '../agent/test/helpers/agent-fuzzer.js';
import { startLiveAgent } from '../agent/test/helpers/live-agent.js';

const INPUTS = Number(process.env.KMIRROR_FUZZ_INPUTS ?? 1_000_000);
const SEED = Number(process.env.KMIRROR_FUZZ_SEED ?? 21);

function line(s: FuzzStats): string {
  const rate = s.elapsedMs > 0 ? Math.round((s.inputs / s.elapsedMs) * 1000) : 0;
  return `${s.inputs} inputs (${rate}/s), ${s.connections} connections (${s.closedByAgent} closed by the agent), fds ${s.fdBaseline} -> max ${s.fdMaxDuringRun} during, ${s.fdMaxAfterClients} after clients left, RSS ${Math.round(s.rssStartKb / 1024)} -> max ${Math.round(s.rssMaxKb / 1024)} MB`;
}

async function main(): Promise<number> {
  requireRoot();
  sweepStale();
  const live = await startLiveAgent();
  try {
    console.log(`fuzz-agent: seed ${SEED}, ${INPUTS} inputs, agent pid ${live.agent.pid}`);
    const stats = await fuzzAgent(live, { inputs: INPUTS, seed: SEED, checkEvery: Number(process.env.KMIRROR_FUZZ_CHECK_EVERY ?? 20_000), ...(process.env.KMIRROR_FUZZ_KINDS ? { kinds: process.env.KMIRROR_FUZZ_KINDS.split(',') } : {}), onCheckpoint: (s) => console.log(`  ${line(s)}`) });
    console.log(`fuzz-agent: ${line(stats)}`);
    console.log(`fuzz-agent: error codes answered ${JSON.stringify(stats.errorCodes)}; skipped (would leave the namespace) ${stats.skipped}`);
    const errorLogs = live.errorLogs();
    const problems = [
      ...(live.alive() ? [] : ['agent died']),
      ...stats.internalErrors.map((m) => `INTERNAL: ${m}`),
      ...stats.fdLeaks,
      ...errorLogs.slice(0, 10).map((l) => `error log: ${l}`),
    ];
    console.log(`fuzz-agent: crashes ${live.alive() ? 0 : 1}, leaked-fd checkpoints ${stats.fdLeaks.length}, INTERNAL errors ${stats.internalErrors.length}, error-level log lines ${errorLogs.length}`);
    for (const p of problems) console.log(`  ${p}`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    await live.stop();
    cleanupAll();
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(`fuzz-agent: ${(err as Error)?.stack ?? String(err)}`);
  cleanupAll();
  process.exit(1);
});
