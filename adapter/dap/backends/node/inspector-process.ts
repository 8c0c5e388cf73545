// Starts `node --inspect-brk=127.0.0.1:PORT program` (through the layer, with the inspector port
// excluded) and finds the inspector's WebSocket URL; or finds it for a running `--inspect` process.
// The program's stdout/stderr become output events; the inspector's own banner lines are dropped.
import { get } from 'node:http';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { BackendContext } from '../backend.js';
import { DebuggerProcess } from '../debugger-process.js';
import { DapError, withTimeout } from '../../common/errors.js';

const BANNER = /^(Debugger listening on ws:|For help, see: https:\/\/nodejs\.org|Debugger attached\.|Waiting for the debugger to disconnect\.\.\.)/;
const START_TIMEOUT_MS = 20_000;

/** A free loopback port (the inspector must listen on a port known in advance to exclude it from the layer). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Strips the inspector's banner lines from a stderr chunk. */
export function withoutInspectorBanner(text: string): string {
  return text.split(/(?<=\n)/).filter((line) => !BANNER.test(line)).join('');
}

export interface LaunchedInspector {
  debuggee: DebuggerProcess;
  wsUrl: string;
}

export async function launchUnderInspector(ctx: BackendContext, runtime: string): Promise<LaunchedInspector> {
  const { config, layer, sink } = ctx;
  const program = resolve(config.cwd ?? '.', config.program ?? '');
  const port = await freePort();
  const runtimeArgs = Array.isArray((config as { runtimeArgs?: unknown }).runtimeArgs) ? (config as unknown as { runtimeArgs: string[] }).runtimeArgs : [];
  const argv = [runtime, ...runtimeArgs, `--inspect-brk=127.0.0.1:${port}`, program, ...(config.args ?? [])];
  const wrapped = layer.wrap(argv, { env: config.env ?? {}, excludePorts: [port] });
  const debuggee = await DebuggerProcess.start('node', wrapped.command, wrapped.args, {
    cwd: config.cwd ?? dirname(program), env: wrapped.env, stdio: ['ignore', 'pipe', 'pipe'], owner: ctx.processes,
  });
  let stderrHead: string | undefined = '';
  const wsUrl = new Promise<string>((resolveUrl, reject) => {
    debuggee.child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      if (stderrHead !== undefined) {
        stderrHead += text;
        const m = /ws:\/\/\S+/.exec(stderrHead);
        if (m) {
          stderrHead = undefined; // found: stop collecting
          resolveUrl(m[0]);
        }
      }
    });
    void debuggee.exited.then(({ code }) => reject(new DapError('BACKEND_FAILED', `node exited (code ${code}) before its inspector was ready: ${debuggee.stderrTail()}`)));
  });
  if (debuggee.child.stderr) sink.pipeOutput(debuggee.child.stderr, 'stderr', { endsWithProgram: true, transform: withoutInspectorBanner });
  if (debuggee.child.stdout) sink.pipeOutput(debuggee.child.stdout, 'stdout', { endsWithProgram: true });
  try {
    return { debuggee, wsUrl: await withTimeout(wsUrl, START_TIMEOUT_MS, `waiting for the Node inspector of ${program}`) };
  } catch (e) {
    await debuggee.stop();
    throw e;
  }
}

/** The WebSocket URL of a running inspector (`node --inspect=host:port`), from /json/list. */
export async function inspectorUrl(host: string, port: number): Promise<string> {
  const list = await withTimeout(new Promise<Array<{ webSocketDebuggerUrl?: string }>>((resolveList, reject) => {
    get({ host, port, path: '/json/list' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => {
        try { resolveList(JSON.parse(body) as Array<{ webSocketDebuggerUrl?: string }>); } catch (e) { reject(e as Error); }
      });
    }).on('error', (e) => reject(new DapError('TARGET_UNREACHABLE', `no Node inspector at ${host}:${port}: ${e.message}`)));
  }), 10_000, `reading http://${host}:${port}/json/list`);
  const url = list.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  if (!url) throw new DapError('TARGET_UNREACHABLE', `the Node inspector at ${host}:${port} lists no debuggable target`);
  return url;
}
