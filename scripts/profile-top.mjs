#!/usr/bin/env node
// Where a benchmark's CPU went: reads the V8 CPU profiles (.cpuprofile) that
// `KMIRROR_BENCH_PROFILE=DIR bash scripts/bench.sh bench/FILE.ts` wrote into DIR (the bench process
// with the local proxy, and each local agent) and prints, per profile, the functions with the most
// self time and the share of time in garbage collection, idle and native code.
//   node scripts/profile-top.mjs DIR [N=25]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [dir, topArg] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node scripts/profile-top.mjs DIR [N]');
  process.exit(2);
}
const top = Number(topArg ?? 25);

for (const name of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
  const file = join(dir, name);
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  // timeDeltas[i] is the time before samples[i]; each sample's time goes to its node.
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)));
  const byFunction = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    const f = node.callFrame;
    const where = f.url ? `${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    total += us;
  }
  const busy = total - (byFunction.get('(idle)') ?? 0);
  console.log(`== ${name} (${(statSync(file).size / 1e6).toFixed(1)} MB): ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy`);
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${(us / 1000).toFixed(0).padStart(7)} ms ${((us / total) * 100).toFixed(1).padStart(5)} %  ${key}`);
  }
}
