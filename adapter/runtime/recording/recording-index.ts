// What `ls`, `show` and replay work from: the recording's connections with their two byte
// streams reassembled, its HTTP exchanges, and the replayable items — each exchange by its id
// (`3`) and each connection without exchanges (raw TCP, HTTP/2, …) whole, as `c<conn>` (`c5`).
import { KmError } from '#proto/runtime/km-error.js';
import type { RecordingRead } from './reader.js';
import type { ConnectionOpenedRecord, Direction, ExchangeRecord, GapRecord, HeaderRecord } from './records.js';

export class RecordingLookupError extends KmError<'recording'> {
  override name = 'RecordingLookupError' as const;
  constructor(message: string) {
    super('recording', 'NOT_FOUND', message);
  }
}

export interface RecordedConnection {
  conn: number;
  opened: ConnectionOpenedRecord | undefined;
  closed: { ts: number; reset: boolean } | undefined;
  streams: Record<Direction, Buffer>;
  /** [stream offset, ts] of each segment, per direction, for pacing a whole-connection replay. */
  timeline: { dir: Direction; start: number; end: number; ts: number }[];
  exchanges: ExchangeRecord[];
}

export type ReplayItem =
  | { kind: 'exchange'; id: string; exchange: ExchangeRecord; connection: RecordedConnection }
  | { kind: 'connection'; id: string; connection: RecordedConnection };

export interface RecordingIndex {
  header: HeaderRecord;
  connections: Map<number, RecordedConnection>;
  items: ReplayItem[];
  gaps: GapRecord[];
}

export function indexRecording(read: RecordingRead): RecordingIndex {
  const connections = new Map<number, RecordedConnection>();
  const parts = new Map<number, Record<Direction, Buffer[]>>();
  const gaps: GapRecord[] = [];
  const get = (conn: number): RecordedConnection => {
    let c = connections.get(conn);
    if (!c) {
      c = { conn, opened: undefined, closed: undefined, streams: { request: Buffer.alloc(0), response: Buffer.alloc(0) }, timeline: [], exchanges: [] };
      connections.set(conn, c);
      parts.set(conn, { request: [], response: [] });
    }
    return c;
  };
  const lengths = new Map<string, number>();
  for (const r of read.records) {
    if (r.type === 'open') get(r.conn).opened = r;
    else if (r.type === 'close') get(r.conn).closed = { ts: r.ts, reset: r.reset };
    else if (r.type === 'gap') gaps.push(r);
    else if (r.type === 'exchange') get(r.conn).exchanges.push(r);
    else if (r.type === 'segment') {
      const c = get(r.conn);
      const key = `${r.conn}/${r.dir}`;
      const start = lengths.get(key) ?? 0;
      lengths.set(key, start + r.bytes.length);
      c.timeline.push({ dir: r.dir, start, end: start + r.bytes.length, ts: r.ts });
      parts.get(r.conn)?.[r.dir].push(Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength));
    }
  }
  for (const [conn, p] of parts) {
    const c = connections.get(conn) as RecordedConnection;
    c.streams = { request: Buffer.concat(p.request), response: Buffer.concat(p.response) };
  }
  const items: ReplayItem[] = [];
  for (const c of [...connections.values()].sort((a, b) => firstTs(a) - firstTs(b))) {
    if (c.exchanges.length === 0) {
      if (c.streams.request.length > 0) items.push({ kind: 'connection', id: `c${c.conn}`, connection: c });
      continue;
    }
    for (const exchange of c.exchanges) items.push({ kind: 'exchange', id: String(exchange.id), exchange, connection: c });
  }
  items.sort((a, b) => itemTs(a) - itemTs(b));
  return { header: read.header, connections, items, gaps };
}

/** The items named by `ids` (exchange ids, `c<conn>` for whole connections), in recording order. */
export function selectItems(index: RecordingIndex, ids: string[] | 'all'): ReplayItem[] {
  if (ids === 'all') return index.items;
  return ids.map((id) => {
    const item = index.items.find((i) => i.id === String(id).trim());
    if (!item) {
      const known = index.items.slice(0, 10).map((i) => i.id).join(', ');
      throw new RecordingLookupError(`no exchange or connection "${id}" in the recording (ids: ${known}${index.items.length > 10 ? ', …' : ''}; \`kmirror recording ls FILE\` lists them)`);
    }
    return item;
  });
}

export function requestBytes(item: ReplayItem): Buffer {
  if (item.kind === 'connection') return item.connection.streams.request;
  const [s, e] = item.exchange.requestRange;
  return item.connection.streams.request.subarray(s, e);
}

export function responseBytes(item: ReplayItem): Buffer {
  if (item.kind === 'connection') return item.connection.streams.response;
  const [s, e] = item.exchange.responseRange;
  return item.connection.streams.response.subarray(s, e);
}

export function itemTs(item: ReplayItem): number {
  return item.kind === 'exchange' ? item.exchange.started : firstTs(item.connection);
}

function firstTs(c: RecordedConnection): number {
  return c.opened?.ts ?? c.timeline[0]?.ts ?? 0;
}
