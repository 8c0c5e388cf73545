// The shared PRNG replaced three copies (in the HTTP, layer-channel and DAP input generators);
// recorded findings name a seed and an input index, so every sequence must stay what the copies
// gave. The expected values below were printed by the three old copies (identical to each other
// over 10^5 outputs per seed) and by the old generators, before the copies were removed.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dapFuzzInputs } from '#dap/test/fuzz/dap-fuzz-inputs.js';
import { LayerFuzzInputs } from '#runtime/proxy/test/fuzz/layer-fuzz-inputs.js';
import { cuts, httpFilter, httpStream } from './http-fuzz-inputs.js';
import { Gen, prng } from './prng.js';

const FIRST_OUTPUTS: Record<number, number[]> = {
  1: [2693262067, 11749833, 2265367787, 4213581821, 4159151403, 1207330352, 2632122864, 3095568220],
  21: [1856676659, 1919975191, 1216695650, 1642336016, 2047449597, 3831063962, 3736982015, 1485199242],
  0xffffffff: [3850105811, 813802916, 3073704848, 4054706436, 3630262831, 2315588663, 2922715533, 2042566601],
};

/** sha256 of the first inputs each generator made with the old copies, per seed. */
const STREAMS: Record<number, { http: string; layer: string; dap: string }> = {
  7: {
    http: 'b35879b0dd0fef62ca639affc8118acc3a3488daeaf1a252591ebc4eafecd0f1',
    layer: '984698aa6594bcaf83361c69486c6979a5a22dea80cc8fb7b3a134e933dbf22e',
    dap: '101dfb62e88bc910f0ff02315c4f521b618a3bb55d75e4fe91ce51af582a65d2',
  },
  21: {
    http: '6d78b2829315b2398fd4e7e33a4a0865cf9dd971d3c96fed31cab61293ab2282',
    layer: 'd890294e3c0f1404d0fca7e5dbfe296f6aa11481d7cae34f1bbaab4636cae6e8',
    dap: 'fd42c3fb04a2d05ca832ed8d8dd4a8ea689ebec05b24306e690f93c840a1bae8',
  },
};

describe('shared fuzz PRNG', () => {
  it.each(Object.keys(FIRST_OUTPUTS).map(Number))('seed %i gives the old first outputs', (seed) => {
    const next = prng(seed);
    expect(Array.from({ length: 8 }, () => next() * 2 ** 32)).toEqual(FIRST_OUTPUTS[seed]);
  });

  it.each(Object.keys(STREAMS).map(Number))('seed %i: the HTTP, layer and DAP generators give the old inputs', (seed) => {
    const http = createHash('sha256');
    const g = new Gen(prng(seed));
    for (let i = 0; i < 300; i++) {
      const s = httpStream(g);
      http.update(s.bytes);
      http.update(JSON.stringify(cuts(g, s.bytes.length)));
      http.update(JSON.stringify(httpFilter(g)));
    }
    const layer = createHash('sha256');
    const l = new LayerFuzzInputs(seed, '10.0.0.9', [80, 8080]);
    for (let i = 0; i < 3000; i++) {
      const x = l.next();
      layer.update(x.bytes);
      layer.update(JSON.stringify(x.ids));
    }
    const dap = createHash('sha256');
    const d = dapFuzzInputs(seed);
    for (let i = 0; i < 3000; i++) dap.update(d.next().value!.bytes); // an infinite generator always yields
    expect({ http: http.digest('hex'), layer: layer.digest('hex'), dap: dap.digest('hex') }).toEqual(STREAMS[seed]);
  });
});
