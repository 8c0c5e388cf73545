// Reads a recording front to back. A file still being written or cut short ends at its last
// complete record (`incompleteBytes` says how much follows it); a damaged record stops the read
// with a RecordingFormatError naming the offset, and everything before it is returned usable.
// Only a file that is not a recording, of another version, or without a readable header throws.
import { readFileSync, statSync } from 'node:fs';
import { checkPreamble, FrameDecoder, RecordingFormatError } from './frames.js';
import { PREAMBLE_LENGTH, type EndRecord, type HeaderRecord, type RecordingRecord } from './records.js';

export interface RecordingRead {
  header: HeaderRecord;
  /** The records after the header, in file order. */
  records: RecordingRecord[];
  end: EndRecord | undefined;
  /** File offset just past the last complete record. */
  validBytes: number;
  /** Bytes after the last complete record: a torn tail, a record still being written, or unreadable ones. */
  lostBytes: number;
  /** Why reading stopped before the end of the file, when it did. */
  error: RecordingFormatError | undefined;
}

export function readRecordingFile(path: string): RecordingRead {
  let bytes: Buffer;
  try {
    // Only a regular file: a FIFO or a device (/dev/zero) named by a client would never end.
    if (!statSync(path).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
    bytes = readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw Object.assign(new Error(`cannot read recording ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`), { code: e.code });
  }
  return readRecording(bytes);
}

export function readRecording(bytes: Buffer): RecordingRead {
  checkPreamble(bytes);
  const decoder = new FrameDecoder();
  const first = decoder.decodeAt(bytes, PREAMBLE_LENGTH);
  if (first.kind === 'incomplete') {
    throw new RecordingFormatError(bytes.length, 'the header record', `end of file after ${bytes.length} bytes (truncated before the header)`);
  }
  if (first.kind === 'error') throw first.error;
  if (first.record.type !== 'header' || !isHeader(first.record)) {
    const found = (first.record as RecordingRecord).type === 'header' ? 'a header record with missing or mistyped fields' : `a ${first.record.type} record`;
    throw new RecordingFormatError(PREAMBLE_LENGTH, 'the header record (target, ports, started, redaction)', found);
  }
  const read: RecordingRead = { header: first.record, records: [], end: undefined, validBytes: first.next, lostBytes: 0, error: undefined };
  let offset = first.next;
  while (offset < bytes.length) {
    const r = decoder.decodeAt(bytes, offset);
    if (r.kind === 'incomplete') break;
    if (r.kind === 'error') {
      read.error = r.error;
      break;
    }
    const problem = shapeProblem(r.record);
    if (problem) {
      read.error = new RecordingFormatError(offset, `a well-formed ${r.record.type} record`, problem);
      break;
    }
    read.records.push(r.record);
    if (r.record.type === 'end') read.end = r.record;
    offset = r.next;
  }
  read.validBytes = offset;
  read.lostBytes = bytes.length - offset;
  return read;
}

/** One line a user reads when a recording did not end cleanly; undefined when it did. */
export function describeDamage(read: RecordingRead): string | undefined {
  if (read.error) return `${read.error.message}; the ${read.lostBytes} bytes from offset ${read.validBytes} are not used, the ${read.records.length} records before it are`;
  if (read.lostBytes > 0) return `the recording ends in an incomplete record at byte offset ${read.validBytes} (${read.lostBytes} bytes lost, or still being written); the ${read.records.length} complete records are used`;
  return undefined;
}

function isHeader(r: RecordingRecord): r is HeaderRecord {
  const h = r as HeaderRecord;
  const red = h.redaction as Partial<HeaderRecord['redaction']> | null;
  return typeof h.target === 'string' && Array.isArray(h.ports) && h.ports.every(num) && num(h.started) && typeof h.kmirrorVersion === 'string'
    && typeof red === 'object' && red !== null && typeof red.enabled === 'boolean' && Array.isArray(red.headers) && Array.isArray(red.patterns);
}

const num = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const range = (v: unknown): boolean => Array.isArray(v) && v.length === 2 && num(v[0]) && num(v[1]) && (v[0] as number) <= (v[1] as number);

const endpoint = (v: unknown): boolean => typeof v === 'object' && v !== null && typeof (v as { address?: unknown }).address === 'string' && num((v as { port?: unknown }).port);

/** What is wrong with a decoded record's fields (msgpack decodes anything), or undefined. */
function shapeProblem(r: RecordingRecord): string | undefined {
  switch (r.type) {
    case 'header':
      return 'a second header record';
    case 'open':
      return num(r.conn) && num(r.ts) && endpoint(r.client) && endpoint(r.server) ? undefined : 'missing connection id, endpoints or timestamp';
    case 'segment':
      return num(r.conn) && num(r.ts) && (r.dir === 'request' || r.dir === 'response') && r.bytes instanceof Uint8Array ? undefined : 'missing connection id, direction, timestamp or bytes';
    case 'close':
      return num(r.conn) && num(r.ts) && typeof r.reset === 'boolean' ? undefined : 'missing connection id, timestamp or reset flag';
    case 'gap':
      return (r.conn === null || num(r.conn)) && num(r.lostBytes) && typeof r.reason === 'string' ? undefined : 'missing reason or lost byte count';
    case 'exchange':
      return num(r.id) && num(r.conn) && num(r.status) && num(r.started) && num(r.duration) && num(r.requestBytes) && num(r.responseBytes) && typeof r.reset === 'boolean' && typeof r.method === 'string' && typeof r.path === 'string' && range(r.requestRange) && range(r.responseRange) && Array.isArray(r.redacted)
        ? undefined
        : 'missing id, connection, method, path, status or byte ranges';
    case 'end':
      return num(r.exchanges) && num(r.connections) && num(r.bytes) && num(r.dropped) && typeof r.reason === 'string' ? undefined : 'missing counts';
    default:
      return 'an unknown record type';
  }
}
