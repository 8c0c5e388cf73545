// Fixtures for the foundation's integration tests: servers started inside a test namespace (by
// this test process, through the addon: listeners created in the namespace, served by Node),
// the demo DNS server run inside the namespace, and a target process in the namespace with its
// own mount namespace (own /etc/resolv.conf, /etc/hosts, a tmpfs on /mnt) and its own env.
// Everything lives in the namespace or its processes, so TestNetns.cleanup() removes it all.
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestNetns } from '#test/harness/netns.js';
import { netnsPath } from '#test/harness/netns.js';
import { createNetnsSockets } from '../../src/netns/sockets.js';

/** The repository root: upward from this module (or from a bench bundle under build/), else the working directory. */
export const REPO = ((): string => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'proto/kmirror/tunnel/v1/tunnel.proto'))) return `${dir}/`;
  }
  return `${process.cwd()}/`;
})();

export async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Servers and sockets the fixtures below created in this process, so closeFixtures() can end
// them before a descriptor check (they are the test's, not the agent's).
const fixtureSockets = new Set<{ destroy(): void } | { close(): void }>();

/** Closes every server, accepted connection and UDP socket the fixtures of this file created. */
export function closeFixtures(): void {
  for (const s of fixtureSockets) {
    try { 'destroy' in s ? s.destroy() : s.close(); } catch { /* already closed */ }
  }
  fixtureSockets.clear();
}

/** A TCP server inside the namespace on 127.0.0.1 (ephemeral port), served by this process. */
export async function tcpServerInside(ns: TestNetns, onConnection: (s: net.Socket) => void, address = '127.0.0.1'): Promise<{ port: number; server: net.Server }> {
  const { fd, local } = await createNetnsSockets(netnsPath(ns)).listenTcp({ address, port: 0 });
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    fixtureSockets.add(s);
    s.once('close', () => fixtureSockets.delete(s));
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen({ fd }, resolve));
  fixtureSockets.add(server);
  return { port: local.port, server };
}

/** Echo server that answers only after the client's FIN: "<length> <sha256>" then FIN. */
export function digestAfterFin(s: net.Socket): void {
  const hash = createHash('sha256');
  let length = 0;
  s.on('data', (d: Buffer) => { hash.update(d); length += d.length; });
  s.on('end', () => s.end(`${length} ${hash.digest('hex')}`));
  s.on('error', () => undefined);
}

/** A UDP echo server inside the namespace. */
export async function udpEchoInside(ns: TestNetns, family: 4 | 6 = 4): Promise<{ port: number; socket: dgram.Socket }> {
  const { socket, local } = await createNetnsSockets(netnsPath(ns)).openUdp(family, { address: family === 6 ? '::1' : '127.0.0.1', port: 0 });
  socket.on('message', (msg, rinfo) => socket.send(Buffer.concat([Buffer.from('echo:'), msg]), rinfo.port, rinfo.address));
  fixtureSockets.add(socket);
  socket.once('close', () => fixtureSockets.delete(socket));
  return { port: local.port, socket };
}

/** Runs scripts/demo/dns-server.mjs inside the namespace and waits for its ready line. */
export async function dnsServerInside(ns: TestNetns, listen: string, records: Record<string, string>): Promise<void> {
  const args = [join(REPO, 'scripts/demo/dns-server.mjs'), '--listen', listen, ...Object.entries(records).flatMap(([n, a]) => ['--record', `${n}=${a}`])];
  const child = ns.spawn(process.execPath, args);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await until(`DNS server in ${ns.name} (${out})`, () => out.includes('"ready"') || (child.exitCode !== null ? (() => { throw new Error(`DNS server exited: ${out}`); })() : false));
}

export interface TargetProcess {
  pid: number;
  workDir: string;
  cleanup(): void;
}

/**
 * Starts `sleep` in the namespace inside its own mount namespace with the given resolv.conf,
 * hosts and files on a private tmpfs at /mnt, and only `env` as its environment.
 */
export async function startTargetProcess(ns: TestNetns, opts: { env: Record<string, string>; resolvConf: string; hosts: string; mntFiles: Record<string, string | Buffer> }): Promise<TargetProcess> {
  const workDir = mkdtempSync(join(tmpdir(), 'kmirror-target-'));
  writeFileSync(join(workDir, 'resolv.conf'), opts.resolvConf);
  writeFileSync(join(workDir, 'hosts'), opts.hosts);
  for (const [name, content] of Object.entries(opts.mntFiles)) writeFileSync(join(workDir, `file-${name}`), content);
  const copies = Object.keys(opts.mntFiles).map((n) => `cp "$1/file-${n}" "/mnt/${n}"`).join('\n');
  const envArgs = Object.entries(opts.env).map(([k, v]) => `${k}=${v}`);
  const script = `set -e
mount --bind "$1/resolv.conf" /etc/resolv.conf
mount --bind "$1/hosts" /etc/hosts
mount -t tmpfs kmirror-test /mnt
${copies}
echo $$ > "$1/pid"
shift
exec env -i "$@" sleep 600`;
  const child = ns.spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', workDir, ...envArgs]);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const pidFile = join(workDir, 'pid');
  const pid = await until(`target process in ${ns.name} ${err}`, () => {
    if (child.exitCode !== null) throw new Error(`target process exited (${child.exitCode}): ${err}`);
    return existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() ? Number(readFileSync(pidFile, 'utf8')) : undefined;
  });
  return {
    pid, workDir,
    cleanup() {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
