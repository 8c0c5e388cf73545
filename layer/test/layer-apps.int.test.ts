// The layer on real programs against a real target (a network namespace + a process with its
// own root and env): each program reaches a service that only exists in the namespace by a name
// only the namespace's DNS (or /etc/hosts) knows, reads a file only in the target's root and sees
// an env var only the target has. The service reports the peer address: the namespace's own
// address proves the connection was made inside the target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkstationSession, type WorkstationSession } from '#runtime/session/workstation-session.js';
import { buildTestApps, repoRoot, type TestApps } from './build-apps.js';
import { createLayerTarget, parseKv, runToEnd, type LayerTarget } from './target-fixture.js';

let target: LayerTarget;
let session: WorkstationSession;
let apps: TestApps;
const warnings: string[] = [];

beforeAll(async () => {
  apps = buildTestApps();
  target = await createLayerTarget();
  session = await openWorkstationSession({
    config: { target: `pid/${target.pid}`, feature: { network: { incoming: 'off' } } },
    log: { log: (level, message) => { if (level === 'warn' || level === 'error') warnings.push(message); } },
    cwd: repoRoot,
  });
});

afterAll(async () => {
  await session?.close();
  target?.cleanup();
});

async function run(argv: string[], opts: { input?: string } = {}) {
  const result = await runToEnd(session.wrapCommand(argv), { timeoutMs: 60_000, cwd: repoRoot, ...opts });
  expect(result.timedOut, `timed out:\n${result.stdout}\n${result.stderr}`).toBe(false);
  return result;
}

function expectReachedInside(kv: Record<string, string>, prefix = '') {
  expect(kv[`${prefix}dns`]).toBe(target.podIp);
  expect(kv[`${prefix}peer`]).toBe(`${target.podIp}:${target.httpPort}`);
  expect(kv[`${prefix}http`]).toMatch(new RegExp(`^hello from the pod: GET /\\w+ peer=${target.podIp.replace(/\./g, '\\.')}$`));
}

function args(name = target.dnsName) {
  return [name, String(target.httpPort), target.secretPath, target.envName];
}

describe('the layer on real programs', () => {
  it('the target env is the session env', () => {
    expect(session.targetEnv[target.envName]).toBe(target.envValue);
    expect(session.targetEnv.PATH).toBeUndefined();
  });

  const cases: Array<[string, () => string[]]> = [
    ['C (glibc resolver)', () => [apps.c, ...args()]],
    ['Python', () => ['python3', apps.py, ...args()]],
    ['Node', () => [process.execPath, apps.node, ...args()]],
    ['static Go (CGO_ENABLED=0, pure Go resolver)', () => [apps.goStatic, ...args()]],
    ['dynamic Go (cgo)', () => [apps.goDynamic, ...args()]],
  ];
  for (const [name, argv] of cases) {
    it(`${name}: service by cluster DNS name, file from the target root, target env`, async () => {
      const r = await run(argv());
      const kv = parseKv(r.stdout);
      expectReachedInside(kv);
      expect(kv.file).toBe(target.secretContent);
      expect(kv.env).toBe(target.envValue);
      expect(r.code, r.stderr).toBe(0);
    });
  }

  it('Node dns.resolve4 (c-ares: its own UDP queries, checks the answer source)', async () => {
    const r = await run([process.execPath, '-e', `require('dns').promises.resolve4('${target.dnsName}').then((a) => console.log('resolve4=' + a.join(',')))`]);
    expect(parseKv(r.stdout).resolve4).toBe(target.podIp);
  });

  it('C: a name only the target /etc/hosts knows', async () => {
    const kv = parseKv((await run([apps.c, ...args(target.hostsName)])).stdout);
    expectReachedInside(kv);
  });

  it('curl reaches the service by its cluster name', async () => {
    const r = await run(['curl', '-sS', '-m', '20', `http://${target.dnsName}:${target.httpPort}/curl`]);
    expect(r.stdout.trim()).toBe(`hello from the pod: GET /curl peer=${target.podIp}`);
  });

  it('dig asks the target nameserver (answer from the expected server)', async () => {
    const r = await run(['dig', '+time=3', '+tries=1', target.dnsName]);
    expect(r.stdout).toMatch(new RegExp(`${target.dnsName.replace(/\./g, '\\.')}\\.\\s+\\d+\\s+IN\\s+A\\s+${target.podIp.replace(/\./g, '\\.')}`));
    expect(r.stdout).toContain(`SERVER: ${target.podIp}#53`);
    expect(r.stdout).not.toContain('reply from unexpected source');
  });

  it('cat and a shell script see the target file and env (fork/exec inherit the layer)', async () => {
    const r = await run(['sh', '-c', `cat ${target.secretPath}; echo "env=$${target.envName}"; sh -c 'cat /etc/resolv.conf'`]);
    expect(r.stdout).toContain(target.secretContent);
    expect(r.stdout).toContain(`env=${target.envValue}`);
    expect(r.stdout).toContain(`nameserver ${target.podIp}`);
  });

  it('a forked child with four threads: every thread reaches the service inside the target', async () => {
    const kv = parseKv((await run([apps.c, ...args(), '--threads'])).stdout);
    for (const t of [0, 1, 2, 3]) expectReachedInside(kv, `t${t}.`);
  });

  it('a Go program under `dlv exec` stops at a breakpoint and keeps working with the layer on its debuggee', async () => {
    const r = await run(['dlv', 'exec', '--allow-non-terminal-interactive=true', apps.goStatic, '--', ...args()], {
      input: 'break main.main\ncontinue\ncontinue\nexit\n',
    });
    expect(r.stdout).toMatch(/Breakpoint 1\] main\.main\(\)/);
    const kv = parseKv(r.stdout.replace(/\(dlv\) /g, '\n'));
    expectReachedInside(kv);
    expect(kv.file).toBe(target.secretContent);
    expect(r.stdout + r.stderr).toMatch(/Process \d+ has exited with status 0/);
  });

  it('loopback stays local: a workstation-only loopback service is reachable', async () => {
    const { createServer } = await import('node:net');
    const server = createServer((s) => s.end('local-loopback\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await run(['curl', '-sS', '-m', '10', '--http0.9', `http://127.0.0.1:${port}/`]);
      expect(r.stdout.trim()).toBe('local-loopback');
    } finally {
      server.close();
    }
  });

  it('status counts the traffic', () => {
    const s = session.status();
    expect(s.agent).toBe('ready');
    expect(s.proxy.tcp.connections).toBeGreaterThan(5);
    expect(s.proxy.udp.dnsQueries).toBeGreaterThan(3);
    expect(s.proxy.filesServed).toBeGreaterThan(3);
    expect(warnings).toEqual([]);
  });
});
