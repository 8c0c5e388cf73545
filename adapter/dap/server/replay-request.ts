// `kmirror/replay` `{ file, ids?, port?, host? }`: sends recorded requests into the debuggee while it
// runs, so a breakpoint in its handler stops on a replayed request. The port: `port` when given;
// else the local port the debuggee listens on for the recorded target port (the session's incoming
// subscriptions, from the layer's status); without a target, the recorded port itself on 127.0.0.1.
// The response comes as soon as the replay has started (the debuggee may sit at a breakpoint for
// as long as the user likes); each result follows as a `kmirror/replayResult` event and a line of
// console output. A debuggee not listening (or subscribed) yet is waited for, up to 30 s.
import { DapError } from '../common/errors.js';
import { openRecording } from '#runtime/recording/open-recording.js';
import { selectItems, type ReplayItem } from '#runtime/recording/recording-index.js';
import { itemLabel, replay, type ReplayResult } from '#runtime/recording/replay.js';
import { itemTitle, summarize, type ItemSummary } from '#runtime/recording/show.js';
import type { DebuggeeLayer } from './layer.js';

export const KMIRROR_REPLAY = 'kmirror/replay' as const;
export const KMIRROR_REPLAY_RESULT = 'kmirror/replayResult' as const;
export const KMIRROR_RECORDING = 'kmirror/recording' as const;

/** `kmirror/recording` `{ file }` → what an editor's picker shows: one titled entry per replayable item. */
export function listRecording(args: { file?: unknown }): { target: string; items: (ItemSummary & { title: string })[]; warnings: string[] } {
  if (!args || typeof args.file !== 'string' || !args.file) throw new DapError('BAD_REQUEST', 'kmirror/recording: "file" (a .kmrec recording) is required');
  const warnings: string[] = [];
  try {
    const index = openRecording(args.file, (w) => warnings.push(w));
    const items = index.items.map(summarize).map((s) => ({ ...s, title: itemTitle(s) }));
    return { target: index.header.target, items, warnings };
  } catch (err) {
    throw new DapError('BAD_REQUEST', `kmirror/recording: ${(err as Error).message}`, { cause: err });
  }
}

export interface KmirrorReplayArguments {
  file: string;
  /** Exchange ids (`3`) and whole connections (`c5`); omitted or 'all': everything. */
  ids?: Array<string | number> | 'all';
  port?: number;
  host?: string;
}

export interface KmirrorReplayResponse {
  host: string;
  port: number;
  items: { id: string; label: string }[];
  warnings: string[];
}

const REFUSED_RETRY_MS = 30_000;
/** A replayed request may wait at a breakpoint: bound it, but generously. */
const ANSWER_TIMEOUT_MS = 30 * 60_000;

interface IncomingEntry {
  port?: unknown;
  localPort?: unknown;
  transport?: unknown;
  state?: unknown;
}

/** Which local port receives what the recording's server port received. */
export function replayPort(recordedPort: number, status: Record<string, unknown>, targetActive: boolean): number {
  const incoming = ((status.proxy as { incoming?: unknown } | undefined)?.incoming ?? []) as IncomingEntry[];
  const tcp = Array.isArray(incoming) ? incoming.filter((s) => s.transport === 'tcp' && s.state !== 'closed' && s.state !== 'failed') : [];
  const same = tcp.find((s) => s.port === recordedPort);
  if (typeof same?.localPort === 'number') return same.localPort;
  if (!targetActive) return recordedPort;
  const ports = tcp.map((s) => `${String(s.port)}→${String(s.localPort)}`).join(', ') || 'none yet';
  throw new DapError(
    'BAD_REQUEST',
    `kmirror/replay: the debuggee does not listen for target port ${recordedPort} (its subscriptions: ${ports}); pass "port" to choose the local port`,
  );
}

/** The debuggee subscribes its port once it listens, maybe after this request: wait for it, bounded. */
async function portWhenListening(recordedPort: number, layer: DebuggeeLayer, waitMs: number): Promise<number> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return replayPort(recordedPort, layer.status(), layer.active);
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function startReplay(
  args: KmirrorReplayArguments,
  layer: DebuggeeLayer,
  send: { event: (event: string, body: unknown) => void; output: (text: string) => void },
): Promise<KmirrorReplayResponse> {
  if (!args || typeof args.file !== 'string' || !args.file) throw new DapError('BAD_REQUEST', 'kmirror/replay: "file" (a .kmrec recording) is required');
  if (args.port !== undefined && (!Number.isInteger(args.port) || args.port < 1 || args.port > 65535)) {
    throw new DapError('BAD_REQUEST', `kmirror/replay: "port" must be 1..65535, not ${JSON.stringify(args.port)}`);
  }
  const warnings: string[] = [];
  let items: ReplayItem[];
  try {
    const index = openRecording(args.file, (w) => warnings.push(w));
    items = selectItems(index, args.ids === undefined || args.ids === 'all' ? 'all' : args.ids.map(String));
  } catch (err) {
    throw new DapError('BAD_REQUEST', `kmirror/replay: ${(err as Error).message}`, { cause: err });
  }
  if (items.length === 0) throw new DapError('BAD_REQUEST', `kmirror/replay: ${args.file} holds nothing to replay`);
  const recordedPort = items[0]?.connection.opened?.server.port;
  const port = args.port ?? (await portWhenListening(recordedPort ?? 0, layer, REFUSED_RETRY_MS));
  const host = args.host ?? '127.0.0.1';
  for (const w of warnings) send.output(`kmirror: ${w}\n`);
  send.output(`kmirror: replaying ${items.length} recorded ${items.length === 1 ? 'request' : 'requests'} into ${host}:${port}\n`);
  void replay(items, {
    to: { host, port },
    speed: 'max',
    concurrency: 1,
    timeoutMs: ANSWER_TIMEOUT_MS,
    retryRefusedMs: REFUSED_RETRY_MS,
    onResult: (r) => {
      send.event(KMIRROR_REPLAY_RESULT, r);
      send.output(`kmirror: replay ${describe(r)}\n`);
    },
  }).catch((err: unknown) => send.output(`kmirror: replay failed: ${(err as Error).message}\n`));
  return { host, port, items: items.map((i) => ({ id: i.id, label: itemLabel(i) })), warnings };
}

function describe(r: ReplayResult): string {
  if (r.error) return `${r.id} ${r.label}: ${r.error}`;
  return `${r.id} ${r.label}: ${r.recordedStatus ?? '-'} → ${r.status ?? '-'}${r.match ? ', same as recorded' : `, differs: ${r.differences.join('; ')}`}`;
}
