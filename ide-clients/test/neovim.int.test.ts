// The nvim-dap module in a real headless Neovim (Debian `neovim`): `require('kmirror').setup{}`
// registers the adapter and example configurations in nvim-dap's tables (a stand-in `dap` module,
// since nvim-dap is not packaged); the registered adapter definitions then start the real
// kmirror-dap, which answers `initialize` on stdio and in server mode.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { findLaunchSchema } from '../scripts/launch-attributes.mjs';
import { DapClient } from '#sdk/api/dap-client.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dapBundle = join(root, 'dist/kmirror-dap.js');
const work = mkdtempSync(join(tmpdir(), 'kmirror-nvim-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Registered {
  adapters?: Record<string, { type: string; command?: string; args?: string[]; host?: string; port?: number | string; executable?: { command: string; args: string[] }; options?: Record<string, unknown> }>;
  configurations?: Record<string, Array<Record<string, unknown>>>;
  error?: string;
}

let runs = 0;
/** Runs setup(opts) in headless nvim and returns what it registered. */
function setupInNvim(opts: object, times = 1): Registered {
  const out = join(work, `out-${runs++}.json`);
  execFileSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '--cmd', `set rtp^=${join(root, 'ide-clients/neovim')}`,
    '-c', `luafile ${join(root, 'ide-clients/test/fixtures/nvim-setup.lua')}`], {
    env: { ...process.env, KMIRROR_NVIM_OUT: out, KMIRROR_NVIM_OPTS: JSON.stringify(opts), KMIRROR_NVIM_TIMES: String(times) },
    timeout: 20_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(readFileSync(out, 'utf8')) as Registered;
}

async function initializeOver(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<Record<string, unknown>> {
  const client = new DapClient(input as never, output as never, { requestTimeoutMs: 10_000 });
  return client.request<Record<string, unknown>>('initialize', { adapterID: 'kmirror', clientID: 'neovim', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
}

describe('ide-clients/neovim in headless nvim', () => {
  it('setup{} registers the stdio adapter and configurations for every language', () => {
    const r = setupInNvim({});
    expect(r.error).toBeUndefined();
    // initialize_timeout_sec: nvim-dap's "adapter did not answer" warning waits 20 s, not its default 4 s.
    expect(r.adapters).toEqual({ kmirror: { type: 'executable', command: 'kmirror-dap', args: [], options: { initialize_timeout_sec: 20 } } });
    const c = r.configurations ?? {};
    expect(Object.keys(c).sort()).toEqual(['c', 'cpp', 'cs', 'go', 'javascript', 'python', 'rust', 'typescript']);
    expect(c.go?.[0]).toEqual({ type: 'kmirror', request: 'launch', name: 'kmirror: Go package', debugger: 'go', target: '<function>', program: '${fileDirname}', cwd: '${workspaceFolder}' });
    // existing configurations are kept, ours appended
    expect(c.python?.map((x) => x.name)).toEqual(['existing', 'kmirror: Python file', "kmirror: Python file, tracing the pod's DNS and TCP"]);
    expect(c.javascript?.map((x) => [x.request, x.debugger])).toEqual([['launch', 'node'], ['launch', 'node'], ['attach', 'node'], ['attach', 'node'], ['attach', 'node']]);
    expect(c.rust?.[0]).toMatchObject({ debugger: 'lldb', program: '<function>' });
    expect(c.cs?.[0]).toMatchObject({ debugger: 'dotnet' });
    for (const list of Object.values(c)) for (const x of list) if (x.type === 'kmirror') expect(['launch', 'attach']).toContain(x.request);
  });

  it('every example configuration, prompts answered, is valid for the generated launch schema (copy_target and trace included)', () => {
    const schemaPath = findLaunchSchema(root);
    if (!schemaPath) throw new Error('no generated launch schema in build/schema/: run bash scripts/build.sh');
    const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
    const configs = Object.values(setupInNvim({}).configurations ?? {}).flat().filter((x) => x.type === 'kmirror');
    expect(configs.length).toBeGreaterThan(8);
    for (const config of configs) {
      // '<function>': a prompt nvim-dap calls when the configuration starts (target, or a path).
      const answered = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v === '<function>' ? (k === 'target' ? 'deploy/web' : '/work/app') : v]));
      expect(validate(answered), `${String(config.name)}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    const onCopy = configs.filter((x) => (x.kmirror as { feature?: { copy_target?: unknown } } | undefined)?.feature?.copy_target !== undefined);
    expect(onCopy.map((x) => x.name)).toEqual(['kmirror: Node.js file on a copy of the target (copy_target)', 'kmirror: Node.js file on a copy of the target (copy_target)']); // javascript, typescript
    expect(onCopy[0]?.kmirror).toEqual({ feature: { copy_target: { scale_down: false }, network: { incoming: { mode: 'steal', ports: [8080] } } } });
    expect(configs.filter((x) => x.trace !== undefined).map((x) => [x.debugger, x.trace])).toEqual([['python', ['dns', 'tcp']]]);
  });

  it('a default target goes to --target and into every configuration', () => {
    const r = setupInNvim({ target: 'deploy/web', languages: ['go'] });
    expect(r.adapters?.kmirror).toEqual({ type: 'executable', command: 'kmirror-dap', args: ['--target', 'deploy/web'], options: { initialize_timeout_sec: 20 } });
    expect(Object.keys(r.configurations ?? {}).sort()).toEqual(['go', 'python']); // python: the stand-in's own entry
    expect(r.configurations?.go?.[0]?.target).toBe('deploy/web');
  });

  it('server modes and configurations = false', () => {
    expect(setupInNvim({ server: true, configurations: false })).toEqual({
      // The server nvim-dap starts ends with Neovim (--exit-with-parent) or after 60 s without a client.
      adapters: { kmirror: { type: 'server', host: '127.0.0.1', port: '${port}', options: { initialize_timeout_sec: 20 }, executable: { command: 'kmirror-dap', args: ['--host', '127.0.0.1', '--port', '${port}', '--exit-with-parent', '--idle-exit', '60'] } } },
      configurations: { python: [{ type: 'python', name: 'existing' }] },
    });
    expect(setupInNvim({ server: { port: 4711 }, configurations: false }).adapters?.kmirror).toEqual({ type: 'server', host: '127.0.0.1', port: 4711, options: { initialize_timeout_sec: 20 } });
    expect(setupInNvim({ server: true, idle_exit: false, initialize_timeout_sec: 60, configurations: false }).adapters?.kmirror).toMatchObject({
      options: { initialize_timeout_sec: 60 }, executable: { args: ['--host', '127.0.0.1', '--port', '${port}', '--exit-with-parent'] },
    });
    expect(setupInNvim({ server: { host: 'x' } }).error).toMatch(/server = \{ port = N \} needs the port/);
  });

  it('setup{} called twice registers each configuration once', () => {
    const twice = setupInNvim({}, 2);
    expect(twice.configurations?.python?.map((x) => x.name)).toEqual(['existing', 'kmirror: Python file', "kmirror: Python file, tracing the pod's DNS and TCP"]);
    for (const [language, list] of Object.entries(twice.configurations ?? {})) {
      const names = list.map((x) => x.name);
      expect(new Set(names).size, `${language}: ${names.join(', ')}`).toBe(names.length);
    }
    expect(twice.configurations).toEqual(setupInNvim({}).configurations);
  });

  it('the registered adapter definitions start a kmirror-dap that speaks DAP (stdio and server)', async () => {
    expect(existsSync(dapBundle), 'dist/kmirror-dap.js missing: run node scripts/bundle.mjs').toBe(true);
    const stdio = setupInNvim({ command: process.execPath, args: [dapBundle], configurations: false }).adapters?.kmirror;
    const child = spawn(stdio?.command ?? '', stdio?.args ?? [], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      expect((await initializeOver(child.stdout, child.stdin)).supportsConfigurationDoneRequest).toBe(true);
    } finally {
      child.kill();
    }

    // Server mode as nvim-dap runs it: substitute ${port} with a free port, start, connect.
    const server = setupInNvim({ command: process.execPath, args: [dapBundle], server: true, configurations: false }).adapters?.kmirror;
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p));
      });
    });
    const exe = server?.executable;
    const proc = spawn(exe?.command ?? '', (exe?.args ?? []).map((a) => a.replace('${port}', String(port))), { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('kmirror-dap --port did not report listening within 10 s')), 10_000);
        proc.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('listening on')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const socket = connect({ host: server?.host, port });
      expect((await initializeOver(socket, socket)).supportsConfigurationDoneRequest).toBe(true);
      socket.destroy();
    } finally {
      proc.kill();
    }
  });
});

describe('ide-clients/neovim replay()', () => {
  it('sends kmirror/replay for given ids, offers the recording list with vim.ui.select otherwise, and needs a kmirror session', () => {
    const out = join(work, 'replay.json');
    execFileSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '--cmd', `set rtp^=${join(root, 'ide-clients/neovim')}`,
      '-c', `luafile ${join(root, 'ide-clients/test/fixtures/nvim-replay.lua')}`], { env: { ...process.env, KMIRROR_NVIM_OUT: out }, timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const r = JSON.parse(readFileSync(out, 'utf8'));
    expect(r.sent).toEqual([
      { command: 'kmirror/replay', args: { file: '/tmp/rec.kmrec', ids: ['3', 'c1'] } },
      { command: 'kmirror/recording', args: { file: '/tmp/rec.kmrec' } },
      { command: 'kmirror/replay', args: { file: '/tmp/rec.kmrec', ids: ['2'] } },
    ]);
    expect(r.offered).toEqual(['1  GET /ok -> 200', '2  POST /pay -> 503']);
    expect(r.results).toEqual([{ port: 8080 }, { port: 8080 }]);
    expect(r.no_session).toMatch(/start a kmirror debug session first/);
  });
});
