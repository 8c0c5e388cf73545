// kmirror-dap started each way VS Code can start it, with the exact command lines: a `node` adapter
// (VS Code forks its own runtime as `node -e "…require(process.argv[1])" kmirror-dap.js`), an absolute
// node path, `kmirror-dap` found on PATH, and a server the user runs for `kmirror.adapterServer`.
// Each must answer `initialize`; before the fix the `-e` form exited 2 with nothing on stdout.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForOutput, initializeOverTcp } from '../../../ide-clients/test/dap-server-process.js';
import { bundleKmirrorDap } from './bundle.js';
import { RawClient } from './raw-client.js';

// Verbatim from VS Code's ExecutableDebugAdapter when the command is `node` (src/vs/workbench/contrib/debug/node/debugAdapter.ts).
const VSCODE_NODE_EVAL = 'delete process.env.ELECTRON_RUN_AS_NODE;require(process.argv[1])';

let work: string;
let script: string; // <work>/ext/dist/kmirror-dap.js, laid out as in the .vsix
let binDir: string;
const children: ChildProcessWithoutNullStreams[] = [];
beforeAll(async () => {
  const bundle = await bundleKmirrorDap();
  work = mkdtempSync(join(tmpdir(), 'kmirror-dap-start-'));
  const dist = join(work, 'ext', 'dist');
  mkdirSync(dist, { recursive: true });
  script = join(dist, 'kmirror-dap.js');
  writeFileSync(script, `#!/usr/bin/env node\n${readFileSync(bundle, 'utf8')}`);
  writeFileSync(join(dist, 'package.json'), '{ "type": "module" }\n');
  chmodSync(script, 0o755);
  rmSync(dirname(bundle), { recursive: true, force: true });
  binDir = join(work, 'bin');
  mkdirSync(binDir);
  symlinkSync(script, join(binDir, 'kmirror-dap')); // what `npm install -g` makes
}, 60_000);
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  if (work) rmSync(work, { recursive: true, force: true });
});

function start(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcessWithoutNullStreams {
  const child = spawn(command, args, { env, stdio: 'pipe' });
  children.push(child);
  return child;
}

/** initialize over the child's stdio; on failure, the message carries its exit code and stderr. */
async function initializeOverStdio(child: ChildProcessWithoutNullStreams): Promise<Record<string, unknown>> {
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`kmirror-dap exited ${code} before answering: ${stderr}`))));
  const client = RawClient.overStdio(child);
  try {
    const response = await Promise.race([client.request('initialize', { adapterID: 'kmirror', clientID: 'vscode' }, 15_000), exited]);
    expect(response.success, stderr).toBe(true);
    return response.body ?? {};
  } finally {
    client.close();
  }
}

describe('kmirror-dap started the ways VS Code starts it', () => {
  it('`node` (the default kmirror.nodePath): node -e "…require(process.argv[1])" kmirror-dap.js', { timeout: 30_000 }, async () => {
    const caps = await initializeOverStdio(start(process.execPath, ['-e', VSCODE_NODE_EVAL, script]));
    expect(caps.supportsConfigurationDoneRequest).toBe(true);
  });

  it('the -e form still reads the arguments the extension passes (--target, --version)', { timeout: 30_000 }, async () => {
    const caps = await initializeOverStdio(start(process.execPath, ['-e', VSCODE_NODE_EVAL, script, '--target', 'pid/1']));
    expect(caps.supportsConfigurationDoneRequest).toBe(true);
    const version = start(process.execPath, ['-e', VSCODE_NODE_EVAL, script, '--version']);
    const [code] = await Promise.all([new Promise((r) => version.once('exit', r)), waitForOutput(version, /^kmirror-dap /m)]);
    expect(code).toBe(0);
  });

  it('an absolute node path: /path/to/node kmirror-dap.js', { timeout: 30_000 }, async () => {
    const caps = await initializeOverStdio(start(process.execPath, [script]));
    expect(caps.supportsConfigurationDoneRequest).toBe(true);
  });

  it('kmirror-dap on PATH (an npm -g bin symlink)', { timeout: 30_000 }, async () => {
    const env = { ...process.env, PATH: `${binDir}:${dirname(process.execPath)}:/usr/bin:/bin` };
    const caps = await initializeOverStdio(start('kmirror-dap', [], env));
    expect(caps.supportsConfigurationDoneRequest).toBe(true);
  });

  it('kmirror.adapterServer: a `kmirror-dap --port 0` the user started', { timeout: 30_000 }, async () => {
    const server = start(process.execPath, [script, '--port', '0']);
    const [, host, port] = await waitForOutput(server, /listening on ([\d.]+):(\d+)/);
    const caps = await initializeOverTcp(host!, Number(port), 'vscode');
    expect(caps.supportsConfigurationDoneRequest).toBe(true);
  });
});
