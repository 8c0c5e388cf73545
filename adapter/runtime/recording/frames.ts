// The byte layout of a recording: preamble, then [uint32 length][uint32 crc32][msgpack] frames.
// The length + checksum let a reader tell a complete record from a torn or damaged one at an exact
// offset without trusting the msgpack bytes; msgpackr (sequential record structures) encodes the records.
import { crc32 } from 'node:zlib';
import { Packr, Unpackr } from 'msgpackr';
import { KmError } from '#proto/runtime/km-error.js';
import {
  FRAME_HEAD_LENGTH,
  MAX_RECORD_BYTES,
  PREAMBLE_LENGTH,
  RECORDING_FORMAT_VERSION,
  RECORDING_MAGIC,
  RECORD_TYPES,
  type RecordingRecord,
} from './records.js';

/** A recording that cannot be read past `offset`; `expected` says what should have been there. */
export class RecordingFormatError extends KmError<'recording'> {
  override name = 'RecordingFormatError' as const;
  constructor(
    readonly offset: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super('recording', 'FORMAT', `recording unreadable at byte offset ${offset}: expected ${expected}, found ${found}`);
  }
}

export function encodePreamble(version = RECORDING_FORMAT_VERSION): Buffer {
  const b = Buffer.alloc(PREAMBLE_LENGTH);
  RECORDING_MAGIC.copy(b, 0);
  b.writeUInt16BE(version, RECORDING_MAGIC.length);
  return b;
}

/** Throws RecordingFormatError unless `bytes` starts with a kmirror preamble of a version this build reads. */
export function checkPreamble(bytes: Buffer): void {
  const magicPart = bytes.subarray(0, RECORDING_MAGIC.length);
  if (!RECORDING_MAGIC.subarray(0, magicPart.length).equals(magicPart)) {
    throw new RecordingFormatError(0, `the kmirror recording magic "KMREC\\0"`, `${JSON.stringify(magicPart.toString('latin1'))} (not a kmirror recording)`);
  }
  if (bytes.length < PREAMBLE_LENGTH) {
    throw new RecordingFormatError(bytes.length, `the ${PREAMBLE_LENGTH}-byte preamble`, `end of file after ${bytes.length} bytes`);
  }
  const version = bytes.readUInt16BE(RECORDING_MAGIC.length);
  if (version !== RECORDING_FORMAT_VERSION) {
    throw new RecordingFormatError(RECORDING_MAGIC.length, `format version ${RECORDING_FORMAT_VERSION}`, `format version ${version} (written by another kmirror release)`);
  }
}

/** Encodes records into frames; one per recording, as msgpackr's sequential structures carry state. */
export class FrameEncoder {
  private readonly packr = new Packr({ sequential: true, useRecords: true });

  encode(record: RecordingRecord): Buffer {
    const body = this.packr.pack(record);
    const frame = Buffer.allocUnsafe(FRAME_HEAD_LENGTH + body.length);
    frame.writeUInt32BE(body.length, 0);
    frame.writeUInt32BE(crc32(body), 4);
    body.copy(frame, FRAME_HEAD_LENGTH);
    return frame;
  }
}

export type FrameResult =
  | { kind: 'record'; record: RecordingRecord; next: number }
  | { kind: 'incomplete'; needed: number }
  | { kind: 'error'; error: RecordingFormatError };

/** Decodes frames in file order (the decoder learns record structures as it goes). */
export class FrameDecoder {
  private readonly unpackr = new Unpackr({ sequential: true, useRecords: true });

  /** Reads the frame at `offset` of `buf`, whose byte 0 is file offset `base`. */
  decodeAt(buf: Buffer, offset: number, base = 0): FrameResult {
    const at = base + offset;
    if (buf.length - offset < FRAME_HEAD_LENGTH) return { kind: 'incomplete', needed: FRAME_HEAD_LENGTH };
    const length = buf.readUInt32BE(offset);
    if (length === 0 || length > MAX_RECORD_BYTES) {
      return { kind: 'error', error: new RecordingFormatError(at, `a record length of 1..${MAX_RECORD_BYTES} bytes`, `${length}`) };
    }
    if (buf.length - offset < FRAME_HEAD_LENGTH + length) return { kind: 'incomplete', needed: FRAME_HEAD_LENGTH + length };
    const body = buf.subarray(offset + FRAME_HEAD_LENGTH, offset + FRAME_HEAD_LENGTH + length);
    const sum = buf.readUInt32BE(offset + 4);
    if (crc32(body) !== sum) {
      return { kind: 'error', error: new RecordingFormatError(at, `a record with checksum ${hex(sum)}`, `bytes with checksum ${hex(crc32(body))}`) };
    }
    let record: unknown;
    try {
      record = this.unpackr.unpack(body);
    } catch (err) {
      return { kind: 'error', error: new RecordingFormatError(at + FRAME_HEAD_LENGTH, 'a msgpack record', `undecodable bytes (${(err as Error).message})`) };
    }
    const type = (record as { type?: unknown } | null)?.type;
    if (typeof record !== 'object' || record === null || typeof type !== 'string' || !RECORD_TYPES.has(type)) {
      return { kind: 'error', error: new RecordingFormatError(at + FRAME_HEAD_LENGTH, 'a kmirror record (header, open, segment, close, gap, exchange, end)', describe(record)) };
    }
    return { kind: 'record', record: record as RecordingRecord, next: offset + FRAME_HEAD_LENGTH + length };
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function describe(value: unknown): string {
  if (typeof value !== 'object' || value === null) return `a ${value === null ? 'null' : typeof value}`;
  const type = (value as { type?: unknown }).type;
  if (type === undefined) return 'an object without a type';
  // Found by the 10^6 fuzz run: `type` may decode as anything, a BigInt included (JSON.stringify throws on it).
  return typeof type === 'string' ? `a record of type ${JSON.stringify(type.slice(0, 40))}` : `a record whose type is a ${typeof type}`;
}
