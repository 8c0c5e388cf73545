// Mutation fuzzing of the recording reader, shared by the unit test (10⁵ files) and
// bench/fuzz-recording.ts (10⁶). Seeded, so a failure is reproducible from its iteration number.
// Half the mutations re-seal the damaged frame's checksum, so msgpack decoding and the record
// shape checks see garbage too, not only the CRC.
import { crc32 } from 'node:zlib';
import { isKmError } from '#proto/runtime/km-error.js';
import { readRecording } from './reader.js';
import { indexRecording, requestBytes, responseBytes } from './recording-index.js';
import { FRAME_HEAD_LENGTH, PREAMBLE_LENGTH } from './records.js';

export interface FuzzOutcome {
  files: number;
  readWhole: number;
  stoppedAtDamage: number;
  refused: number;
  /** Anything other than a clean read or a RecordingFormatError: each is a bug. */
  crashes: { iteration: number; error: string }[];
}

/** xorshift32: small, fast, and the same sequence everywhere. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

function frameStarts(file: Buffer): number[] {
  const starts: number[] = [];
  for (let at = PREAMBLE_LENGTH; at + FRAME_HEAD_LENGTH <= file.length; ) {
    starts.push(at);
    at += FRAME_HEAD_LENGTH + file.readUInt32BE(at);
  }
  return starts;
}

export function mutate(base: Buffer, starts: number[], random: () => number): Buffer {
  let b = Buffer.from(base);
  const pick = (n: number): number => Math.floor(random() * n);
  const edits = 1 + pick(4);
  for (let e = 0; e < edits; e++) {
    const at = pick(b.length || 1);
    switch (pick(7)) {
      case 0: b[at] = (b[at] ?? 0) ^ (1 << pick(8)); break;
      case 1: b[at] = pick(256); break;
      case 2: b = b.subarray(0, at); break;
      case 3: b = Buffer.concat([b.subarray(0, at), Buffer.from([pick(256), pick(256), pick(256)]), b.subarray(at)]); break;
      case 4: b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + pick(16))]); break;
      case 5: if (b.length >= 4) b.writeUInt32BE(pick(2) ? pick(0x1_0000_0000) : pick(64), Math.min(starts[pick(starts.length)] ?? 0, Math.max(0, b.length - 4))); break;
      default: {
        const s = b.subarray(pick(b.length), pick(b.length) + 1 + pick(40));
        b = Buffer.concat([b.subarray(0, at), s, b.subarray(at)]);
      }
    }
  }
  if (random() < 0.5) reseal(b, starts);
  return b;
}

/** Recomputes the checksum of each frame that still fits, so damaged msgpack reaches the decoder. */
function reseal(b: Buffer, starts: number[]): void {
  for (const at of starts) {
    if (at + FRAME_HEAD_LENGTH > b.length) break;
    const len = b.readUInt32BE(at);
    if (at + FRAME_HEAD_LENGTH + len > b.length) break;
    b.writeUInt32BE(crc32(b.subarray(at + FRAME_HEAD_LENGTH, at + FRAME_HEAD_LENGTH + len)), at + 4);
  }
}

export function fuzzReader(base: Buffer, iterations: number, seed: number): FuzzOutcome {
  const random = rng(seed);
  const starts = frameStarts(base);
  const out: FuzzOutcome = { files: 0, readWhole: 0, stoppedAtDamage: 0, refused: 0, crashes: [] };
  for (let i = 0; i < iterations; i++) {
    const file = mutate(base, starts, random);
    out.files++;
    try {
      const read = readRecording(file);
      // What ls/show/replay do next must hold up too.
      for (const item of indexRecording(read).items) {
        requestBytes(item);
        responseBytes(item);
      }
      if (read.error) out.stoppedAtDamage++;
      else out.readWhole++;
    } catch (err) {
      if (isKmError(err) && err.code === 'FORMAT' && /byte offset \d+: expected /.test(err.message)) out.refused++;
      else if (out.crashes.length < 20) out.crashes.push({ iteration: i, error: String((err as Error).stack ?? err) });
    }
  }
  return out;
}
