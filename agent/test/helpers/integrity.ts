// Byte-count-and-hash checks for the data-integrity tests: a random payload, what a receiver got
// (length, sha256, and how its stream ended: a clean end or an error code), and a tunnel carried
// on a socket the test owns, so the test can drop it mid-transfer as a lost port-forward would.
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
