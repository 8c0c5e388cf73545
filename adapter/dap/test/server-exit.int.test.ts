// A `kmirror-dap --port` server started for an editor ends with it: `--exit-with-parent` when the
// process that started it exits (a real process tree: a parent that spawns the server, as
// nvim-dap's libuv spawn does, and then exits while a session debugs a program), `--idle-exit`
// when its last client has gone for that long. Waits are on events with deadlines.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DapClient } from '#sdk/api/dap-client.js';
import { descendants, waitGone } from './process-tree.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bundle = join(root, 'dist/kmirror-dap.js');
const work = mkdtempSync(join(tmpdir(), 'kmirror-server-exit-'));
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Resolves with the first match of `pattern` on `child`'s stdout, or rejects after `ms`. */
function firstMatch(child: ChildProcess, pattern: RegExp, ms = 20_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output matching ${pattern} within ${ms} ms`)), ms);
    let text = '';
    child.stdout?.on('data', (d: Buffer) => {
      text += d.toString();
      const m = pattern.exec(text);
      if (m) { clearTimeout(timer); resolve(m); }
    });
  });
}

async function dapClient(port: number): Promise<{ client: DapClient; close(): void }> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  return { client: new DapClient(socket, socket, { requestTimeoutMs: 20_000 }), close: () => socket.destroy() };
}

describe('kmirror-dap --port ends with the editor that started it', () => {
  it('--exit-with-parent: the parent exits mid-session; kmirror-dap and the program it runs end', { timeout: 60_000 }, async () => {
    expect(existsSync(bundle), 'dist/kmirror-dap.js missing: run bash scripts/build.sh').toBe(true);
    // The parent: starts the server detached from its own stdio, reports pid and port, and waits for "exit" on stdin.
    const parentScript = `
      const { spawn } = require('node:child_process');
      const s = spawn(process.execPath, [${JSON.stringify(bundle)}, '--port', '0', '--exit-with-parent'], { stdio: ['ignore', 'pipe', 'inherit'] });
      s.stdout.on('data', (d) => { const m = /listening on 127\\.0\\.0\\.1:(\\d+)/.exec(d.toString()); if (m) console.log('server ' + s.pid + ' ' + m[1]); });
      process.stdin.on('data', () => process.exit(0));`;
    const parent = spawn(process.execPath, ['-e', parentScript], { stdio: ['pipe', 'pipe', 'inherit'] });
    started.push(parent.pid ?? 0);
    const [, pidText = '', portText = ''] = await firstMatch(parent, /server (\d+) (\d+)/);
    const serverPid = Number(pidText);
    started.push(serverPid);

    const { client, close } = await dapClient(Number(portText));
    try {
      const output = new Promise<void>((resolve) => client.on('event', (e) => {
        if (e.event === 'output' && String((e.body as { output?: string }).output).includes('greeting=')) resolve();
      }));
      await client.request('initialize', { adapterID: 'kmirror', clientID: 'neovim' });
      // As clients do: configurationDone after `initialized`; debugpy answers launch only after it.
      const initialized = new Promise<void>((resolve) => client.on('event', (e) => { if (e.event === 'initialized') resolve(); }));
      const launched = client.request('launch', { type: 'kmirror', request: 'launch', program: join(root, 'adapter/dap/test/fixtures/py/app.py'), env: { KM_FOREVER: '1' } });
      await Promise.race([initialized, launched]);
      await client.request('configurationDone', {});
      await launched;
      await output; // the program runs
      const tree = [serverPid, ...descendants(serverPid).map((p) => p.pid)];
      expect(tree.length).toBeGreaterThan(1); // debugpy and the program

      parent.stdin.write('exit\n');
      await once(parent, 'exit');
      expect(await waitGone(tree, 20_000)).toEqual([]);
    } finally {
      close();
    }
  });

  it('--idle-exit: the server exits 0 once its last client has been gone that long, and not before a client came', { timeout: 60_000 }, async () => {
    const log = join(work, 'idle.log');
    const server = spawn(process.execPath, [bundle, '--port', '0', '--idle-exit', '2', '--log', log], { stdio: ['ignore', 'pipe', 'inherit'] });
    started.push(server.pid ?? 0);
    const exited = once(server, 'exit') as Promise<[number | null, string | null]>;
    const [, port = ''] = await firstMatch(server, /listening on 127\.0\.0\.1:(\d+)/);

    const { client, close } = await dapClient(Number(port));
    expect((await client.request<{ supportsConfigurationDoneRequest?: boolean }>('initialize', { adapterID: 'kmirror', clientID: 't' })).supportsConfigurationDoneRequest).toBe(true);
    await client.request('disconnect', {});
    close();

    const [code] = await Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still running 20 s after its last client left')), 20_000).unref())]);
    expect(code).toBe(0);
    const lines = readFileSync(log, 'utf8');
    // In order: the client was served, then the idle exit.
    expect(lines.indexOf('client connected')).toBeGreaterThanOrEqual(0);
    expect(lines.indexOf('no client for 2 s')).toBeGreaterThan(lines.indexOf('client connected'));
  });
});
