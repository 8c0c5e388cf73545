// The workstation side of kmirror-peer-uid (kmirror-peer-uid.c, beside this file): who owns the
// other end of a loopback connection, by an exact kernel lookup (microseconds) instead of reading
// /proc/net/tcp{,6} (milliseconds). One helper per process, started on the first lookup; lookups
// are lines on its stdin answered in order on its stdout. When the binary is missing, cannot run,
// dies or misses a deadline, lookups reject and the caller falls back to /proc (loopback-peer.ts).
//
// Not handed to owned-processes.ts: it must live as long as this process (an owned process is
// waited for at shutdown), and it ends by itself when this process does — its stdin closes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SocketEnds } from '#proto/runtime/loopback-peer.js';

/** A kernel lookup takes microseconds; a helper this late is stuck and is given up. */
const LOOKUP_DEADLINE_MS = 2_000;

/** KMIRROR_PEER_UID_BIN, else kmirror-peer-uid beside the bundle (dist/) or build/peer-uid/ upward from here. */
export function findPeerUidBinary(): string | undefined {
  if (process.env.KMIRROR_PEER_UID_BIN) return process.env.KMIRROR_PEER_UID_BIN;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    for (const p of [join(dir, 'kmirror-peer-uid'), join(dir, 'build/peer-uid/kmirror-peer-uid')]) if (existsSync(p)) return p;
    if (dirname(dir) === dir) return undefined;
  }
}

interface Pending { resolve: (uid: number | undefined) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }

export class PeerUidClient {
  private child: ChildProcess | undefined;
  private readonly pending: Pending[] = [];
  private broken: string | undefined;

  constructor(private readonly binary: string | undefined = findPeerUidBinary(), private readonly deadlineMs = LOOKUP_DEADLINE_MS) {}

  /** The uid owning the peer's socket; undefined when the kernel has no such socket; rejects when the helper cannot answer. */
  lookup(ends: SocketEnds): Promise<number | undefined> {
    const child = this.start();
    if (!child?.stdin) return Promise.reject(new Error(this.broken ?? 'kmirror-peer-uid is not running'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(`kmirror-peer-uid gave no answer within ${this.deadlineMs} ms`), this.deadlineMs);
      this.pending.push({ resolve, reject, timer });
      child.stdin?.write(`${ends.remoteAddress} ${ends.remotePort} ${ends.localAddress} ${ends.localPort}\n`);
    });
  }

  /** Ends the helper; later lookups reject. */
  close(): void {
    this.fail('kmirror-peer-uid closed');
  }

  private start(): ChildProcess | undefined {
    if (this.child || this.broken) return this.broken ? undefined : this.child;
    if (!this.binary || !existsSync(this.binary)) {
      this.broken = 'kmirror-peer-uid not found (run scripts/build.sh or set KMIRROR_PEER_UID_BIN)';
      return undefined;
    }
    // Own session: a terminal's Ctrl-C to this process group must not end the helper first.
    const child = spawn(this.binary, [], { detached: true, stdio: ['pipe', 'pipe', 'ignore'] });
    child.once('error', (e) => this.fail(`kmirror-peer-uid (${this.binary}) cannot run: ${e.message}`));
    child.once('exit', (code, signal) => this.fail(`kmirror-peer-uid exited (${code ?? signal})`));
    child.stdin?.on('error', (e) => this.fail(`kmirror-peer-uid stdin: ${e.message}`));
    createInterface({ input: child.stdout! }).on('line', (line) => this.answer(line));
    // Neither the helper nor its pipes keep this process alive; a pending lookup's timer does.
    child.unref();
    for (const s of [child.stdin, child.stdout]) if (s instanceof Socket) s.unref();
    process.once('exit', () => child.kill());
    this.child = child;
    return child;
  }

  private answer(line: string): void {
    const p = this.pending.shift();
    if (!p) return;
    clearTimeout(p.timer);
    if (line === '-') p.resolve(undefined);
    else if (/^\d+$/.test(line)) p.resolve(Number(line));
    else p.reject(new Error(`kmirror-peer-uid: ${line.replace(/^\? /, '')}`));
  }

  private fail(message: string): void {
    this.broken ??= message;
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(new Error(message));
    }
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
  }
}

let shared: PeerUidClient | undefined;

/** The process's one helper, started on first use: a `fastLookup` for checkLoopbackPeer. */
export function peerUidViaHelper(ends: SocketEnds): Promise<number | undefined> {
  shared ??= new PeerUidClient();
  return shared.lookup(ends);
}
