// One DAP connection of the live-debugger fuzz: raw writes, every message checked as DAP, each
// fuzz request's answer counted (none missing, none twice; answers that kmirror-dap gave because
// the debugger did not answer within its bound are counted per command), the ids the session
// hands out (threads, frames, variable and source references) harvested into LiveIds, whether the
// session ended (`terminated`), and the driver's own requests with a deadline. Keeps nothing per
// message beyond the current session's seqs.
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { FrameReader, type Frame } from '#sdk/protocol/frame-reader.js';
import { checkMessage, frameOf } from './dap-fuzz-run.js';
import type { LiveIds } from './dap-live-fuzz-inputs.js';

type Message = Record<string, unknown> & { body?: Record<string, unknown> };

/** Ids kept per kind: the latest ones, so a long session does not grow the list. */
const KEEP_IDS = 32;
/** The driver's own seqs: far from the fuzz requests' (LIVE_SEQ_BASE up) and from what a byte mutation makes of seq 0. */
const OWN_SEQ_BASE = 500_000;
/** kmirror-dap's answer for the debugger (server/answer-bound.ts). */
export const BOUNDED = /did not answer `[^`]*` within/;

export class LiveLink {
  closed = false;
  readonly ids: LiveIds;
  /** The session's program ended (`terminated`, or `exited`). */
  ended = false;
  /** Fuzz requests sent and not yet answered: seq → command and when it was sent. */
  readonly pending = new Map<number, { command: string; at: number; text: string }>();
  /** How many fuzz requests kmirror-dap answered at its bound in this session. */
  boundedCount = 0;
  /** The first fuzz request kmirror-dap answered at its bound (the oldest the debugger left), as sent. */
  firstBounded: string | undefined;
  /** Fuzz requests answered by kmirror-dap's bound because the debugger did not answer: command → count. */
  readonly bounded = new Map<string, number>();
  private readonly answered = new Set<number>();
  private readonly waiters: Array<{ match: (m: Message) => boolean; resolve: (m: Message | undefined) => void }> = [];
  private answerWaiters: Array<() => void> = [];
  private ownSeq = OWN_SEQ_BASE;
  private readonly closeWaiters: Array<() => void> = [];

  private constructor(private readonly socket: Socket, source: string, lines: number[], private readonly onProblem: (problem: string) => void) {
    this.ids = { threadIds: [], frameIds: [], variablesReferences: [], sourceReferences: [], source, lines };
    const reader = new FrameReader((frame) => this.onFrame(frame));
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('close', () => this.onClose());
    socket.on('error', () => this.onClose());
  }

  static async open(port: number, source: string, lines: number[], onProblem: (problem: string) => void): Promise<LiveLink> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new LiveLink(socket, source, lines, onProblem);
  }

  async write(bytes: Buffer, requests: Array<{ seq: number; command: string }> = []): Promise<void> {
    if (this.closed) return;
    const at = Date.now();
    const text = requests.length ? bytes.toString('utf8', 0, 400) : '';
    for (const r of requests) this.pending.set(r.seq, { command: r.command, at, text });
    if (this.socket.write(bytes)) return;
    await Promise.race([once(this.socket, 'drain'), this.whenClosed()]);
  }

  /** The driver's own request; resolves with the response, or undefined when none came in time. */
  async request(command: string, args: unknown, timeoutMs: number): Promise<Message | undefined> {
    const seq = this.ownSeq++;
    const answer = this.waitFor((m) => m.type === 'response' && m.request_seq === seq, timeoutMs);
    await this.write(frameOf({ seq, type: 'request', command, ...(args === undefined ? {} : { arguments: args }) }));
    return answer;
  }

  waitEvent(event: string, timeoutMs: number): Promise<Message | undefined> {
    return this.waitFor((m) => m.type === 'event' && m.event === event, timeoutMs);
  }

  /** Fuzz requests answered so far (each once). */
  get answeredCount(): number {
    return this.answered.size;
  }

  /** Resolves at the next answer to a fuzz request, when the connection closes, or after `timeoutMs`. */
  nextAnswer(timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.answerWaiters.push(done);
    });
  }

  /** Fuzz requests unanswered for longer than `ms` (removed: each is reported once). */
  overdue(ms: number): Array<[number, string]> {
    const now = Date.now();
    const late: Array<[number, string]> = [];
    for (const [seq, { command, at }] of this.pending) {
      if (now - at <= ms) break; // in order of sending
      late.push([seq, command]);
      this.pending.delete(seq);
    }
    return late;
  }

  /** Resolves once every fuzz request is answered, or with the ones unanswered for longer than `ms`. */
  async settle(ms: number): Promise<Array<[number, string]>> {
    const late: Array<[number, string]> = [];
    while (this.pending.size && !this.closed) {
      late.push(...this.overdue(ms));
      if (this.pending.size) await this.nextAnswer(100);
    }
    return late;
  }

  whenClosed(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  /** Drops the connection without a disconnect (an editor killed mid-session). */
  destroy(): void {
    this.socket.destroy();
  }

  private waitFor(match: (m: Message) => boolean, timeoutMs: number): Promise<Message | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      const waiter = { match, resolve: (m: Message | undefined) => finish(m) };
      const finish = (m: Message | undefined): void => {
        clearTimeout(timer);
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(m);
      };
      this.waiters.push(waiter);
    });
  }

  private onFrame(frame: Frame): void {
    if (!frame.ok) return this.onProblem(`unreadable frame from kmirror-dap: ${frame.reason}`);
    const m = frame.value as Message | null;
    const problem = checkMessage(m);
    if (problem || !m) return this.onProblem(problem ?? 'null message');
    if (m.type === 'response') {
      const seq = m.request_seq as number; // checked: a safe integer
      const sent = this.pending.get(seq);
      if (sent) {
        this.pending.delete(seq);
        this.answered.add(seq);
        if (m.success === false && BOUNDED.test(String(m.message))) {
          this.bounded.set(String(m.command), (this.bounded.get(String(m.command)) ?? 0) + 1);
          this.firstBounded ??= sent.text;
          this.boundedCount++;
        }
        for (const w of this.answerWaiters.splice(0)) w();
      } else if (this.answered.has(seq)) this.onProblem(`request ${seq} answered twice: ${JSON.stringify(m).slice(0, 200)}`);
      if (m.success === true) this.harvest(m);
    } else if (m.type === 'event' && m.event === 'stopped') {
      this.harvest({ command: 'threads', body: { threads: [{ id: m.body?.threadId }] } });
    } else if (m.type === 'event' && (m.event === 'terminated' || m.event === 'exited')) {
      this.ended = true;
    }
    for (const w of [...this.waiters]) if (w.match(m)) w.resolve(m);
  }

  private harvest(m: Message): void {
    const body = m.body ?? {};
    const add = (list: number[], id: unknown): void => {
      if (typeof id !== 'number' || id <= 0 || list.includes(id)) return;
      list.push(id);
      if (list.length > KEEP_IDS) list.shift();
    };
    const items = (key: string): Array<Record<string, unknown>> => (Array.isArray(body[key]) ? (body[key] as Array<Record<string, unknown>>) : []);
    switch (m.command) {
      case 'threads': for (const t of items('threads')) add(this.ids.threadIds, t.id); break;
      case 'stackTrace':
        for (const f of items('stackFrames')) {
          add(this.ids.frameIds, f.id);
          add(this.ids.sourceReferences, (f.source as Record<string, unknown> | undefined)?.sourceReference);
        }
        break;
      case 'scopes': for (const s of items('scopes')) add(this.ids.variablesReferences, s.variablesReference); break;
      case 'variables': for (const v of items('variables')) add(this.ids.variablesReferences, v.variablesReference); break;
      case 'evaluate': add(this.ids.variablesReferences, body.variablesReference); break;
      default:
    }
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.waiters]) w.resolve(undefined);
    for (const w of this.answerWaiters.splice(0)) w();
    for (const c of this.closeWaiters.splice(0)) c();
  }
}
