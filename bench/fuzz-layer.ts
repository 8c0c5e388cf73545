// Coverage-guided fuzzing (libFuzzer, ASan + UBSan) of the layer supervisor's decoding of what
// the local proxy sends: framing, protobuf-c unpack, HelloAck policy, answer fields
// (layer/fuzz/). 10^6 runs from seed 1 over a corpus kept in build/layer-fuzz/corpus (seeded by
// the proxy's own encoder), then the committed regression inputs. Prints runs, execs/s, findings,
// coverage and RSS. Not a test: exits 1 when libFuzzer found anything.
//   FUZZ_LAYER_RUNS (default 1000000), FUZZ_LAYER_SEED (default 1)
import { join } from 'node:path';
import { replayLayerRegressions, runLayerFuzz } from '../layer/fuzz/campaign.js';

const ROOT = process.cwd();
const RUNS = Number(process.env.FUZZ_LAYER_RUNS ?? 1_000_000);
const SEED = Number(process.env.FUZZ_LAYER_SEED ?? 1);

const started = Date.now();
const r = await runLayerFuzz({ root: ROOT, runs: RUNS, seed: SEED, corpusDir: join(ROOT, 'build/layer-fuzz/corpus'), findingsDir: join(ROOT, 'build/layer-fuzz/findings') });
const seconds = (Date.now() - started) / 1000;
console.log(`layer proxy-message decoding: ${r.runs} runs, seed ${SEED}, ${seconds.toFixed(1)} s (${r.execsPerSec}/s), coverage ${r.coverage} edges, corpus ${r.corpusSize} inputs`);
console.log(`  crashes/leaks/timeouts/ooms ${r.findings.length} (libFuzzer exit ${r.exitCode}); RSS MB start ${r.rssMbStart} peak ${r.rssMbEnd}`);
for (const f of r.findings) console.log(`  finding: build/layer-fuzz/findings/${f}`);
if (r.exitCode !== 0) console.log(r.log.split('\n').filter((l) => /ERROR|SUMMARY|#0 |#1 |#2 /.test(l)).slice(0, 30).join('\n'));
const reg = replayLayerRegressions(ROOT);
console.log(`  regression inputs replayed: ${reg.inputs}, exit ${reg.exitCode}`);
process.exit(r.exitCode || r.findings.length || reg.exitCode ? 1 : 0);
