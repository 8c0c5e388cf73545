// Emacs clients: real headless Emacs with Debian's dap-mode drives kmirror-dap to a breakpoint
// (ide-clients/emacs/kmirror-dap-mode.el); the dap-mode provider and templates have the right
// shape; the dape configuration loads against a stub of dape's API, only because dape (Emacs 29.1+,
// GNU ELPA) cannot be had on Debian 12 (Emacs 28) — see ide-clients/emacs/README.md.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { findLaunchSchema } from '../scripts/launch-attributes.mjs';
import { createNetns, requireRoot, spawnSleepTarget } from '#test/harness/netns.js';
import { http, writeScriptedRecording } from '#runtime/recording/test-recordings.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(root, 'ide-clients/test/fixtures');
const elDir = join(root, 'ide-clients/emacs');
const work = mkdtempSync(join(tmpdir(), 'kmirror-emacs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs a batch Emacs (site files on, so Debian's elpa packages are found) and returns stdout. */
function emacs(script: string, env: Record<string, string> = {}, timeout = 30_000): string {
  return execFileSync('emacs', ['--batch', '-q', '-L', elDir, '-l', join(fixtures, script)], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('Emacs dap-mode', () => {
  it('drives kmirror-dap to a breakpoint, evaluates there and runs to the exit', () => {
    const bundle = join(root, 'dist/kmirror-dap.js');
    expect(existsSync(bundle), 'dist/kmirror-dap.js missing: run node scripts/bundle.mjs').toBe(true);
    const out = join(work, 'drive.json');
    const program = join(fixtures, 'greet.py');
    emacs('dap-mode-drive.el', {
      KM_OUT: out, KM_DAP_COMMAND: JSON.stringify([process.execPath, bundle]), KM_PROGRAM: program,
      KM_LINE: '6', KM_EXPR: 'message', KM_DEBUGGER: 'python', KM_NAME: 'from-emacs',
    }, 90_000);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({
      line: 6, file: program, function: 'greet', value: "'hello from-emacs'", ended: true, exitCode: 0,
    });
  });

  it('drives kmirror-dap with a target: the value at the breakpoint comes from the target process env', async () => {
    requireRoot();
    const token = `from-target-${randomBytes(4).toString('hex')}`;
    const ns = createNetns();
    try {
      const targetPid = await spawnSleepTarget(ns, { KM_NAME: token });
      const out = join(work, 'drive-target.json');
      const program = join(fixtures, 'greet.py');
      emacs('dap-mode-drive.el', {
        KM_OUT: out, KM_DAP_COMMAND: JSON.stringify([process.execPath, join(root, 'dist/kmirror-dap.js')]), KM_PROGRAM: program,
        KM_LINE: '6', KM_EXPR: 'message', KM_DEBUGGER: 'python', KM_TARGET: `pid/${targetPid}`,
      }, 90_000);
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({
        line: 6, file: program, function: 'greet', value: `'hello ${token}'`, ended: true, exitCode: 0,
      });
    } finally {
      ns.cleanup();
    }
  }, 120_000);

  it('registers the kmirror provider (stdio, default target, server) and templates', () => {
    const r = JSON.parse(emacs('dap-mode-check.el').trim().split('\n').pop() ?? '{}');
    expect(r.stdio).toEqual(['kmirror-dap']);
    expect(r.withTarget).toEqual(['kmirror-dap', '--target', 'deploy/web']);
    expect(r.server).toEqual({ host: '127.0.0.1', port: 4711, serverPath: null });
    const names = (r.templates as Array<{ name: string; debugger: string; type: string; request: string }>).map((t) => [t.name, t.type, t.request, t.debugger]);
    expect(names.sort()).toEqual([
      ['kmirror: .NET program', 'kmirror', 'launch', 'dotnet'],
      ['kmirror: Go package', 'kmirror', 'launch', 'go'],
      ['kmirror: Node.js file on a copy of the target (copy_target)', 'kmirror', 'launch', 'node'],
      ['kmirror: Node.js file', 'kmirror', 'launch', 'node'],
      ["kmirror: Python file, tracing the pod's DNS and TCP", 'kmirror', 'launch', 'python'],
      ['kmirror: Python file', 'kmirror', 'launch', 'python'],
      ['kmirror: attach to Node inspector', 'kmirror', 'attach', 'node'],
      ['kmirror: attach to a Go process in the pod', 'kmirror', 'attach', 'go'],
      ['kmirror: attach to a Node process in the pod', 'kmirror', 'attach', 'node'],
      ['kmirror: native executable (lldb)', 'kmirror', 'launch', 'lldb'],
    ]);
    // As dap-mode sends them (dap--json-encode), each is a valid launch/attach for the generated schema;
    // `program` null is the one field the lldb/.NET templates leave to the user (dap-debug-edit-template).
    const validate = launchSchemaValidator();
    const encoded = (r.encoded as string[]).map((e) => JSON.parse(e) as Record<string, unknown>);
    expect(encoded).toHaveLength(names.length);
    for (const config of encoded) {
      const filled = config.program === null && ['lldb', 'dotnet'].includes(String(config.debugger)) ? { ...config, program: '/work/app' } : config;
      expect(validate(filled), `${String(config.name)}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    expect(encoded.find((c) => c.kmirror !== undefined)?.kmirror).toEqual({ feature: { copy_target: { scale_down: false }, network: { incoming: { mode: 'steal', ports: [8080] } } } });
    expect(encoded.filter((c) => c.trace !== undefined).map((c) => c.trace)).toEqual([['dns', 'tcp']]);
  });
});

function launchSchemaValidator() {
  const path = findLaunchSchema(root);
  if (!path) throw new Error('no generated launch schema in build/schema/: run bash scripts/build.sh');
  return new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync(path, 'utf8')));
}

describe('Emacs dape configuration', () => {
  it('loads against the dape API stub and adds kmirror (stdio) and kmirror-server (autoport)', () => {
    const configs = JSON.parse(emacs('dape-check.el').trim().split('\n').pop() ?? '{}');
    const common = {
      ensure: '<function dape-ensure-command>', command: 'kmirror-dap', ':type': 'kmirror', ':request': 'launch',
      ':target': 'deploy/NAME', ':program': '<function dape-buffer-default>', ':cwd': '<function dape-cwd>',
    };
    expect(configs.kmirror).toMatchObject(common);
    expect(configs.kmirror.modes).toEqual(expect.arrayContaining(['go-mode', 'python-ts-mode', 'js-mode', 'typescript-ts-mode', 'rust-mode', 'csharp-mode']));
    expect(configs['kmirror-server']).toMatchObject({ ...common, 'command-args': ['--host', '127.0.0.1', '--port', ':autoport'], port: ':autoport' });
    expect(configs['kmirror-copy-target']).toMatchObject({ ...common, ':kmirror': { feature: { copy_target: { scale_down: false }, network: { incoming: { mode: 'steal', ports: [8080] } } } } });
    // The keyword properties are what dape sends as the launch request; with its functions evaluated
    // (buffer file, cwd), each configuration is valid for the generated launch schema.
    const validate = launchSchemaValidator();
    for (const [name, config] of Object.entries(configs as Record<string, Record<string, unknown>>)) {
      const launch = Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith(':'))
        .map(([k, v]) => [k.slice(1), v === '<function dape-buffer-default>' ? '/work/app.py' : v === '<function dape-cwd>' ? '/work' : v]));
      expect(validate(launch), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});

describe('Emacs dap-mode: kmirror-dap-replay', () => {
  it('replays a recorded request into the program under dap-mode, stopping at the handler with its values', async () => {
    const bundle = join(root, 'dist/kmirror-dap.js');
    expect(existsSync(bundle), 'dist/kmirror-dap.js missing: run node scripts/bundle.mjs').toBe(true);
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const recording = join(work, 'failing.kmrec');
    await writeScriptedRecording(recording, {
      serverPort: port,
      connections: [{ segments: [['request', http.get('/hello/from-the-recording')], ['response', http.ok('boom', 500)]] }],
    });
    const out = join(work, 'replay.json');
    emacs('dap-mode-replay.el', {
      KM_OUT: out, KM_DAP_COMMAND: JSON.stringify([process.execPath, bundle]), KM_PROGRAM: join(root, 'adapter/sdk/test/fixtures/http/app.py'),
      KM_LINE: '11', KM_EXPR: 'self.path', KM_PORT: String(port), KM_RECORDING: recording, KM_ID: '1',
    }, 90_000);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ value: "'/hello/from-the-recording'", line: 11, port });
  });
});
