// `kmirror replay` (dist/kmirror.js) into a local server: 1,000 recorded HTTP/1.1 exchanges
// (keep-alive, pipelined, chunked, 1 MiB bodies) and a raw TCP connection arrive byte-exact and
// their answers compare equal; a changed answer is reported as a difference; a refusing target
// gives one error per request and the replay still ends. `recording ls/show` read the same file.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, writeScriptedRecording, type ScriptedConnection } from '#runtime/recording/test-recordings.js';

const CLI = join(import.meta.dirname, '../../../dist/kmirror.js');
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'kmrec-replay-'));
const file = join(dir, 'load.kmrec');
const MiB = 'm'.repeat(1 << 20);

/** 250 connections × 4 exchanges: keep-alive (separate segments), pipelined, chunked, big bodies. */
function workload(): { connections: ScriptedConnection[]; answers: Map<string, string> } {
  const answers = new Map<string, string>();
  const connections: ScriptedConnection[] = [];
  for (let c = 0; c < 250; c++) {
    const reqs = [http.get(`/item/${c}`), http.post(`/order/${c}`, c % 50 === 0 ? MiB : `{"n":${c}}`), http.get(`/stream/${c}`), http.get(`/fail/${c}`)];
    const ress = [http.ok(`item ${c}`), http.ok(c % 50 === 0 ? MiB : `ordered ${c}`, 201), http.chunked([`part-${c}`, 'tail']), http.ok('boom', 500)];
    reqs.forEach((r, i) => answers.set(r, ress[i] as string));
    const pipelined = c % 3 === 0;
    connections.push({
      segments: pipelined
        ? [['request', reqs.join('')], ['response', ress.join('')]]
        : reqs.flatMap((r, i) => [['request', r], ['response', ress[i] as string]] as ScriptedConnection['segments']),
    });
  }
  connections.push({ segments: [['request', 'HELO raw-proto\n'], ['request', Buffer.from([1, 2, 3, 0, 255])], ['response', 'OK raw\n']] });
  answers.set(`HELO raw-proto\n${Buffer.from([1, 2, 3, 0, 255]).toString('latin1')}`, 'OK raw\n');
  return { connections, answers };
}

/** Answers each exact recorded request with its recorded answer; keeps what it received. */
function answeringServer(answers: Map<string, string>, change?: (req: string, res: string) => string) {
  const received: string[] = [];
  const server = createServer((sock) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const answer = answers.get(buf);
      if (answer !== undefined && !buf.startsWith('HELO')) {
        received.push(buf);
        sock.end(Buffer.from(change ? change(buf, answer) : answer, 'latin1'));
      }
    });
    sock.on('end', () => {
      if (buf.startsWith('HELO')) {
        received.push(buf);
        sock.end(Buffer.from(answers.get(buf) ?? 'unknown', 'latin1'));
      }
    });
    sock.on('error', () => {});
  });
  return { server, received };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

const { connections, answers } = workload();
const servers: Server[] = [];
beforeAll(async () => writeScriptedRecording(file, { connections }));
afterAll(async () => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('node', [CLI, ...args], { maxBuffer: 64 << 20, timeout: 110_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('kmirror replay', () => {
  it('lists and shows the recording', async () => {
    const ls = await cli(['recording', 'ls', file, '--json']);
    expect(ls.code).toBe(0);
    const items = JSON.parse(ls.stdout).items as { id: string; status: number; path: string }[];
    expect(items).toHaveLength(1001);
    expect(items.filter((i) => i.status === 500)).toHaveLength(250);
    expect(items.at(-1)).toMatchObject({ id: 'c251' });
    const show = await cli(['recording', 'show', file, '4']);
    expect(show.stdout).toContain('> GET /fail/0 HTTP/1.1\n> Host: shop\n>\n< HTTP/1.1 500 X\n< Content-Length: 4\n<\nboom');
    expect((await cli(['recording', 'show', file, '99999'])).stderr).toMatch(/no exchange or connection "99999"/);
  });

  it('replays 1,000 exchanges and a raw connection byte-exact, every answer the same', async () => {
    const { server, received } = answeringServer(answers);
    servers.push(server);
    const port = await listen(server);
    const r = await cli(['replay', file, '--all', '--to', `127.0.0.1:${port}`, '--speed', 'max', '--concurrency', '8']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('replayed 1001: 1001 matched, 0 differ, 0 failed');
    expect(r.code).toBe(0);
    expect(received.sort()).toEqual([...answers.keys()].sort());
  });

  it('reports a changed answer as a difference in status and body digest', async () => {
    const { server } = answeringServer(answers, (req, res) => (req.startsWith('GET /item/7 ') ? http.ok('other', 503) : res));
    servers.push(server);
    const port = await listen(server);
    const r = await cli(['replay', file, '--id', '25,26', '--to', `127.0.0.1:${port}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/25 {2}GET \/item\/6 {2}200 → 200 {2}same/);
    expect(r.stdout).toMatch(/26 {2}POST \/order\/6 {2}201 → 201 {2}same/);
    const r2 = await cli(['replay', file, '--id', '29', '--to', `127.0.0.1:${port}`]);
    expect(r2.code).toBe(1);
    expect(r2.stdout).toMatch(/29 {2}GET \/item\/7 {2}200 → 503 {2}DIFFERS: status 200 → 503; body sha256:[0-9a-f]{12} \(6 bytes\) → sha256:[0-9a-f]{12} \(5 bytes\)/);
  });

  it('a refusing target fails each request and the replay goes on', async () => {
    const { server } = answeringServer(answers);
    const port = await listen(server);
    await new Promise((r) => server.close(r));
    const r = await cli(['replay', file, '--id', '1', '--id', '2,c251', '--to', `127.0.0.1:${port}`, '--speed', 'max']);
    expect(r.code).toBe(1);
    expect(r.stdout.match(new RegExp(`ERROR 127.0.0.1:${port} refused the connection`, 'g'))).toHaveLength(3);
    expect(r.stdout).toContain('replayed 3: 0 matched, 0 differ, 3 failed');
  });

  it('rejects a bad command line with the usage', async () => {
    const r = await cli(['replay', file, '--all', '--to', 'nohost']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--to must be HOST:PORT');
  });
});
