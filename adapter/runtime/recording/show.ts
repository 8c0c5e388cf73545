// Text views of a recording for `kmirror recording ls/show` and the editors' pickers: a table row
// per exchange or whole connection, and one exchange as `curl -v` shows it.
import type { RecordingIndex, ReplayItem } from './recording-index.js';
import { requestBytes, responseBytes } from './recording-index.js';

export interface ItemSummary {
  id: string;
  kind: 'exchange' | 'connection';
  conn: number;
  method: string;
  path: string;
  status: number;
  reset: boolean;
  durationMs: number;
  requestBytes: number;
  responseBytes: number;
  started: string;
  redacted: string[];
}

export function summarize(item: ReplayItem): ItemSummary {
  const c = item.connection;
  if (item.kind === 'connection') {
    const ts = c.opened?.ts ?? c.timeline[0]?.ts ?? 0;
    const end = c.closed?.ts ?? c.timeline.at(-1)?.ts ?? ts;
    return {
      id: item.id, kind: 'connection', conn: c.conn, method: '', path: '', status: 0, reset: c.closed?.reset ?? false,
      durationMs: round(end - ts), requestBytes: c.streams.request.length, responseBytes: c.streams.response.length,
      started: new Date(ts).toISOString(), redacted: [],
    };
  }
  const x = item.exchange;
  return {
    id: item.id, kind: 'exchange', conn: x.conn, method: x.method, path: x.path, status: x.status, reset: x.reset,
    durationMs: round(x.duration), requestBytes: x.requestBytes, responseBytes: x.responseBytes,
    started: new Date(x.started).toISOString(), redacted: x.redacted,
  };
}

/** One picker line, e.g. `3  POST /checkout → 503  12.4 ms`. */
export function itemTitle(s: ItemSummary): string {
  if (s.kind === 'connection') return `${s.id}  connection ${s.conn} (not HTTP/1.x) ${s.requestBytes} B → ${s.responseBytes} B${s.reset ? '  reset' : ''}`;
  return `${s.id}  ${s.method} ${s.path} → ${s.status || '-'}${s.reset ? ' reset' : ''}  ${s.durationMs} ms`;
}

export function itemsTable(index: RecordingIndex): string {
  const rows = index.items.map(summarize).map((s) => [
    s.id,
    s.kind === 'connection' ? '(raw)' : s.method,
    s.kind === 'connection' ? `connection ${s.conn}` : s.path,
    s.status ? String(s.status) : '-',
    `${s.durationMs}ms`,
    String(s.requestBytes),
    String(s.responseBytes),
    [s.reset ? 'reset' : '', s.redacted.length ? 'redacted' : ''].filter(Boolean).join(','),
  ]);
  const head = ['ID', 'METHOD', 'PATH', 'STATUS', 'TIME', 'REQ', 'RES', 'NOTES'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

/** The exchange as `curl -v` would print it: `>` request head, `<` response head, bodies as text or a byte count. */
export function showItem(index: RecordingIndex, item: ReplayItem): string {
  const s = summarize(item);
  const c = item.connection;
  const peer = c.opened ? `${c.opened.client.address}:${c.opened.client.port} → ${c.opened.server.address}:${c.opened.server.port}` : 'endpoints not recorded';
  const out = [`* ${s.kind} ${s.id} · connection ${s.conn} ${peer} · ${s.started} · ${s.durationMs} ms · target ${index.header.target}`];
  if (s.redacted.length) out.push(`* redacted by kmirror: ${s.redacted.join(', ')}`);
  if (item.kind === 'connection') {
    out.push(`> ${body(requestBytes(item))}`, `< ${body(responseBytes(item))}`);
  } else {
    out.push(...message(requestBytes(item), '>'), ...message(responseBytes(item), '<'));
    if (s.status === 0) out.push(`* no response${s.reset ? ': the connection was reset' : ''}`);
  }
  return out.join('\n') + '\n';
}

function message(bytes: Buffer, mark: string): string[] {
  if (bytes.length === 0) return [];
  const end = bytes.indexOf('\r\n\r\n');
  const headText = bytes.subarray(0, end < 0 ? bytes.length : end).toString('latin1');
  const lines = headText.split('\r\n').map((l) => `${mark} ${l}`);
  lines.push(mark);
  if (end >= 0 && end + 4 < bytes.length) lines.push(body(bytes.subarray(end + 4)));
  return lines;
}

function body(b: Buffer): string {
  if (b.length === 0) return '[0 bytes]';
  const text = b.toString('utf8');
  const printable = !/[\x00-\x08\x0e-\x1f\x7f]/.test(text) && !text.includes('\ufffd');
  if (!printable) return `[${b.length} bytes of binary data: ${b.subarray(0, 32).toString('hex')}${b.length > 32 ? '…' : ''}]`;
  return b.length > 4096 ? `${text.slice(0, 4096)}\n[… ${b.length - 4096} more bytes]` : text;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
