// `kmirror record --target T --port P [--port Q…] [--http-filter …] [--only-failing]
// [--max-requests N] [--max-bytes B] [--duration D] -o FILE.kmrec`: records both directions of
// every connection to the target's ports (mirror: the target keeps answering, nothing is
// stolen) into a recording file. Stops at a limit, on Ctrl-C/SIGTERM, or when the file cannot be written; a dropped
// tunnel is a gap in the file and the recording resumes once the session is back.
import { isConfigError } from '#runtime/config/errors.js';
import { loadConfig } from '#runtime/config/load.js';
import { applyKubeFlags, KUBE_FLAG_OPTIONS, KUBE_FLAGS_USAGE } from '#runtime/cluster/kube-flags.js';
import { placementForTarget } from '#runtime/placement/placement-for-target.js';
import type { OpenedAgent } from '#runtime/placement/placement.js';
import { CaptureClient, type CaptureEvent } from '#runtime/recording/capture-client.js';
import { DEFAULT_REDACTED_HEADERS } from '#runtime/recording/records.js';
import { RecordingWriter } from '#runtime/recording/writer.js';
import { parseHttpFilterFlags, type ParsedHttpFilter } from '../record-http-filter.js';
import { dropReason, parseByteSize, parseDuration, progressLine, summary } from '../record-progress.js';
import { parseCommandLine, UsageError, type CliCommand, type CliIo } from './command.js';

const USAGE = `usage: kmirror record --target TARGET --port PORT [--port PORT]... -o FILE.kmrec
                      [--http-filter 'HEADER-REGEX'|JSON] [--http-filter-path REGEX]
                      [--http-filter-method REGEX] [--only-failing]
                      [--max-requests N] [--max-bytes SIZE] [--duration TIME]
                      [--no-redact] [--redact REGEX]... [-f CONFIG] [-v] ${KUBE_FLAGS_USAGE}
  Records both directions of every TCP connection to PORT in the target (mirror: the target keeps
  answering). HTTP/1.x exchanges are indexed (kmirror recording ls FILE); other protocols are
  kept whole. --only-failing keeps only exchanges answered with status >= 500 or reset.
  --http-filter keeps only HTTP exchanges whose request matches, as mirrord's http_filter: a
  regex over each "Name: value" header line (e.g. 'x-user: alice'), or its JSON form
  '{"header_filter":…,"path_filter":…,"method_filter":…,"all_of":[…],"any_of":[…]}';
  --http-filter-path / --http-filter-method match the request target / method. All given filters
  (and --only-failing) must keep an exchange; with an HTTP filter, non-HTTP connections are dropped.
  Limits: --max-requests (HTTP exchanges in the file), --max-bytes (recorded bytes, e.g. 100MB),
  --duration (e.g. 90s, 10m). Credentials (Authorization, Cookie, Set-Cookie,
  Proxy-Authorization, header names matching --redact) are redacted unless --no-redact.`;

interface Limits {
  maxRequests?: number;
  maxBytes?: number;
  durationMs?: number;
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, not "${text}"`);
  return n;
}

function parsed<T>(flag: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

/** --http-filter* (messages already name the flag and the pattern). */
function httpFilterFrom(values: Record<string, unknown>): ParsedHttpFilter | undefined {
  const text = (key: string): string | undefined => {
    const v = values[key];
    return typeof v === 'string' ? v : undefined;
  };
  const [filter, path, method] = [text('http-filter'), text('http-filter-path'), text('http-filter-method')];
  try {
    return parseHttpFilterFlags({ ...(filter !== undefined ? { filter } : {}), ...(path !== undefined ? { path } : {}), ...(method !== undefined ? { method } : {}) });
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
}

function apply(writer: RecordingWriter, ev: CaptureEvent): void {
  switch (ev.type) {
    case 'open': return writer.connection({ conn: ev.conn, client: ev.client, server: ev.server, ts: ev.ts });
    case 'segment': return writer.segment({ conn: ev.conn, dir: ev.dir, ts: ev.ts, bytes: ev.bytes });
    case 'close': return writer.closeConnection({ conn: ev.conn, ts: ev.ts, reset: ev.reset });
    case 'gap': return writer.gap({ conn: ev.conn, ts: ev.ts, reason: ev.reason, lostBytes: ev.lostBytes });
  }
}

export const recordCommand: CliCommand = {
  name: 'record',
  summary: "record a target's incoming traffic and its answers to a file (mirror, nothing stolen)",
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseCommandLine({
      args: argv, strict: true, allowPositionals: false,
      options: {
        target: { type: 'string', short: 't' }, port: { type: 'string', short: 'p', multiple: true }, output: { type: 'string', short: 'o' },
        'http-filter': { type: 'string' }, 'http-filter-path': { type: 'string' }, 'http-filter-method': { type: 'string' },
        'only-failing': { type: 'boolean' }, 'max-requests': { type: 'string' }, 'max-bytes': { type: 'string' }, duration: { type: 'string' },
        'no-redact': { type: 'boolean' }, redact: { type: 'string', multiple: true }, file: { type: 'string', short: 'f' }, verbose: { type: 'boolean', short: 'v' },
        ...KUBE_FLAG_OPTIONS,
      },
    });
    const ports = (values.port ?? []).flatMap((p) => p.split(',')).map((p) => {
      const n = Number(p);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--port: bad port "${p}"`);
      return n;
    });
    if (ports.length === 0) throw new UsageError('--port PORT is required (repeatable)');
    if (!values.output) throw new UsageError('-o FILE.kmrec is required');
    const httpFilter = httpFilterFrom(values);
    const patterns = values.redact ?? [];
    for (const p of patterns) parsed('--redact', () => new RegExp(p, 'i'));
    const limits: Limits = {
      ...(values['max-requests'] ? { maxRequests: positiveInt(values['max-requests'], '--max-requests') } : {}),
      ...(values['max-bytes'] ? { maxBytes: parsed('--max-bytes', () => parseByteSize(values['max-bytes'] as string)) } : {}),
      ...(values.duration ? { durationMs: parsed('--duration', () => parseDuration(values.duration as string)) } : {}),
    };
    let loaded;
    try {
      loaded = loadConfig(values.file ? { file: values.file } : {});
    } catch (err) {
      if (isConfigError(err)) { io.stderr(`kmirror record: ${err.message}\n`); return 2; }
      throw err;
    }
    const kube = applyKubeFlags(loaded.config, values, values.target);
    if (kube.kubeconfig) process.env.KUBECONFIG = kube.kubeconfig;
    const configured = kube.config.target;
    const target = kube.target ?? (typeof configured === 'string' ? configured : configured?.path);
    if (!target) throw new UsageError('--target TARGET is required');
    const verbose = Boolean(values.verbose);
    const placement = await placementForTarget(target, kube.config, {
      log: (level, message) => { if (verbose || level === 'warn') io.stderr(`kmirror: ${message}\n`); },
    });
    const onlyFailing = Boolean(values['only-failing']);
    const writer = await RecordingWriter.open(values.output, {
      target, ports, redaction: { enabled: !values['no-redact'], headers: values['no-redact'] ? [] : [...DEFAULT_REDACTED_HEADERS], patterns: values['no-redact'] ? [] : patterns },
    }, { onlyFailing, ...(httpFilter ? { keepRequest: httpFilter.matches, keepRequestLabel: httpFilter.label } : {}) });
    return record(io, { writer, limits, onlyFailing, httpFilter, target, ports, open: () => placement.open() });
  },
};

