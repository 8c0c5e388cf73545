// Drives a live kmirror-dap (a process on stdio, or a `--port` server) with seeded fuzz inputs in
// batches. After each batch a probe (`kmirror/status`) on the same stream must be answered, and on
// --port a bystander client, connected the whole time, must be answered too; every message
// kmirror-dap writes must be valid DAP. A process that exits other than after a disconnect is a
// crash: the batch is written to `crashDir` for replay, the process restarted, the run goes on.
// Resident memory is sampled after each batch.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { FrameReader, type Frame } from '#sdk/protocol/frame-reader.js';
import { dapFuzzInputs, PROBE_SEQ_BASE } from './dap-fuzz-inputs.js';

export interface FuzzOptions {
  /** kmirror-dap's bundle (run with this Node). */
  bundle: string;
  mode: 'stdio' | 'port';
  seed: number;
  inputs: number;
  batch?: number;
  probeTimeoutMs?: number;
  env?: Record<string, string>;
  crashDir?: string;
  onBatch?(done: number, report: FuzzReport): void;
}

export interface FuzzFailure {
  /** Index of the first input of the batch (regenerate with the same seed). */
  at: number;
  detail: string;
}

export interface FuzzReport {
  mode: 'stdio' | 'port';
  seed: number;
  inputs: number;
  durationMs: number;
  crashes: FuzzFailure[];
  /** Probes (or bystander probes) not answered in time by a process that was still running. */
  unanswered: FuzzFailure[];
  /** Messages from kmirror-dap that are not valid DAP. */
  invalid: FuzzFailure[];
  /** Sessions ended by a fuzzed disconnect (then: reconnect, or a new process on stdio). */
  sessionsEnded: number;
  messagesReceived: number;
  rssKb: { first: number; max: number; last: number };
}

/** One DAP stream to kmirror-dap: raw writes, parsed and checked reads, probes. */
class Link {
  private readonly waiters = new Map<number, (ok: boolean) => void>();
  closed = false;

  constructor(private readonly output: Writable, input: Readable, private readonly onMessage: (problem: string | undefined) => void) {
    const reader = new FrameReader((frame) => this.onFrame(frame));
    input.on('data', (chunk: Buffer) => reader.push(chunk));
    input.on('close', () => this.onClose());
    input.on('error', () => this.onClose());
    output.on('error', () => this.onClose());
  }

