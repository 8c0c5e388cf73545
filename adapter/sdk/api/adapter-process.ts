// Starts the debug adapter a headless session talks to: `kmirror-dap` on stdio by default (the
// bundle beside this one, the repository's dist/, or `kmirror-dap` on PATH), any other command,
// or an already running adapter server reached over TCP.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';

/** Where the adapter comes from: a command spawned with DAP on its stdio, or a TCP server. */
export type AdapterSpec =
  | { command: string; args?: string[]; env?: NodeJS.ProcessEnv }
  | { host?: string; port: number };

export interface AdapterConnection {
  readonly input: Readable;
  readonly output: Writable;
  /** Resolves when the adapter process (or socket) is gone. */
  readonly gone: Promise<void>;
  /** The adapter's last stderr lines, for error messages. */
  stderrTail(): string;
  /** Ends the connection; kills the adapter process if it is still there after `graceMs`. */
  dispose(graceMs?: number): Promise<void>;
}

const STDERR_TAIL_BYTES = 4096;

/** Finds kmirror-dap: $KMIRROR_DAP, a sibling bundle, the repository's dist/, else PATH. */
export function defaultAdapterSpec(): AdapterSpec {
  const candidates = [
    process.env.KMIRROR_DAP,
    fileURLToPath(new URL('./kmirror-dap.js', import.meta.url)), // dist/kmirror-api.js → dist/kmirror-dap.js
    fileURLToPath(new URL('../../../dist/kmirror-dap.js', import.meta.url)), // adapter/sdk/api/ (sources)
  ];
  for (const path of candidates) {
    if (path && existsSync(path)) {
      return path.endsWith('.js') ? { command: process.execPath, args: [path] } : { command: path };
    }
  }
  return { command: 'kmirror-dap' };
}

/** Spawns or dials the adapter; rejects with a clear message if it cannot start. */
export async function openAdapter(spec: AdapterSpec, timeoutMs: number): Promise<AdapterConnection> {
  return 'port' in spec ? dialAdapter(spec.host ?? '127.0.0.1', spec.port, timeoutMs) : spawnAdapter(spec);
}

async function spawnAdapter(spec: { command: string; args?: string[]; env?: NodeJS.ProcessEnv }): Promise<AdapterConnection> {
  const child: ChildProcess = spawn(spec.command, spec.args ?? [], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: spec.env ?? process.env,
  });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString('utf8')).slice(-STDERR_TAIL_BYTES);
  });
  const gone = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e) => reject(new Error(`cannot start the debug adapter ${spec.command}: ${e.message}`)));
  });
  // stdio: 'pipe' guarantees the three streams exist.
  const input = child.stdout as Readable;
  const output = child.stdin as Writable;
  return {
    input,
    output,
    gone,
    stderrTail: () => tail.trim(),
    async dispose(graceMs = 2000) {
      output.end();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGTERM'), graceMs);
      const hardTimer = setTimeout(() => child.kill('SIGKILL'), graceMs * 2);
      await gone;
      clearTimeout(timer);
      clearTimeout(hardTimer);
    },
  };
}

async function dialAdapter(host: string, port: number, timeoutMs: number): Promise<AdapterConnection> {
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`cannot reach the debug adapter at ${host}:${port}: no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot reach the debug adapter at ${host}:${port}: ${e.message}`));
    });
  });
  const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    input: socket,
    output: socket,
    gone,
    stderrTail: () => '',
    async dispose() {
      socket.end();
      socket.destroy();
      await gone;
    },
  };
}
