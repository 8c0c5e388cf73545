// How a traced event reads as text: the columns of each gadget (the live table of `kmirror trace`)
// and one line per event (the debug console). Pure; the event shapes are TracedEvent
// (adapter/runtime/trace/README.md).
import { formatOpenFlags } from '../trace/open-flags.js';
import type { TraceGadget, TracedEvent, TracedEventOf } from '../trace/trace-types.js';
import type { SocketAddr } from '#proto/runtime/types.js';

export interface EventColumn {
  title: string;
  align?: 'left' | 'right';
  maxWidth?: number;
  /** Gives up width first on a narrow terminal. */
  flex?: boolean;
}

/** Local wall-clock time with milliseconds, e.g. 14:03:27.512. */
export function formatTime(timeUs: number): string {
  const d = new Date(Math.floor(timeUs / 1000));
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** 830µs, 12.4ms, 3.20s */
export function formatDuration(us: number): string {
  if (us < 1000) return `${us}µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(1)}ms`;
  return `${(us / 1_000_000).toFixed(2)}s`;
}

/** 512B, 4.0K, 1.2M */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)}K`;
  return `${(n / (1024 * 1024)).toFixed(1)}M`;
}

/** 10.0.0.1:80, [fd00::1]:443 */
export function formatAddr(a: SocketAddr | undefined): string {
  if (!a || !a.address) return '';
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

const ERRNO: Readonly<Record<number, string>> = {
  1: 'EPERM', 2: 'ENOENT', 4: 'EINTR', 9: 'EBADF', 11: 'EAGAIN', 13: 'EACCES', 17: 'EEXIST', 20: 'ENOTDIR', 21: 'EISDIR',
  22: 'EINVAL', 24: 'EMFILE', 28: 'ENOSPC', 30: 'EROFS', 36: 'ENAMETOOLONG', 40: 'ELOOP', 98: 'EADDRINUSE', 99: 'EADDRNOTAVAIL',
  101: 'ENETUNREACH', 104: 'ECONNRESET', 110: 'ETIMEDOUT', 111: 'ECONNREFUSED', 113: 'EHOSTUNREACH', 115: 'EINPROGRESS',
};

/** 0 → ok, -111 → ECONNREFUSED, a non-negative fd → fd 3. */
export function formatResult(result: number, okIsFd = false): string {
  if (result >= 0) return okIsFd ? `fd ${result}` : 'ok';
  return ERRNO[-result] ?? `errno ${-result}`;
}

type Cells<G extends TraceGadget> = (e: TracedEventOf<G>) => string[];
interface GadgetView<G extends TraceGadget> { columns: EventColumn[]; cells: Cells<G> }

const TIME: EventColumn = { title: 'TIME' };
const PID: EventColumn = { title: 'PID', align: 'right' };
const COMM: EventColumn = { title: 'COMM', maxWidth: 15 };

const VIEWS: { [G in TraceGadget]: GadgetView<G> } = {
  tcp: {
    columns: [TIME, PID, COMM, { title: 'KIND' }, { title: 'LOCAL', maxWidth: 47 }, { title: 'REMOTE', maxWidth: 47 },
      { title: 'SENT', align: 'right' }, { title: 'RECV', align: 'right' }, { title: 'DURATION', align: 'right' }, { title: 'RESULT', flex: true }],
    cells: (e) => [formatTime(e.timeUs), String(e.process.pid), e.process.comm, e.kind, formatAddr(e.local), formatAddr(e.remote),
      e.kind === 'close' ? formatBytes(e.bytesSent) : '', e.kind === 'close' ? formatBytes(e.bytesReceived) : '',
      e.kind === 'close' && e.durationUs ? formatDuration(e.durationUs) : '', e.kind === 'connect' ? formatResult(e.error) : ''],
  },
  dns: {
    columns: [TIME, { title: 'KIND' }, { title: 'ID', align: 'right' }, { title: 'NAME', maxWidth: 60 }, { title: 'TYPE' },
      { title: 'RCODE' }, { title: 'LATENCY', align: 'right' }, { title: 'SERVER', maxWidth: 47 }, { title: 'ANSWERS', flex: true }],
    cells: (e) => [formatTime(e.timeUs), e.kind, String(e.id), e.name, e.type, e.kind === 'answer' ? e.rcode : '',
      e.kind === 'answer' && e.latencyUs ? formatDuration(e.latencyUs) : '', formatAddr(e.server),
      e.answers.map((a) => (a.type === 'A' || a.type === 'AAAA' ? a.data : `${a.type} ${a.data}`)).join(' ')],
  },
  exec: {
    columns: [TIME, PID, { title: 'PPID', align: 'right' }, COMM, { title: 'ARGV', flex: true }],
    cells: (e) => [formatTime(e.timeUs), String(e.process.pid), String(e.process.ppid), e.process.comm, (e.argv.length ? e.argv : [e.filename]).join(' ')],
  },
  open: {
    columns: [TIME, PID, COMM, { title: 'RESULT' }, { title: 'FLAGS', maxWidth: 40 }, { title: 'PATH', flex: true }],
    cells: (e) => [formatTime(e.timeUs), String(e.process.pid), e.process.comm, formatResult(e.result, true), formatOpenFlags(e.flags), e.path],
  },
};

export function gadgetColumns(gadget: TraceGadget): readonly EventColumn[] {
  return VIEWS[gadget].columns;
}

/** The cells of the event's row, in the order of gadgetColumns(event.gadget). */
export function eventCells(event: TracedEvent): string[] {
  return (VIEWS[event.gadget].cells as Cells<TraceGadget>)(event as never);
}

/** One line for a console: `[tcp] 14:03:27.512 1234 curl connect 10.0.0.2:40000 10.0.0.9:80 ok`. */
export function eventLine(event: TracedEvent): string {
  const columns = gadgetColumns(event.gadget);
  const cells = eventCells(event);
  const parts = cells.map((c, i) => (c && ['SENT', 'RECV'].includes(columns[i]!.title) ? `${columns[i]!.title.toLowerCase()} ${c}` : c));
  return `[${event.gadget}] ${parts.filter((c) => c !== '').join(' ')}`;
}