  async write(bytes: Buffer): Promise<void> {
    if (this.closed) return;
    if (this.output.write(bytes)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.output.off('drain', done);
        this.output.off('close', done);
        resolve();
      };
      this.output.on('drain', done);
      this.output.on('close', done);
    });
  }

  /** Sends `kmirror/status` with `seq` and resolves true when a valid, successful answer arrives in time. */
  async probe(seq: number, timeoutMs: number): Promise<boolean> {
    const answered = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => { this.waiters.delete(seq); resolve(false); }, timeoutMs);
      this.waiters.set(seq, (ok) => { clearTimeout(timer); this.waiters.delete(seq); resolve(ok); });
    });
    const json = JSON.stringify({ seq, type: 'request', command: 'kmirror/status' });
    await this.write(Buffer.from(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`));
    return answered;
  }

  /** Stops using this stream (the server ends a session's socket itself after a disconnect). */
  close(): void {
    this.onClose();
    this.output.destroy();
  }

  private onFrame(frame: Frame): void {
    if (!frame.ok) return this.onMessage(`unreadable frame from kmirror-dap: ${frame.reason}`);
    const m = frame.value as Record<string, unknown> | null;
    const problem = checkMessage(m);
    this.onMessage(problem);
    if (m && m.type === 'response' && typeof m.request_seq === 'number') this.waiters.get(m.request_seq)?.(m.success === true && m.command === 'kmirror/status');
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.waiters.values()]) w(false);
  }
}

/** Why `m` is not a valid DAP message from an adapter, or undefined when it is. */
export function checkMessage(m: Record<string, unknown> | null): string | undefined {
  const text = (): string => JSON.stringify(m).slice(0, 300);
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return `not an object: ${text()}`;
  if (!Number.isSafeInteger(m.seq)) return `seq is not an integer: ${text()}`;
  if (m.type === 'event') return typeof m.event === 'string' ? undefined : `event without a name: ${text()}`;
  if (m.type === 'request') return typeof m.command === 'string' ? undefined : `reverse request without a command: ${text()}`;
  if (m.type !== 'response') return `unknown type: ${text()}`;
  if (!Number.isSafeInteger(m.request_seq)) return `request_seq is not an integer: ${text()}`;
  if (typeof m.success !== 'boolean' || typeof m.command !== 'string') return `response without success/command: ${text()}`;
  return undefined;
}

export function rssKb(pid: number | undefined): number {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Runs the fuzz; resolves with what was found (never throws for what kmirror-dap does). */
export async function fuzzKmirrorDap(opts: FuzzOptions): Promise<FuzzReport> {
  const batch = opts.batch ?? 200;
  const probeTimeoutMs = opts.probeTimeoutMs ?? 10_000;
  const report: FuzzReport = { mode: opts.mode, seed: opts.seed, inputs: 0, durationMs: 0, crashes: [], unanswered: [], invalid: [], sessionsEnded: 0, messagesReceived: 0, rssKb: { first: 0, max: 0, last: 0 } };
  const started = Date.now();
  let batchStart = 0;
  let batchBytes = Buffer.alloc(0);
  let proc: ChildProcess | undefined;
  /** The current process may exit now: after a fuzzed disconnect (code 0), or when the driver kills it. */
  let exitExpected = false;
  const killed = new WeakSet<ChildProcess>();
  let stderrTail = '';
  const onMessage = (problem: string | undefined): void => {
    report.messagesReceived++;
    if (problem && report.invalid.length < 100) report.invalid.push({ at: batchStart, detail: problem });
  };

  const startProcess = async (): Promise<{ proc: ChildProcess; port?: number }> => {
    const args = opts.mode === 'port' ? ['--port', '0'] : [];
    const child = spawn(process.execPath, [opts.bundle, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    child.stderr!.on('data', (d: Buffer) => { stderrTail = (stderrTail + d.toString()).slice(-2000); });
    child.once('exit', (code, signal) => {
      if (killed.has(child) || (exitExpected && code === 0)) return;
      report.crashes.push({ at: batchStart, detail: `kmirror-dap exited (code ${code}, signal ${signal}): ${stderrTail.trim().slice(-800)}` });
      if (opts.crashDir) {
        mkdirSync(opts.crashDir, { recursive: true });
        writeFileSync(join(opts.crashDir, `crash-${opts.mode}-seed${opts.seed}-at${batchStart}.bin`), batchBytes);
      }
    });
    if (opts.mode === 'stdio') return { proc: child };
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    return { proc: child, port: Number(/listening on [\d.]+:(\d+)/.exec(line)?.[1]) };
  };
  const connectTo = async (port: number): Promise<Link> => {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new Link(socket, socket, onMessage);
  };

  let port: number | undefined;
  let link: Link;
  let bystander: Link | undefined;
  const restart = async (): Promise<void> => {
    const old = proc;
    if (old && old.exitCode === null && old.signalCode === null) {
      if (exitExpected) report.unanswered.push({ at: batchStart, detail: `kmirror-dap on stdio still running ${probeTimeoutMs} ms after a disconnect` });
      killed.add(old);
      old.kill('SIGKILL');
      await once(old, 'exit');
    }
    exitExpected = false;
    stderrTail = '';
    ({ proc, port } = await startProcess());
    if (port === undefined) {
      link = new Link(proc.stdin!, proc.stdout!, onMessage);
    } else {
      link = await connectTo(port);
      bystander = await connectTo(port);
      await bystander.write(frameOf({ seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'fuzz-bystander' } }));
    }
  };
  await restart();

  let probeSeq = PROBE_SEQ_BASE;
  const inputs = dapFuzzInputs(opts.seed);
  while (report.inputs < opts.inputs) {
    batchStart = report.inputs;
    const chunks: Buffer[] = [];
    let endsSession = false;
    for (let k = 0; k < batch && report.inputs < opts.inputs; k++, report.inputs++) {
      const input = inputs.next().value!; // an infinite generator always yields
      chunks.push(input.bytes);
      endsSession ||= input.endsSession;
    }
    batchBytes = Buffer.concat(chunks);
    exitExpected = endsSession && opts.mode === 'stdio';
    await link!.write(batchBytes);
    if (endsSession) {
      report.sessionsEnded++;
      if (opts.mode === 'stdio') {
        // The session ends and kmirror-dap with it (exit 0); anything else was reported as a crash.
        const current = proc!;
        const exited = current.exitCode !== null || current.signalCode !== null ? Promise.resolve() : once(current, 'exit').then(() => undefined);
        await Promise.race([exited, new Promise((r) => setTimeout(r, probeTimeoutMs))]);
        await restart();
      } else {
        link!.close(); // the session is over: continue on a new connection
        link = await connectTo(port!);
      }
      continue;
    }
    const alive = (): boolean => proc!.exitCode === null && proc!.signalCode === null;
    if (!(await link!.probe(probeSeq++, probeTimeoutMs))) {
      if (alive()) report.unanswered.push({ at: batchStart, detail: `no answer to a valid request within ${probeTimeoutMs} ms${link!.closed ? ' (connection closed by kmirror-dap)' : ''}` });
      await restart();
      continue;
    }
    if (bystander && !(await bystander.probe(probeSeq++, probeTimeoutMs))) {
      report.unanswered.push({ at: batchStart, detail: 'the bystander client got no answer' });
      await restart();
      continue;
    }
    const rss = rssKb(proc!.pid);
    if (!report.rssKb.first) report.rssKb.first = rss;
    report.rssKb.max = Math.max(report.rssKb.max, rss);
    report.rssKb.last = rss;
    opts.onBatch?.(report.inputs, report);
  }
  killed.add(proc!);
  proc!.kill('SIGKILL');
  await once(proc!, 'exit').catch(() => {});
  report.durationMs = Date.now() - started;
  return report;
}

export function frameOf(message: unknown): Buffer {
  const json = JSON.stringify(message);
  return Buffer.from(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
}
