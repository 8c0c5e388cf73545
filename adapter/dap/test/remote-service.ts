// The local stand-in for a remote service in the remote-attach integration tests: a fixture server's sources
// copied twice, "app" (what the service runs: remoteRoot) and "local" (the editor's checkout: localRoot); the
// service's ready line; a plain HTTP GET of its answers; and attach requests to it by pid through kmirror-dap.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { connectClient, FIXTURES } from './harness.js';
import type { DebugClient } from '@vscode/debugadapter-testsupport';

export interface ServiceRoots {
  /** The temp dir holding both roots (the caller removes it). */
  dir: string;
  localRoot: string;
  remoteRoot: string;
  /** The checkout's copy of the fixture: where breakpoints are set. */
  localFile: string;
  /** The copy the service runs. */
  remoteFile: string;
}

/** `fixture` (a path under fixtures/) copied to DIR/local and DIR/app of a new temp dir named `prefix`…. */
export function copyToRoots(fixture: string, prefix: string): ServiceRoots {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const localRoot = join(dir, 'local');
  const remoteRoot = join(dir, 'app');
  for (const root of [localRoot, remoteRoot]) mkdirSync(root);
  const name = basename(fixture);
  for (const root of [localRoot, remoteRoot]) copyFileSync(join(FIXTURES, fixture), join(root, name));
  return { dir, localRoot, remoteRoot, localFile: join(localRoot, name), remoteFile: join(remoteRoot, name) };
}

/** The service's pid and the JSON of the first line it prints (its port, and more). */
export async function serviceReady<T extends { port: number }>(child: ChildProcess): Promise<T & { pid: number }> {
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { pid: child.pid!, ...(JSON.parse(line.toString()) as T) };
}

/** GET `path` from host:port: the whole body. */
export function fetchText(host: string, port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host, port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** Initializes `dc` and attaches to pid/`pid` with `debuggerName` (30 s for the target); `extra` adds or overrides. */
export async function attachToPid(dc: DebugClient, debuggerName: string, pid: number, extra: Record<string, unknown> = {}): Promise<void> {
  await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await dc.attachRequest({ type: 'kmirror', request: 'attach', debugger: debuggerName, target: `pid/${pid}`, targetTimeoutMs: 30_000, ...extra } as DebugProtocol.AttachRequestArguments);
}

/** attachToPid from a client of its own on `serverPort` (stopped after): the error's message, or "attached". */
export async function attachErrorOf(serverPort: number, debuggerName: string, pid: number, extra: Record<string, unknown>): Promise<string> {
  const dc = await connectClient(serverPort);
  try {
    return await attachToPid(dc, debuggerName, pid, extra).then(() => 'attached', (e: Error) => e.message);
  } finally {
    await dc.stop();
  }
}
