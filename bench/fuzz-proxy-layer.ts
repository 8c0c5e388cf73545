// Fuzzing the local proxy's layer channel, live (adapter/runtime/proxy/test/fuzz/): 10^6 seeded
// inputs — every LayerMessage kind with edge values, protobuf mutations, random bodies, corrupt
// prefixes, odd sequences — into the proxy's unix socket, with a real agent on a sandboxed target
// (root). Every CHECK_EVERY inputs a well-behaved layer must be served. Prints inputs/s, crashes,
// handler errors, hangs, unserved probes, leaked connections, RSS. Exits 1 when anything was found.
//   FUZZ_PROXY_INPUTS (default 1000000), FUZZ_PROXY_SEED (default 5), FUZZ_PROXY_CHECK_EVERY (default 20000)
import { cleanupAll, sweepStale } from '#test/harness/netns.js';
import { fuzzProxyLayer, type ProxyFuzzReport } from '../adapter/runtime/proxy/test/fuzz/layer-fuzz-run.js';

const INPUTS = Number(process.env.FUZZ_PROXY_INPUTS ?? 1_000_000);
const SEED = Number(process.env.FUZZ_PROXY_SEED ?? 5);
const line = (r: ProxyFuzzReport): string => `${r.inputs} inputs (${Math.round(r.inputs / ((Date.now() - t0) / 1000))}/s), ${r.connections} connections (${r.closedByProxy} closed by the proxy, ${r.badFrames} bad frames), ${r.answers} answers, RSS ${r.rssMb.start.toFixed(0)} -> max ${r.rssMb.max.toFixed(0)} MB`;
const t0 = Date.now();
sweepStale();
try {
  const r = await fuzzProxyLayer({ seed: SEED, inputs: INPUTS, checkEvery: Number(process.env.FUZZ_PROXY_CHECK_EVERY ?? 20_000), onCheckpoint: (p) => console.log(`  ${line(p)}`) });
  console.log(`fuzz-proxy-layer: seed ${SEED}, ${line(r)}, ${(r.durationMs / 1000).toFixed(0)} s, end RSS ${r.rssMb.end.toFixed(0)} MB`);
  console.log(`  crashes ${r.crashes.length}, handler errors ${r.handlerErrors.length}, hangs ${r.hangs.length}, unserved probes ${r.unserved.length}, leaked connections ${r.leaks.length}; warnings logged ${r.warnings}`);
  const all = [...r.crashes, ...r.handlerErrors, ...r.hangs, ...r.unserved, ...r.leaks];
  for (const f of all.slice(0, 20)) console.log(`  at input ${f.at}: ${f.detail}`);
  process.exitCode = all.length ? 1 : 0;
} finally {
  cleanupAll();
}
process.exit(process.exitCode ?? 0);
