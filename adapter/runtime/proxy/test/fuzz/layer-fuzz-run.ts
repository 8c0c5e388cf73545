// Fuzzing the local proxy's layer channel, live: a LocalProxy (in this process) serving a real
// agent whose target is a sandbox (sandbox-target.ts) receives seeded inputs (layer-fuzz-inputs.ts)
// on its unix socket, as a misbehaving layer would send them. Findings: an uncaught exception or
// unhandled rejection in the process (a crash), a request a handler failed on ("layer request
// failed", the handler's contract is to answer), a well-formed request left unanswered for HANG_MS
// on a live connection (a hang), a well-behaved client not served at a checkpoint, connections
// the proxy still counts after the clients left. RSS is sampled at every checkpoint.
import { createConnection, type Socket } from 'node:net';
import protobuf from 'protobufjs/minimal.js';
import { resolvePolicy } from '#runtime/config/policy.js';
import { connectAgent, type AgentSession } from '#runtime/tunnel/agent-session.js';
import { startLocalAgent } from '#runtime/tunnel/local-agent.js';
import { layerPb } from '../../layer-channel.js';
import { LocalProxy } from '../../local-proxy.js';
import { LayerFuzzInputs } from './layer-fuzz-inputs.js';
import { createSandboxTarget } from './sandbox-target.js';

const HANG_MS = 20_000;
const PROBE_MS = 15_000;
const MAX_OUTSTANDING = 32;

export interface ProxyFuzzFinding { at: number; detail: string }
export interface ProxyFuzzReport {
  inputs: number; connections: number; closedByProxy: number; answers: number; badFrames: number; warnings: number;
  crashes: ProxyFuzzFinding[]; handlerErrors: ProxyFuzzFinding[]; hangs: ProxyFuzzFinding[]; unserved: ProxyFuzzFinding[]; leaks: ProxyFuzzFinding[];
  rssMb: { start: number; max: number; end: number }; durationMs: number;
}

class FuzzConnection {
  readonly outstanding = new Map<number, number>(); // id -> sent at
  closed = false;
  tainted = false;
  sent = 0;
  private buf: Buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  constructor(readonly socket: Socket, private readonly onAnswer: (m: ReturnType<typeof layerPb.ProxyMessage.decode>) => void) {
    socket.on('data', (d: Buffer) => this.read(d));
    socket.on('close', () => { this.closed = true; this.wake(); });
    socket.on('error', () => {});
  }
  private read(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    for (;;) {
      const r = protobuf.Reader.create(this.buf);
      let len: number;
      try { len = r.uint32(); } catch { return; } // prefix incomplete
      if (this.buf.length < r.pos + len) return;
      const m = layerPb.ProxyMessage.decode(this.buf.subarray(r.pos, r.pos + len));
      this.buf = this.buf.subarray(r.pos + len);
      this.outstanding.delete(Number(m.id));
      this.onAnswer(m);
      this.wake();
    }
  }
  private wake(): void { for (const w of this.waiters.splice(0)) w(); }
  /** Resolves on the next answer or close, or after `ms`. */
  progress(ms: number): Promise<void> {
    return new Promise((resolve) => { const t = setTimeout(resolve, ms); this.waiters.push(() => { clearTimeout(t); resolve(); }); });
  }
  write(b: Buffer): Promise<void> {
    return new Promise((resolve) => { if (this.closed || !this.socket.write(b)) this.socket.once('drain', resolve).once('close', resolve); else resolve(); });
  }
}

const rssMb = (): number => process.memoryUsage().rss / (1 << 20);
const frame = (m: Parameters<typeof layerPb.LayerMessage.create>[0]): Buffer => Buffer.from(layerPb.LayerMessage.encodeDelimited(layerPb.LayerMessage.create(m), protobuf.Writer.create()).finish());

