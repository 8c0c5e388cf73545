// Shared by the trace integration tests: runs agent/test/fixtures/trace-actor.mjs (a known
// sequence of connects, DNS lookups, an exec and opens) inside a namespace, and collects a trace's
// events until a condition holds (bounded).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestNetns } from '#test/harness/netns.js';
import type { TraceSession, TracedEvent } from '#runtime/trace/trace-client.js';
import { waitFor } from './pod.js';

const run = promisify(execFile);
const ACTOR = fileURLToPath(new URL('../fixtures/trace-actor.mjs', import.meta.url));

export interface ActorReport {
  pid: number;
  childPid: number;
  tcp: Array<{ host: string; serverPort: number; clientPort: number }>;
  reset: { host: string; serverPort: number; clientPort: number; code: string };
  refused: { port: number; code: string };
  dns: Array<{ name: string; type: string; id: number; answers: number }>;
  created: string;
  missing: string;
  missingErr: string;
  request: number;
  response: number;
}

/** Runs the actor inside `ns` with `tag`; resolves with what it did (bounded: 30 s). */
export async function runActor(ns: TestNetns, tag: string): Promise<ActorReport> {
  const { stdout } = await run('ip', ['netns', 'exec', ns.name, process.execPath, ACTOR, tag], { timeout: 30_000 });
  return JSON.parse(stdout) as ActorReport;
}

/** Every event of `trace` from now on. */
export function collect(trace: TraceSession): TracedEvent[] {
  const events: TracedEvent[] = [];
  trace.on('event', (e: TracedEvent) => events.push(e));
  return events;
}

/** Waits (bounded) until `events` satisfy `done`. */
export function eventsUntil(events: TracedEvent[], what: string, done: (events: TracedEvent[]) => boolean, timeoutMs = 15_000): Promise<void> {
  return waitFor(what, () => (done(events) ? true : undefined), timeoutMs).then(() => undefined);
}
