// Decoder fuzz test: ≥100k random and mutated inputs; the decoder may only answer with frames
// or a TunnelError('BAD_FRAME') — never another exception, never a hang.
import { describe, expect, it } from 'vitest';
import { isTunnelError } from './errors.js';
import { FrameDecoder, encodeFrame } from './framing.js';
import { SAMPLES } from './message-samples.js';

// Deterministic PRNG (xorshift32) so a failure is reproducible from its iteration number.
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 0x100000000;
  };
}

const seeds = SAMPLES.map((msg, i) => encodeFrame({ streamId: i + 1, msg }));

function mutate(rand: () => number, input: Buffer): Buffer {
  const out = Buffer.from(input);
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * out.length);
    switch (Math.floor(rand() * 3)) {
      case 0: out[at] = Math.floor(rand() * 256); break;
      case 1: out[at] = out[at]! ^ (1 << Math.floor(rand() * 8)); break;
      default: out[at] = [0x00, 0x7f, 0x80, 0xff][Math.floor(rand() * 4)]!;
    }
  }
  return rand() < 0.2 ? out.subarray(0, Math.floor(rand() * out.length)) : out;
}

describe('frame decoder fuzz', () => {
  it('survives 120,000 random and mutated inputs with only frames or BAD_FRAME', () => {
    const rand = rng(0x6b6d6972);
    let frames = 0;
    let badFrames = 0;
    const iterations = 120_000;
    for (let i = 0; i < iterations; i++) {
      let input: Buffer;
      if (i % 2 === 0) {
        input = Buffer.alloc(Math.floor(rand() * 64));
        for (let j = 0; j < input.length; j++) input[j] = Math.floor(rand() * 256);
      } else {
        // Safe: the index is within the seeds array.
        input = mutate(rand, seeds[Math.floor(rand() * seeds.length)]!);
      }
      const decoder = new FrameDecoder(4096);
      try {
        // Random chunking exercises the incremental path too.
        const cut = Math.floor(rand() * (input.length + 1));
        frames += decoder.push(input.subarray(0, cut)).length;
        frames += decoder.push(input.subarray(cut)).length;
        decoder.finish();
      } catch (err) {
        if (!isTunnelError(err) || err.code !== 'BAD_FRAME') {
          throw new Error(`iteration ${i}: unexpected ${String(err)} for input ${input.toString('hex')}`);
        }
        badFrames++;
      }
    }
    // Both outcomes must actually occur, or the fuzzer is not exploring.
    expect(frames).toBeGreaterThan(1000);
    expect(badFrames).toBeGreaterThan(1000);
  });
});