export async function fuzzProxyLayer(opts: { seed: number; inputs: number; checkEvery?: number; onCheckpoint?: (r: ProxyFuzzReport) => void }): Promise<ProxyFuzzReport> {
  const started = Date.now();
  const report: ProxyFuzzReport = { inputs: 0, connections: 0, closedByProxy: 0, answers: 0, badFrames: 0, warnings: 0, crashes: [], handlerErrors: [], hangs: [], unserved: [], leaks: [],
    rssMb: { start: 0, max: 0, end: 0 }, durationMs: 0 };
  const keep = (l: ProxyFuzzFinding[], f: ProxyFuzzFinding): void => { if (l.length < 50) l.push(f); };
  const onCrash = (err: unknown): void => keep(report.crashes, { at: report.inputs, detail: String((err as Error)?.stack ?? err) });
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const target = await createSandboxTarget();
  const agent = await startLocalAgent({ target: `pid/${target.pid}` });
  let session: AgentSession | undefined;
  let proxy: LocalProxy | undefined;
  try {
    session = await connectAgent({ url: agent.url, token: agent.token, clientName: 'fuzz-proxy-layer' });
    const s = session;
    proxy = await LocalProxy.start({
      agent: () => (s.closed ? undefined : s),
      policy: resolvePolicy({ feature: { fs: { mode: 'write' }, network: { incoming: 'mirror', outgoing: true, dns: true } } }),
      cwd: target.root + '/cwd-local', hostname: 'fuzz-pod',
      log: (level, message) => {
        if (level === 'warn') report.warnings++;
        if (level !== 'error') return;
        if (message.startsWith('bad frame from the layer')) report.badFrames++;
        else if (message.startsWith('layer: ')) return; // a fuzzed LayerLog at level "error"
        else keep(report.handlerErrors, { at: report.inputs, detail: message.slice(0, 300) });
      },
    });
    const p = proxy;
    const open = async (): Promise<FuzzConnection> => {
      const sock = createConnection(p.socketPath);
      await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
      report.connections++;
      return new FuzzConnection(sock, () => { report.answers++; });
    };
    /** A well-behaved layer: Hello → HelloAck, stat and open of the probe file answered with the target's. */
    const probe = async (at: number): Promise<void> => {
      const c = await open();
      const got: Array<ReturnType<typeof layerPb.ProxyMessage.decode>> = [];
      const conn = new FuzzConnection(c.socket, (m) => got.push(m));
      await conn.write(Buffer.concat([frame({ hello: { protocolVersion: 1, pid: process.pid } }), frame({ id: 1, stat: { path: target.probePath } }), frame({ id: 2, open: { path: target.probePath, flags: 0 } })]));
      const until = Date.now() + PROBE_MS;
      while (got.length < 3 && !conn.closed && Date.now() < until) await conn.progress(until - Date.now());
      const ack = got.find((m) => m.helloAck), st = got.find((m) => Number(m.id) === 1)?.stat, op = got.find((m) => Number(m.id) === 2)?.open;
      const ok = ack?.helloAck?.hostname === 'fuzz-pod' && Number(st?.stat?.size) === target.probeContent.length && Buffer.from(op?.content ?? []).toString() === target.probeContent;
      if (!ok) keep(report.unserved, { at, detail: `probe: hostname ${ack?.helloAck?.hostname}, stat ${JSON.stringify(st)}, open ${JSON.stringify(op ? { action: op.action, errnoCode: op.errnoCode, content: Buffer.from(op.content ?? []).toString().slice(0, 80) } : op)}` });
      c.socket.destroy();
    };
    const gen = new LayerFuzzInputs(opts.seed, target.ns.podIp, [18080, 18081, 5353]);
    const checkEvery = opts.checkEvery ?? 2000;
    await probe(0);
    report.rssMb.start = report.rssMb.max = rssMb();
    let conn = await open();
    let sinceTaint = 0;
    for (let i = 0; i < opts.inputs; i++) {
      const input = gen.next();
      if (conn.closed || (conn.tainted && ++sinceTaint > 200)) {
        if (conn.closed && !conn.socket.destroyed) conn.socket.destroy();
        if (conn.closed) report.closedByProxy++;
        else conn.socket.destroy();
        conn = await open();
        sinceTaint = 0;
      }
      if (conn.sent === 0) await conn.write(frame({ hello: { protocolVersion: 1, pid: process.pid } }));
      const now = Date.now();
      if (!conn.tainted) for (const id of input.ids) conn.outstanding.set(id, now);
      if (input.kind !== 'message' && input.kind !== 'sequence') conn.tainted = true; // what follows may be swallowed
      await conn.write(input.bytes);
      await new Promise((resolve) => setImmediate(resolve)); // let the proxy and the answers run (I/O between inputs)
      if (process.env.FUZZ_PROXY_DEBUG) console.log(i, input.kind, input.ids, conn.outstanding.size, conn.closed, conn.tainted, report.answers);
      conn.sent++;
      report.inputs++;
      while (conn.outstanding.size >= MAX_OUTSTANDING && !conn.closed) {
        await conn.progress(1000);
        const oldest = Math.min(...conn.outstanding.values());
        if (Date.now() - oldest > HANG_MS) {
          keep(report.hangs, { at: i, detail: `ids ${[...conn.outstanding.keys()].slice(0, 8).join(',')} unanswered for ${HANG_MS} ms` });
          conn.socket.destroy();
          break;
        }
      }
      if ((i + 1) % checkEvery === 0 || i + 1 === opts.inputs) {
        // drain: every tracked request of a live connection is answered within HANG_MS
        const until = Date.now() + HANG_MS;
        while (conn.outstanding.size && !conn.closed && Date.now() < until) await conn.progress(until - Date.now());
        if (conn.outstanding.size && !conn.closed) keep(report.hangs, { at: i, detail: `${conn.outstanding.size} requests unanswered at a checkpoint` });
        conn.socket.destroy();
        await probe(i + 1);
        const leftUntil = Date.now() + 5000;
        while (p.status().layers > 0 && Date.now() < leftUntil) await new Promise((r) => setTimeout(r, 20));
        if (p.status().layers > 0) keep(report.leaks, { at: i, detail: `${p.status().layers} layer connections still open after the clients left` });
        report.rssMb.max = Math.max(report.rssMb.max, rssMb());
        opts.onCheckpoint?.(report);
        if (i + 1 < opts.inputs) conn = await open();
      }
    }
  } finally {
    await proxy?.close();
    await session?.close();
    await agent.stop();
    target.cleanup();
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
  report.rssMb.end = rssMb();
  report.durationMs = Date.now() - started;
  return report;
}
