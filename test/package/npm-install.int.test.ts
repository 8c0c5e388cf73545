// The npm package as a user gets it: `npm pack` of the built tree, then `npm install -g` of the
// tarball into an empty prefix by a non-root user created for the test, with a PATH that holds
// Node alone (no compilers, no build step, no dev dependencies). The installed commands answer
// `--version`, kmirror-dap answers `initialize` on stdio, and (as root: the local agent enters the
// namespace) the installed `kmirror exec` runs a program against a netns target. The user, its
// files and the namespace are removed afterwards.
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { versionText } from '#runtime/version-text.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const NPM_CLI = '/usr/lib/node_modules/npm/bin/npm-cli.js';
const user = `kmtnpm${process.pid}`;
let work: string;
let prefix: string;
let home: string;
let nodeOnly: string;
let tarball: string;
let userCreated = false;
let ns: TestNetns | undefined;

// The machine's way to the registry (proxy, extra CA) is kept; nothing else of this environment is.
const NETWORK_VARS = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy'];

/** The environment of a fresh machine: Node alone on PATH, plus the installed commands. */
const cleanEnv = (): Record<string, string> => ({
  ...Object.fromEntries(NETWORK_VARS.flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : []))),
  PATH: `${join(prefix, 'bin')}:${nodeOnly}`, HOME: home, npm_config_cache: join(home, '.npm'),
});

/** Runs `cmd args` as the test's non-root user with the clean environment. */
function asUser(cmd: string, args: string[], timeoutMs = 60_000): SpawnSyncReturns<string> {
  return spawnSync('runuser', ['-u', user, '--', '/usr/bin/env', '-i', ...Object.entries(cleanEnv()).map(([k, v]) => `${k}=${v}`), cmd, ...args],
    { encoding: 'utf8', timeout: timeoutMs, cwd: home });
}

