// The record types of a kmirror recording (`.kmrec`), format version 1.
//
// NOTE TO THE CAPTURE SIDE (`kmirror record`, agent, tunnel messages 90–99): feed a recording through
// `RecordingWriter` (./writer.ts), never by writing records yourself:
//
//   const w = await RecordingWriter.open(path, { target, ports, redaction: { enabled: true, patterns: [] } },
//                                        { onlyFailing: false });
//   w.connection({ conn, client: { address, port }, server: { address, port }, ts });   // once per connection
//   w.segment({ conn, dir: 'request' | 'response', ts, bytes });                       // in capture order
//   w.closeConnection({ conn, ts, reset });                                              // FIN or RST seen
//   w.gap({ conn: number | null, ts, reason, lostBytes });  // tunnel/agent dropped, ring overflow: never join silently
//   w.stats()                                               // { exchanges, bytes, dropped … } for the progress line
//   await w.close('completed' | 'max-requests' | …)         // writes the end record, fsyncs
//
// `ts` is milliseconds since the Unix epoch (fractions allowed). `conn` ids are chosen by the capture side,
// unique within a recording. Redaction of credentials, HTTP/1.x exchange indexing and `--only-failing`
// (`isFailingExchange` in ./only-failing.ts) happen inside the writer. Errors writing the file (disk full,
// unwritable) are thrown from the call that hit them as `RecordingWriteError`; the file then stays readable
// up to its last complete record.
//
// On disk: an 8-byte preamble (`KMREC\0` + format version, uint16 BE), then frames of
// [uint32 BE length][uint32 BE crc32][msgpack record] encoded by msgpackr with sequential record structures
// (a structure is defined inline the first time it is used, so the file reads front to back and can be
// read while it is still being written). The first record is always the header.

export const RECORDING_MAGIC = Buffer.from('KMREC\0', 'latin1');
export const RECORDING_FORMAT_VERSION = 1;
/** Preamble = magic + uint16 format version. */
export const PREAMBLE_LENGTH = RECORDING_MAGIC.length + 2;
/** Frame head = uint32 length + uint32 crc32 of the record bytes. */
export const FRAME_HEAD_LENGTH = 8;
/** No record is larger: a length above it is corruption, not a huge allocation. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export type Direction = 'request' | 'response';

export interface Endpoint {
  address: string;
  port: number;
}

/** Which credentials the recording hides. `headers` are HTTP header names (case-insensitive); `patterns` are
 *  regular expression sources matched against header names too (e.g. `^x-api-key$`). */
export interface RedactionSettings {
  enabled: boolean;
  headers: string[];
  patterns: string[];
}

export interface HeaderRecord {
  type: 'header';
  formatVersion: number;
  kmirrorVersion: string;
  /** The target as the user wrote it, e.g. `deployment/shop`. */
  target: string;
  ports: number[];
  /** ms since the epoch. */
  started: number;
  redaction: RedactionSettings;
  onlyFailing: boolean;
  /** `--http-filter`: only the HTTP exchanges whose request matched this filter (as given) are in the file. */
  httpFilter?: string;
}

export interface ConnectionOpenedRecord {
  type: 'open';
  conn: number;
  client: Endpoint;
  server: Endpoint;
  ts: number;
}

export interface SegmentRecord {
  type: 'segment';
  conn: number;
  dir: Direction;
  ts: number;
  bytes: Uint8Array;
}

export interface ConnectionClosedRecord {
  type: 'close';
  conn: number;
  ts: number;
  reset: boolean;
}

/** Bytes the capture could not keep. `conn` null: session-wide (the tunnel or agent dropped). */
export interface GapRecord {
  type: 'gap';
  conn: number | null;
  ts: number;
  reason: string;
  lostBytes: number;
}

/** One HTTP/1.x request and its response, indexed from the connection's byte streams (after redaction). */
export interface ExchangeRecord {
  type: 'exchange';
  id: number;
  conn: number;
  method: string;
  path: string;
  /** 0 when the connection ended (or was reset) before a response. */
  status: number;
  /** Request start to response end (or to the reset), ms. */
  duration: number;
  started: number;
  requestBytes: number;
  responseBytes: number;
  /** [start, end) offsets into the connection's recorded request stream / response stream. */
  requestRange: [number, number];
  responseRange: [number, number];
  reset: boolean;
  /** Names of the headers whose values were replaced by `<redacted by kmirror>`. */
  redacted: string[];
}

export interface EndRecord {
  type: 'end';
  ts: number;
  reason: string;
  connections: number;
  exchanges: number;
  segments: number;
  bytes: number;
  gaps: number;
  lostBytes: number;
  /** Exchanges/connections dropped by `--only-failing` / `--http-filter`. */
  dropped: number;
  /** header name → how many values were redacted. */
  redacted: Record<string, number>;
}

export type RecordingRecord =
  | HeaderRecord
  | ConnectionOpenedRecord
  | SegmentRecord
  | ConnectionClosedRecord
  | GapRecord
  | ExchangeRecord
  | EndRecord;

export const RECORD_TYPES: ReadonlySet<string> = new Set(['header', 'open', 'segment', 'close', 'gap', 'exchange', 'end']);

export const DEFAULT_REDACTED_HEADERS = ['authorization', 'cookie', 'set-cookie', 'proxy-authorization'];
export const REDACTED_VALUE = '<redacted by kmirror>';
