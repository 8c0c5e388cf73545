// Runs `kmirror record` (dist/kmirror.js) as the user would, and waits on the recording file,
// which is readable while it is written, for what a test expects to be in it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readRecordingFile, type RecordingRead } from '#runtime/recording/reader.js';

const BESIDE = join(import.meta.dirname, '../../../dist/kmirror.js');
// From a bench bundle (build/bench/) the repository root is the working directory.
export const CLI = existsSync(BESIDE) ? BESIDE : join(process.cwd(), 'dist/kmirror.js');

export interface RecordRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code. */
  exited: Promise<number>;
  /** SIGINT (Ctrl-C), then the exit code. */
  stop(): Promise<number>;
}

/** Starts `kmirror record ARGS` and resolves once it says it records (bounded). */
export async function startRecord(args: string[]): Promise<RecordRun> {
  const child = spawn(process.execPath, [CLI, 'record', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => (code as number | null) ?? (signal ? 128 : 1));
  const run: RecordRun = {
    child, exited, stdout: () => out, stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return exited;
    },
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => {
        const check = (): void => { if (err.includes('kmirror record: recording ')) resolve(); };
        child.stderr?.on('data', check);
      }),
      exited.then((code) => { throw new Error(`kmirror record exited (${code}) before recording:\n${err}${out}`); }),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`kmirror record not recording after 30 s:\n${err}`)), 30_000); }),
    ]);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return run;
}

/** Polls the growing file until `done(read)` holds (bounded); returns that read. */
export async function waitForRecording(file: string, what: string, done: (r: RecordingRead) => boolean, timeoutMs = 20_000): Promise<RecordingRead> {
  const deadline = Date.now() + timeoutMs;
  let last: RecordingRead | undefined;
  for (;;) {
    try {
      last = readRecordingFile(file);
      if (done(last)) return last;
    } catch {
      // not created yet
    }
    if (Date.now() > deadline) throw new Error(`recording ${file}: ${what} not seen within ${timeoutMs} ms (${last?.records.length ?? 0} records so far)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The recorded bytes of each connection, by the client's port. */
export function recordedConnections(read: RecordingRead): Map<number, { conn: number; request: Buffer[]; response: Buffer[]; closed: boolean; reset: boolean }> {
  const byConn = new Map<number, { conn: number; request: Buffer[]; response: Buffer[]; closed: boolean; reset: boolean }>();
  const byPort = new Map<number, { conn: number; request: Buffer[]; response: Buffer[]; closed: boolean; reset: boolean }>();
  for (const r of read.records) {
    if (r.type === 'open') {
      const c = { conn: r.conn, request: [], response: [], closed: false, reset: false };
      byConn.set(r.conn, c);
      byPort.set(r.client.port, c);
    } else if (r.type === 'segment') {
      byConn.get(r.conn)?.[r.dir].push(Buffer.from(r.bytes));
    } else if (r.type === 'close') {
      const c = byConn.get(r.conn);
      if (c) { c.closed = true; c.reset = r.reset; }
    }
  }
  return byPort;
}