beforeAll(() => {
  requireRoot();
  for (const f of ['dist/kmirror.js', 'dist/kmirror_agent.node', 'dist/kmirror-launch.schema.json']) {
    if (!existsSync(join(root, f))) throw new Error(`${f} missing: build first (bash scripts/build.sh)`);
  }
  work = mkdtempSync(join(tmpdir(), 'kmirror-npm-install-'));
  chmodSync(work, 0o755);
  prefix = join(work, 'prefix');
  home = join(work, 'home');
  nodeOnly = join(work, 'node-only');
  for (const d of [prefix, home, nodeOnly]) mkdirSync(d);
  symlinkSync(process.execPath, join(nodeOnly, 'node'));
  const packed = JSON.parse(execFileSync(process.execPath, [NPM_CLI, 'pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' })) as { filename: string }[];
  tarball = join(work, packed[0]?.filename ?? 'missing');
  chmodSync(tarball, 0o644);
  execFileSync('useradd', ['--no-create-home', '--home-dir', home, '--shell', '/usr/sbin/nologin', user]);
  userCreated = true;
  for (const d of [prefix, home]) chownSync(d, Number(execFileSync('id', ['-u', user], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', user], { encoding: 'utf8' })));
  const install = asUser('node', [NPM_CLI, 'install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel', 'error', tarball], 300_000);
  if (install.status !== 0) throw new Error(`npm install -g ${tarball} failed (${install.status ?? install.signal}): ${install.stderr}${install.stdout}`);
}, 360_000);

afterAll(() => {
  ns?.cleanup();
  cleanupAll();
  if (userCreated) execFileSync('userdel', [user]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm install -g of the packed tarball', () => {
  it('installs the runtime and the registry dependencies, no dev dependencies and no build output', () => {
    const pkgDir = join(prefix, 'lib', 'node_modules', 'kmirror');
    expect(readdirSync(join(pkgDir, 'dist')).sort()).toEqual([
      'ebpf', 'kmirror-agent.js', 'kmirror-api.js', 'kmirror-dap.js', 'kmirror-fastpath.so', 'kmirror-launch.schema.json',
      'kmirror-layer', 'kmirror-peer-uid', 'kmirror-reaper', 'kmirror.js', 'kmirror_agent.node',
    ]);
    expect(readdirSync(join(pkgDir, 'dist', 'ebpf')).sort()).toEqual(['mirror.bpf.o', 'steal.bpf.o', 'trace.bpf.o']);
    const deps = readdirSync(join(pkgDir, 'node_modules'));
    for (const dev of ['esbuild', 'vitest', 'typescript', 'cmake-js']) expect(deps).not.toContain(dev);
    expect(readdirSync(pkgDir)).not.toContain('build');
  });

  it('kmirror --version and kmirror-dap --version print the package and tunnel protocol versions (non-root, Node-only PATH)', () => {
    const cli = asUser('kmirror', ['--version']);
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toBe(`${versionText('kmirror')}\n`);
    const dap = asUser('kmirror-dap', ['--version']);
    expect(dap.stdout).toBe(`${versionText('kmirror-dap')}\n`);
    expect(dap.stdout).toMatch(/^kmirror-dap \d+\.\d+\.\d+ \(tunnel protocol \d+\)\n$/);
  });

  it('kmirror-dap answers initialize on stdio (non-root)', async () => {
    const env = Object.entries(cleanEnv()).map(([k, v]) => `${k}=${v}`);
    const dap = spawn('runuser', ['-u', user, '--', '/usr/bin/env', '-i', ...env, 'kmirror-dap'], { cwd: home, stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => dap.on('exit', (c) => r(c)));
    try {
      const response = await new Promise<Record<string, unknown>>((resolve, reject) => {
        let buf = Buffer.alloc(0);
        dap.stdout.on('data', (chunk: Buffer) => {
          buf = Buffer.concat([buf, chunk]);
          const text = buf.toString('utf8');
          const header = /Content-Length: (\d+)\r\n\r\n/.exec(text);
          if (!header) return;
          const start = header.index + header[0].length;
          const body = buf.subarray(Buffer.byteLength(text.slice(0, start)));
          if (body.length >= Number(header[1])) resolve(JSON.parse(body.subarray(0, Number(header[1])).toString('utf8')) as Record<string, unknown>);
        });
        dap.once('exit', (c) => reject(new Error(`kmirror-dap exited (${c}) before answering`)));
        const request = JSON.stringify({ seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'kmirror', clientID: 'npm-install-test' } });
        dap.stdin.write(`Content-Length: ${Buffer.byteLength(request)}\r\n\r\n${request}`);
      });
      expect(response).toMatchObject({ type: 'response', request_seq: 1, command: 'initialize', success: true });
      expect(response.body).toMatchObject({ supportsConfigurationDoneRequest: true });
    } finally {
      dap.stdin.end();
      dap.kill('SIGTERM');
      await exited;
    }
  });

  it('kmirror exec from the installed package runs a program against a netns target (root)', async () => {
    ns = createNetns();
    const port = 18_000 + (process.pid % 1000);
    // Answers with the peer's address: the namespace's own address when the connection was made inside it.
    const server = ns.spawn(process.execPath, ['-e', `require('http').createServer((q, s) => s.end('peer=' + q.socket.remoteAddress))
      .listen(${port}, '${ns.podIp}', () => console.log('listening'))`]);
    await new Promise<void>((resolve, reject) => {
      server.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('listening')) resolve(); });
      server.once('exit', (c) => reject(new Error(`server in ${ns?.name} exited (${c})`)));
    });
    const program = `fetch('http://${ns.podIp}:${port}/').then((r) => r.text()).then((t) => console.log('got ' + t))`;
    const run = spawnSync('/usr/bin/env', ['-i', ...Object.entries(cleanEnv()).map(([k, v]) => `${k}=${v}`), 'kmirror', 'exec', '--target', `netns/${ns.name}`, '--', 'node', '-e', program],
      { encoding: 'utf8', timeout: 90_000, cwd: work });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`got peer=${ns.podIp}`);
  });
});
