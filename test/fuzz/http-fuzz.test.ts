// A short seeded run of the HTTP splitter + http_filter fuzz (bench/fuzz-http.ts runs 10^6):
// nothing but "HTTP parse error" is thrown, bytes are conserved, the outcome
// does not depend on where the stream is cut, held heads stay bounded, and the agent's and the
// proxy's matchers agree. How long an input takes is not asserted here (a loaded machine would
// fail it): bench/fuzz-http.ts times every input and reports the slow ones as hangs.
import { describe, expect, it } from 'vitest';
import { fuzzHttp } from './http-fuzz.js';

describe('HTTP splitter and filters under fuzzed streams', () => {
  it('20,000 seeded streams find nothing', { timeout: 60_000 }, () => {
    const r = fuzzHttp({ seed: 7, inputs: 20_000, slowInputMs: false });
    expect(r.crashes).toEqual([]);
    expect(r.conservation).toEqual([]);
    expect(r.cutDependent).toEqual([]);
    expect(r.unbounded).toEqual([]);
    expect(r.filters.findings).toEqual([]);
    expect(r.inputs).toBe(20_000);
    // the streams exercise both sides: real messages and refusals, matching and refused filters
    expect(r.messages).toBeGreaterThan(10_000);
    expect(r.parseErrors).toBeGreaterThan(1000);
    expect(r.filters.matched).toBeGreaterThan(0);
    expect(r.filters.refused).toBeGreaterThan(0);
    expect(r.rssMb.max).toBeLessThan(1024);
  });
});
