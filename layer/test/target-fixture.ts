// A target for layer tests: a fresh network namespace whose DNS server alone knows the test
// names, an HTTP service on the namespace's own address (it reports the peer, so a test can tell
// a connection made inside the namespace from one made from the host), and a target process with
// a private /mnt (a file only in the target's root) and an env var only it has.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';

/** layer/test/fixtures/pod-services.mjs, found upward from this module (also when bundled into build/bench). */
function podServicesScript(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    for (const p of [join(dir, 'fixtures/pod-services.mjs'), join(dir, 'layer/test/fixtures/pod-services.mjs')]) if (existsSync(p)) return p;
    if (dirname(dir) === dir) throw new Error('layer/test/fixtures/pod-services.mjs not found');
  }
}

export interface LayerTarget {
  ns: TestNetns;
  /** pid of the target process (pid/N). */
  pid: number;
  podIp: string;
  httpPort: number;
  /** Known only to the namespace's DNS server. */
  dnsName: string;
  /** Known only to the target's /etc/hosts. */
  hostsName: string;
  secretPath: string;
  secretContent: string;
  /** A directory only in the target's root: a.txt (6 bytes), sub/, link -> a.txt. */
  listingPath: string;
  /** A directory only in the target's root holding log.txt ("line1\n"), for write tests. */
  writableDir: string;
  envName: string;
  envValue: string;
  cleanup(): void;
}

function waitLine(child: ChildProcess, pattern: RegExp, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: not ready within ${ms} ms`)), ms);
    createInterface({ input: child.stdout! }).on('line', (l) => { if (pattern.test(l)) { clearTimeout(timer); resolve(); } });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited (${code})`)); });
  });
}

/** `names`: more names the namespace's DNS answers with the pod address; `search`: a search list for its resolv.conf. */
export async function createLayerTarget(opts: { names?: string[]; search?: string } = {}): Promise<LayerTarget> {
  requireRoot();
  const ns = createNetns();
  const etc = `/etc/netns/${ns.name}`;
  const t: Partial<LayerTarget> = {};
  try {
    mkdirSync(etc, { recursive: true });
    const dnsName = `svc-${ns.name}.kmirror.test`;
    const hostsName = `hosts-${ns.name}.kmirror.test`;
    writeFileSync(join(etc, 'resolv.conf'), `nameserver ${ns.podIp}\n${opts.search ? `search ${opts.search}\n` : ''}options timeout:2 attempts:2\n`);
    writeFileSync(join(etc, 'hosts'), `127.0.0.1 localhost\n${ns.podIp} ${hostsName}\n`);
    const services = ns.spawn(process.execPath, [podServicesScript(), ns.podIp, '8080', dnsName, ...opts.names ?? []]);
    await waitLine(services, /^ready$/, 15_000, 'pod services');
    const secretContent = `only-in-target-${ns.name}`;
    const envValue = `from-target-${ns.name}`;
    // `ip netns exec` gives the process its own mount namespace: the tmpfs on /mnt is private.
    const target = ns.spawn('sh', ['-c', `mount -t tmpfs kmirror-test /mnt && echo ${secretContent} > /mnt/secret.txt && mkdir -p /mnt/listing/sub && printf hello! > /mnt/listing/a.txt && ln -s a.txt /mnt/listing/link && mkdir /mnt/w-${ns.name} && echo line1 > /mnt/w-${ns.name}/log.txt && echo ready && exec env KMIRROR_TEST_ONLY=${envValue} sleep 3600`]);
    await waitLine(target, /^ready$/, 10_000, 'target process');
    Object.assign(t, {
      ns, pid: target.pid!, podIp: ns.podIp, httpPort: 8080, dnsName, hostsName,
      secretPath: '/mnt/secret.txt', secretContent, listingPath: '/mnt/listing', writableDir: `/mnt/w-${ns.name}`, envName: 'KMIRROR_TEST_ONLY', envValue,
    });
  } catch (err) {
    ns.cleanup();
    rmSync(etc, { recursive: true, force: true });
    throw err;
  }
  return { ...(t as LayerTarget), cleanup() { ns.cleanup(); rmSync(etc, { recursive: true, force: true }); } };
}

/** Runs a command to completion with a deadline; the process group is killed at the deadline. */
export function runToEnd(cmd: { command: string; args: string[]; env: Record<string, string> }, opts: { timeoutMs?: number; input?: string; cwd?: string } = {}):
    Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(cmd.command, cmd.args, { env: cmd.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'], ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdin.on('error', () => undefined);   // a program that exits without reading its stdin
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => { timedOut = true; try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, opts.timeoutMs ?? 60_000);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr, timedOut }); });
  });
}

/** key=value lines of a test app's output. */
export function parseKv(out: string): Record<string, string> {
  const kv: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0 && /^[\w.]+$/.test(line.slice(0, i))) kv[line.slice(0, i)] = line.slice(i + 1);
  }
  return kv;
}
