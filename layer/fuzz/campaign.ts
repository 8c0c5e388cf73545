// Runs a libFuzzer campaign of the supervisor's proxy-message decoding (layer/fuzz/README.md):
// builds the target (layer/fuzz/build.sh), seeds a corpus, runs it, and replays the committed
// regression inputs. Shared by bench/fuzz-layer.ts (10^6 runs) and the integration test.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeProxyMessageSeeds } from './seeds.js';

export interface LayerFuzzReport {
  runs: number;
  execsPerSec: number;
  /** libFuzzer's exit code: 0 when no crash, leak, timeout or out-of-memory was found. */
  exitCode: number;
  /** Inputs written by libFuzzer for a finding (crash-*, leak-*, timeout-*, oom-*). */
  findings: string[];
  coverage: number;
  rssMbStart: number;
  rssMbEnd: number;
  corpusSize: number;
  log: string;
}

export function buildLayerFuzzer(root: string): string {
  return join(root, execFileSync('bash', [join(root, 'layer/fuzz/build.sh')], { cwd: root, encoding: 'utf8' }).trim());
}

/** `-runs` inputs from `seed`, corpus in `corpusDir` (kept between runs), findings into `findingsDir`. */
export async function runLayerFuzz(opts: { root: string; runs: number; seed: number; corpusDir: string; findingsDir: string; maxSeconds?: number }): Promise<LayerFuzzReport> {
  const bin = buildLayerFuzzer(opts.root);
  mkdirSync(opts.findingsDir, { recursive: true });
  writeProxyMessageSeeds(opts.corpusDir);
  const args = [`-runs=${opts.runs}`, `-seed=${opts.seed}`, '-timeout=10', '-rss_limit_mb=2048', '-max_len=65536', '-print_final_stats=1',
    `-artifact_prefix=${opts.findingsDir}/`, ...(opts.maxSeconds ? [`-max_total_time=${opts.maxSeconds}`] : []), opts.corpusDir];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { log += d.toString(); });
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  const stat = (name: string): number => Number(new RegExp(`stat::${name}:\\s+(\\d+)`).exec(log)?.[1] ?? NaN);
  const rss = [...log.matchAll(/rss: (\d+)Mb/g)].map((m) => Number(m[1]));
  const cov = [...log.matchAll(/cov: (\d+)/g)].map((m) => Number(m[1]));
  return {
    runs: stat('number_of_executed_units'), execsPerSec: stat('average_exec_per_sec'), exitCode,
    findings: readdirSync(opts.findingsDir).filter((f) => /^(crash|leak|timeout|oom|slow-unit)-/.test(f)),
    coverage: cov.at(-1) ?? 0, rssMbStart: rss[0] ?? NaN, rssMbEnd: stat('peak_rss_mb'),
    corpusSize: readdirSync(opts.corpusDir).length, log,
  };
}

/** Replays every committed regression input once; libFuzzer's exit code (0: all pass). */
export function replayLayerRegressions(root: string): { exitCode: number; inputs: number; log: string } {
  const bin = buildLayerFuzzer(root);
  const dir = join(root, 'layer/fuzz/regressions');
  const inputs = readdirSync(dir).filter((f) => !f.endsWith('.md')).map((f) => join(dir, f));
  try {
    const log = execFileSync(bin, ['-runs=1', ...inputs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { exitCode: 0, inputs: inputs.length, log };
  } catch (err) {
    const e = err as { status?: number; stderr?: string };
    return { exitCode: e.status ?? 1, inputs: inputs.length, log: e.stderr ?? String(err) };
  }
}
