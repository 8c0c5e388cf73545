// Test harness for kmirror-dap: an in-process TCP server (one session per DebugClient), the
// fixture debuggees built into a temp dir, and breakpoint lines found by their `BREAK` marker.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll } from 'vitest';
import { BACKENDS } from '../backends/registry.js';
import { serveTcp } from '../server/server.js';
import { silentLogger, createLogger } from '../server/log.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export interface Fixtures {
  dir: string;
  goBinary: string;
  goSource: string;
  cBinary: string;
  cSource: string;
  pySource: string;
  jsSource: string;
  /** TypeScript source and its esbuild output (with an external source map). */
  tsSource: string;
  tsCompiled: string;
  cleanup(): void;
}

/** Copies the fixtures to a temp dir and builds the Go and C debuggees (with debug info, no optimisation). */
export function buildFixtures(): Fixtures {
  const dir = mkdtempSync(join(tmpdir(), 'kmirror-dap-fx-'));
  cpSync(FIXTURES, dir, { recursive: true });
  execFileSync('go', ['build', '-gcflags=all=-N -l', '-o', 'app', '.'], { cwd: join(dir, 'go'), stdio: 'pipe', env: { ...process.env, GOFLAGS: '-mod=mod' } });
  execFileSync('gcc', ['-g', '-O0', '-o', 'app', 'app.c'], { cwd: join(dir, 'c'), stdio: 'pipe' });
  buildSync({ entryPoints: [join(dir, 'ts/app.ts')], outfile: join(dir, 'ts/out/app.js'), sourcemap: true, platform: 'node', format: 'cjs', logLevel: 'silent' });
  return {
    dir,
    goBinary: join(dir, 'go/app'), goSource: join(dir, 'go/main.go'),
    cBinary: join(dir, 'c/app'), cSource: join(dir, 'c/app.c'),
    pySource: join(dir, 'py/app.py'), jsSource: join(dir, 'js/app.js'),
    tsSource: join(dir, 'ts/app.ts'), tsCompiled: join(dir, 'ts/out/app.js'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The 1-based line carrying the `BREAK` marker comment. */
export function breakLine(path: string, marker = 'BREAK'): number {
  const index = readFileSync(path, 'utf8').split('\n').findIndex((l) => l.includes(marker));
  if (index < 0) throw new Error(`no ${marker} marker in ${path}`);
  return index + 1;
}

export interface TestServer {
  port: number;
  close(): Promise<void>;
}

/** kmirror-dap's TCP server in this process (KMIRROR_DAP_TEST_LOG=file for traffic logs). */
export async function startServer(defaultTarget?: string): Promise<TestServer> {
  const log = process.env.KMIRROR_DAP_TEST_LOG ? createLogger({ file: process.env.KMIRROR_DAP_TEST_LOG, level: 'debug' }) : silentLogger;
  const server: Server = await serveTcp({ port: 0, log, defaultTarget, backends: BACKENDS });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('server has no address');
  return {
    port: address.port,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/**
 * The usual set-up of a test file: fixtures built and a server started before its tests, both
 * closed and removed after them. Read `fx` and `server` inside tests or hooks (not at load time).
 * A file's own afterAll registered after this call runs before it (vitest runs after-hooks as a stack).
 */
export function useFixturesAndServer(): { readonly fx: Fixtures; readonly server: TestServer } {
  let fx: Fixtures | undefined;
  let server: TestServer | undefined;
  beforeAll(async () => {
    fx = buildFixtures();
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
    fx?.cleanup();
  });
  return {
    get fx() {
      if (!fx) throw new Error('fixtures not built yet (read them inside a test or hook)');
      return fx;
    },
    get server() {
      if (!server) throw new Error('server not started yet (read it inside a test or hook)');
      return server;
    },
  };
}

export async function connectClient(port: number, timeoutMs = 30_000): Promise<DebugClient> {
  const dc = new DebugClient('node', 'unused', 'kmirror');
  dc.defaultTimeout = timeoutMs;
  await dc.start(port);
  return dc;
}

/** initialize (with the given client capabilities) → launch → breakpoint → configurationDone → stopped there. */
export async function launchToBreakpoint(dc: DebugClient, launchArgs: Record<string, unknown>, location: { path: string; line: number },
  initArgs: Record<string, unknown> = {}): Promise<void> {
  await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', ...initArgs });
  await Promise.all([
    dc.waitForEvent('initialized').then(() => dc.setBreakpointsRequest({ source: { path: location.path }, breakpoints: [{ line: location.line }] }))
      .then(() => dc.configurationDoneRequest()),
    dc.launchRequest(launchArgs as never),
    dc.assertStoppedLocation('breakpoint', location),
  ]);
}