interface RecordRun {
  writer: RecordingWriter;
  limits: Limits;
  onlyFailing: boolean;
  httpFilter: ParsedHttpFilter | undefined;
  target: string;
  ports: number[];
  open: () => Promise<OpenedAgent>;
}

async function record(io: CliIo, o: RecordRun): Promise<number> {
  const { writer, limits } = o;
  const dropped = dropReason(o.onlyFailing, o.httpFilter !== undefined);
  const kept = [o.onlyFailing ? 'only failing exchanges' : '', o.httpFilter ? `only requests matching ${o.httpFilter.label}` : ''].filter(Boolean).join(', ');
  const started = Date.now();
  let stopReason: string | undefined;
  let failure: Error | undefined;
  let wake!: () => void;
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const stop = (reason: string, err?: Error): void => {
    if (stopReason) return;
    stopReason = reason;
    failure = err;
    wake();
  };
  const client = new CaptureClient({
    open: o.open,
    ports: o.ports,
    onEvent: (ev) => {
      if (stopReason) return;
      try {
        apply(writer, ev);
      } catch (err) {
        return stop('the file could not be written', err as Error);
      }
      const s = writer.stats();
      if (limits.maxRequests !== undefined && s.exchanges >= limits.maxRequests) stop(`--max-requests ${limits.maxRequests} reached`);
      else if (limits.maxBytes !== undefined && s.bytes >= limits.maxBytes) stop(`--max-bytes ${limits.maxBytes} reached`);
    },
    onStatus: (s) => {
      if (s.type === 'disconnected') io.stderr(`\nkmirror record: ${s.reason}; reconnecting (recorded as a gap)\n`);
      if (s.type === 'connected' && s.epoch > 1) io.stderr(`kmirror record: reconnected to ${s.target}, recording resumed\n`);
    },
  });
  try {
    await client.start();
  } catch (err) {
    await writer.close(`could not start: ${(err as Error).message}`).catch(() => undefined);
    throw err;
  }
  io.stderr(`kmirror record: recording ${o.target} port${o.ports.length > 1 ? 's' : ''} ${o.ports.join(', ')} to ${writer.path}${kept ? ` (${kept})` : ''}; Ctrl-C stops\n`);
  void client.failed.then((err) => stop('the session could not be restored', err));
  const timers: NodeJS.Timeout[] = [];
  if (limits.durationMs !== undefined) timers.push(setTimeout(() => stop(`--duration reached`), limits.durationMs));
  const tty = process.stderr.isTTY === true;
  if (tty) timers.push(setInterval(() => io.stderr(`\r\x1b[K${progressLine(writer.stats(), Date.now() - started, dropped)}`), 500));
  const onSignal = (): void => stop('interrupted');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await stopped;
  } finally {
    for (const t of timers) clearTimeout(t);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (tty) io.stderr('\r\x1b[K');
    await client.stop();
  }
  let reason = stopReason as string;
  try {
    await writer.close(failure ? 'failed' : reason);
  } catch (err) {
    failure ??= err as Error;
  }
  if (failure) reason = `${reason}: ${failure.message}`;
  io.stdout(summary(writer.path, reason, writer.stats(), Date.now() - started, dropped));
  if (failure) io.stderr(`kmirror record: ${failure.message}\n`);
  return failure ? 1 : 0;
}
