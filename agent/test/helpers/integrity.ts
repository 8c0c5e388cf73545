// Byte-count-and-hash checks for the data-integrity tests: a random payload, what a receiver got
// (length, sha256, and how its stream ended: a clean end or an error code), and a tunnel carried
// on a socket the test owns, so the test can drop it mid-transfer as a lost port-forward would.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { connectAgent, type AgentSession } from '#runtime/tunnel/agent-session.js';
import type { LocalAgent } from '#runtime/tunnel/local-agent.js';

export interface Payload { bytes: Buffer; sha: string }
export interface Received { length: number; sha: string; how: string }

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

export function randomPayload(length: number): Payload {
  const bytes = randomBytes(length);
  return { bytes, sha: sha256(bytes) };
}

/** Reads `stream` to its end: 'end' for a clean end (FIN), else the error's code. */
export function receiveAll(stream: Readable, skip = 0): Promise<Received> {
  return new Promise((resolve) => {
    const hash = createHash('sha256');
    let length = 0;
    let toSkip = skip;
    stream.on('data', (c: Buffer) => {
      if (toSkip > 0) { const n = Math.min(toSkip, c.length); toSkip -= n; c = c.subarray(n); }
      hash.update(c);
      length += c.length;
    });
    stream.once('end', () => resolve({ length, sha: hash.digest('hex'), how: 'end' }));
    stream.once('error', (e: NodeJS.ErrnoException) => resolve({ length, sha: '', how: e.code ?? 'error' }));
  });
}

/** A session whose WebSocket runs on a socket the test can cut (drop()). */
export async function droppableSession(agent: LocalAgent, clientName: string): Promise<{ session: AgentSession; drop: () => void }> {
  const port = Number(new URL(agent.url).port);
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  const session = await connectAgent({ url: agent.url, token: agent.token, clientName, socket });
  return { session, drop: () => socket.resetAndDestroy() };
}

/** Resolves once `n` bytes were read past what `stream` had when called (mid-transfer checkpoints). */
export function afterBytes(stream: Readable, n: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const on = (c: Buffer): void => { seen += c.length; if (seen >= n) { stream.off('data', on); resolve(); } };
    stream.on('data', on);
  });
}

const RAW_RECEIVER = `
import hashlib, json, socket, sys
host, port, skip = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection((host, port))
s.sendall(bytes.fromhex(sys.argv[4]))
h, n, told, how = hashlib.sha256(), 0, False, 'end'
while True:
    try:
        b = s.recv(65536)
    except ConnectionResetError:
        how = 'ECONNRESET'; break
    if not b: break
    if skip:
        k = min(skip, len(b)); skip -= k; b = b[k:]
    h.update(b); n += len(b)
    if n >= 1 << 20 and not told:
        told = True; print('1MiB', flush=True)
print(json.dumps({'length': n, 'sha': h.hexdigest() if how == 'end' else '', 'how': how}), flush=True)
`;

/**
 * A receiver outside Node (python3 recv()): Node's stream reports a reset that follows a partial
 * read as a clean end (libuv short-circuits POLLHUP to EOF), so only a plain recv() loop tells a
 * reset from a FIN. Sends `request`, reads to the end; `midway` resolves after 1 MiB.
 */
export function rawReceiver(host: string, port: number, request: Buffer, skip = 0): { midway: Promise<void>; received: Promise<Received> } {
  const child = spawn('python3', ['-c', RAW_RECEIVER, host, String(port), String(skip), request.toString('hex')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let midway!: () => void;
  const mid = new Promise<void>((resolve) => { midway = resolve; });
  const received = new Promise<Received>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('1MiB')) midway(); });
    child.once('exit', () => {
      const last = out.trim().split('\n').pop() ?? '';
      try { resolve(JSON.parse(last) as Received); } catch { reject(new Error(`raw receiver: ${out}`)); }
    });
  });
  return { midway: mid, received };
}
