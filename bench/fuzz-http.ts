// Fuzzing of the HTTP message splitter and the http_filter matchers (agent and proxy), in process:
// 10^6 seeded streams, each split whole and cut at random points (test/fuzz/http-fuzz.ts). Prints
// inputs, execs/s, crashes, hangs, byte-conservation and cut-dependence findings, filter
// disagreements, and RSS before/after. Not a test: exits 1 when anything was found.
//   FUZZ_HTTP_INPUTS (default 1000000), FUZZ_HTTP_SEED (default 7), FUZZ_HTTP_FROM (start at that input),
//   FUZZ_HTTP_TRACE=1 (print each input), FUZZ_HTTP_DUMP=N (what input N made of the splitter)
import { fuzzHttp, type HttpFuzzReport } from '#test/fuzz/http-fuzz.js';

const INPUTS = Number(process.env.FUZZ_HTTP_INPUTS ?? 1_000_000);
const SEED = Number(process.env.FUZZ_HTTP_SEED ?? 7);
const findings = (r: HttpFuzzReport) => [...r.crashes, ...r.hangs, ...r.conservation, ...r.cutDependent, ...r.unbounded, ...r.filters.findings];

const r = fuzzHttp({ seed: SEED, inputs: INPUTS, from: Number(process.env.FUZZ_HTTP_FROM ?? 0), onProgress: (done, p) => {
  if (done % 100_000 === 0) console.log(`  ${done} inputs, ${findings(p).length} findings, RSS ${p.rssMb.max.toFixed(0)} MB max`);
} });
console.log(`http splitter + filters: ${r.inputs} inputs (${(r.bytes / 1e6).toFixed(0)} MB), seed ${SEED}, ${(r.durationMs / 1000).toFixed(1)} s (${Math.round(r.inputs / (r.durationMs / 1000))}/s), ${r.messages} messages, ${r.parseErrors} refused as not HTTP`);
console.log(`  crashes ${r.crashes.length}, hangs ${r.hangs.length}, bytes not conserved ${r.conservation.length}, cut-dependent ${r.cutDependent.length}, unbounded ${r.unbounded.length}`);
console.log(`  filters: ${r.filters.compiled} compiled, ${r.filters.refused} refused by both, ${r.filters.matched} matches, ${r.filters.findings.length} findings`);
console.log(`  RSS MB start ${r.rssMb.start.toFixed(1)} max ${r.rssMb.max.toFixed(1)} end ${r.rssMb.end.toFixed(1)}`);
for (const f of findings(r).slice(0, 20)) console.log(`  at input ${f.at}: ${f.detail.slice(0, 400)}`);
process.exit(findings(r).length ? 1 : 0);
