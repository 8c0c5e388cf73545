// Drives a `kmirror-dap --port` process through fuzzed sessions that each have a live debugger:
// a session launches a real program (the Node bridge and debugpy in turn), stops at a breakpoint,
// then gets a stream of seeded live-state inputs (dap-live-fuzz-inputs.ts) with up to `window`
// requests in flight, `lanes` sessions at a time (each on its own connection; its processes told
// apart by an env marker its debuggee carries). One live session serves many inputs: it is ended
// (and a new one started) only when the program ended (terminate, restart, exit), when the debugger
// stopped answering (after kmirror-dap answered a request for it at its bound — launch field
// `answerTimeoutMs`, short here — the debugger answers neither `threads` nor a stack, or 16 such
// answers in one session), or after `inputsPerSession`. Invariants: every well-formed request answered exactly once within the bound
// plus a slack (by the debugger or by kmirror-dap's bound); at each checkpoint a probe on the session
// and one from a bystander client answered; everything written is valid DAP; RSS and the process
// tree under kmirror-dap sampled. Each session ends with a disconnect, a terminate then disconnect,
// or a dropped connection, and every process that ran under it must then be gone.
// A kmirror-dap exit is a crash (recent inputs saved to `crashDir`, process restarted, run goes on).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { prng } from '#test/fuzz/prng.js';
import { killLeftovers, sessionProcesses, waitGone } from '../process-tree.js';
import type { FuzzFailure } from './dap-fuzz-run.js';
import { rssKb } from './dap-fuzz-run.js';
import { LiveFuzzInputs } from './dap-live-fuzz-inputs.js';
import { BOUNDED, LiveLink } from './dap-live-link.js';

export interface LiveProgram {
  /** Backend name for the report ('node', 'python'). */
  name: string;
  /** Launch arguments (program, debugger, …); env KM_FOREVER is added so it never ends by itself. */
  launch: Record<string, unknown>;
  source: string;
  /** Breakpoint line first, then other lines worth setting breakpoints on. */
  lines: number[];
  /** Requests in flight at most for this debugger (default: the run's `window`). */
  window?: number;
  /** Inputs after which its session is ended anyway (default: the run's `inputsPerSession`). */
  inputsPerSession?: number;
}

export interface LiveFuzzOptions {
  bundle: string;
  programs: LiveProgram[];
  seed: number;
  inputs: number;
  /** Stop early at this time (ms since the epoch): the report then says how many inputs fit. */
  deadline?: number;
  /** Inputs after which a session is ended anyway (default 20,000). */
  inputsPerSession?: number;
  /** Fuzz requests in flight at most per session (default 32). */
  window?: number;
  /** Sessions fuzzed at the same time, each on its own client connection (default 1); lane k starts at program k. */
  lanes?: number;
  /** Inputs between two checkpoints (probes, RSS, process tree; default 500). */
  checkpointEvery?: number;
  /** kmirror-dap's bound on the debugger's answers, launch field `answerTimeoutMs` (default 2,000 ms). */
  answerBoundMs?: number;
  /** How long kmirror-dap's own answers may take (probes, bystander; slack over the bound; default 10,000 ms). */
  probeTimeoutMs?: number;
  startTimeoutMs?: number;
  goneTimeoutMs?: number;
  crashDir?: string;
  /** Extra environment for kmirror-dap (e.g. KMIRROR_DAP_LOG, KMIRROR_DAP_LOG_LEVEL=debug to see the debugger traffic). */
  env?: Record<string, string>;
  onCheckpoint?(report: LiveFuzzReport): void;
}

export interface LiveFuzzReport {
  seed: number;
  inputs: number;
  sessions: number;
  durationMs: number;
  crashes: FuzzFailure[];
  /** Answers missing: a fuzz request past the bound + slack, a probe, the bystander, a disconnect, a closed connection. */
  unanswered: FuzzFailure[];
  invalid: FuzzFailure[];
  /** Processes still alive after their session ended. */
  leftovers: FuzzFailure[];
  /** Sessions whose program never stopped at the breakpoint (no inputs sent to them). */
  setupFailures: FuzzFailure[];
  requestsSent: number;
  requestsAnswered: number;
  /** Requests the debugger left unanswered that kmirror-dap answered at its bound, by command. */
  bounded: Record<string, number>;
  /** Why sessions ended: the debugger stopped answering, the program ended, or their share of inputs was done. */
  sessionEnds: { debuggerSilent: number; programEnded: number; done: number };
  /** Per session whose debugger went silent: the first request it left unanswered, as sent (at most 100). */
  silentAfter: string[];
  processesChecked: number;
  perProgram: Record<string, { sessions: number; inputs: number; bounded: number }>;
  rssKb: { first: number; max: number; last: number };
}

/** The Node (CDP bridge) and Python (debugpy) fixture debuggees of `fixturesDir` (adapter/dap/test/fixtures). */
export function liveFuzzPrograms(fixturesDir: string): LiveProgram[] {
  const lines = (path: string): number[] => {
    const text = readFileSync(path, 'utf8').split('\n');
    const marked = (marker: string): number => text.findIndex((l) => l.includes(marker)) + 1;
    return [marked('BREAK'), ...(marked('CALL') ? [marked('CALL')] : []), 1, 2, text.length];
  };
  const js = join(fixturesDir, 'js/app.js');
  const py = join(fixturesDir, 'py/app.py');
  return [
    { name: 'node', launch: { program: js }, source: js, lines: lines(js) },
    // debugpy answers one request per ≈ 45 ms (pydevd's polling), so a deeper queue only waits out the bound.
    { name: 'python', launch: { program: py }, source: py, lines: lines(py), window: 4 },
  ];
}

type End = 'disconnect' | 'terminate-then-disconnect' | 'drop';
/** Answers at the bound after which a session is ended even though the debugger still answers probes. */
const MAX_BOUNDED_PER_SESSION = 16;
/** Inputs kept for a crash file. */
const KEEP_FOR_CRASH = 200;

export async function fuzzLiveSessions(opts: LiveFuzzOptions): Promise<LiveFuzzReport> {
  const perSessionDefault = opts.inputsPerSession ?? 20_000;
  const windowDefault = opts.window ?? 32;
  const checkpointEvery = opts.checkpointEvery ?? 500;
  const boundMs = opts.answerBoundMs ?? 2000;
  const probeMs = opts.probeTimeoutMs ?? 10_000;
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const goneTimeoutMs = opts.goneTimeoutMs ?? 15_000;
  /** A fuzz request unanswered for longer than this was left hanging by kmirror-dap. */
  const overdueMs = boundMs + probeMs;
  const report: LiveFuzzReport = {
    seed: opts.seed, inputs: 0, sessions: 0, durationMs: 0, crashes: [], unanswered: [], invalid: [], leftovers: [], setupFailures: [],
    requestsSent: 0, requestsAnswered: 0, bounded: {}, sessionEnds: { debuggerSilent: 0, programEnded: 0, done: 0 }, silentAfter: [], processesChecked: 0, perProgram: {},
    rssKb: { first: 0, max: 0, last: 0 },
  };
  const started = Date.now();
  const more = (): boolean => report.inputs < opts.inputs && (opts.deadline === undefined || Date.now() < opts.deadline);
  let recent: Buffer[] = [];
  const fail = (list: FuzzFailure[], detail: string): void => { if (list.length < 100) list.push({ at: report.inputs, detail }); };
  const onProblem = (problem: string): void => fail(report.invalid, problem);

  // kmirror-dap, restarted after a crash.
  let proc!: ChildProcess;
  let port = 0;
  let stderrTail = '';
  const killed = new WeakSet<ChildProcess>();
  const startProcess = async (): Promise<void> => {
    const child = spawn(process.execPath, [opts.bundle, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    child.stderr!.on('data', (d: Buffer) => { stderrTail = (stderrTail + d.toString()).slice(-2000); });
    child.once('exit', (code, signal) => {
      if (killed.has(child)) return;
      fail(report.crashes, `kmirror-dap exited (code ${code}, signal ${signal}): ${stderrTail.trim().slice(-800)}`);
      if (opts.crashDir) {
        mkdirSync(opts.crashDir, { recursive: true });
        writeFileSync(join(opts.crashDir, `crash-live-seed${opts.seed}-at${report.inputs}.bin`), Buffer.concat(recent));
      }
    });
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    port = Number(/listening on [\d.]+:(\d+)/.exec(line)?.[1]);
    proc = child;
  };
  const alive = (): boolean => proc.exitCode === null && proc.signalCode === null;
  let restarting: Promise<void> | undefined;
  /** After a crash: one restart (and a new bystander) for every lane. */
  const ensureProcess = async (): Promise<void> => {
    if (alive()) return;
    restarting ??= (async () => {
      await startProcess();
      bystander = await LiveLink.open(port, '', [], onProblem);
    })().finally(() => { restarting = undefined; });
    await restarting;
  };
  const sampleRss = (): void => {
    const rss = rssKb(proc.pid);
    if (!report.rssKb.first) report.rssKb.first = rss;
    report.rssKb.max = Math.max(report.rssKb.max, rss);
    report.rssKb.last = rss;
  };
  await startProcess();
  let bystander = await LiveLink.open(port, '', [], onProblem);
  await bystander.request('initialize', { adapterID: 'fuzz-bystander' }, probeMs);
  sampleRss();

  let sessionIds = 0;
  const lane = async (laneIndex: number): Promise<void> => {
    const inputs = new LiveFuzzInputs(opts.seed + laneIndex * 7919);
    const ends = prng((opts.seed + laneIndex) ^ 0x5eed);
    for (let session = laneIndex; more(); session++) {
      await ensureProcess();
      const program = opts.programs[session % opts.programs.length]!; // modulo: always an index
      const stats = (report.perProgram[program.name] ??= { sessions: 0, inputs: 0, bounded: 0 });
      const window = program.window ?? windowDefault;
      const perSession = program.inputsPerSession ?? perSessionDefault;
      const pids = new Set<number>();
      // The session's processes among those of the other lanes: the subtrees holding its debuggee (env marker).
      const marker = `KM_FUZZ_SESSION=${++sessionIds}`;
      const sample = (): void => { for (const p of sessionProcesses(proc.pid!, marker)) pids.add(p.pid); };
      const link = await LiveLink.open(port, program.source, program.lines, onProblem);
      const overdue = (): void => {
        for (const [seq, command] of link.overdue(overdueMs)) fail(report.unanswered, `${program.name}: ${command} (seq ${seq}) not answered within ${overdueMs} ms`);
      };
      const checkpoint = async (): Promise<void> => {
        sample();
        overdue();
        if (!alive() || link.closed) return;
        if (!(await link.request('kmirror/status', undefined, probeMs))) fail(report.unanswered, `${program.name}: the session's probe got no answer`);
        if (!(await bystander.request('kmirror/status', undefined, probeMs))) fail(report.unanswered, `${program.name}: the bystander client got no answer`);
        sampleRss();
        opts.onCheckpoint?.(report);
      };
      const stopped = await launchToBreakpoint(link, program, marker, boundMs, startTimeoutMs);
      sample();
      if (stopped !== true) {
        fail(report.setupFailures, `${program.name}: ${stopped}`);
      } else {
        stats.sessions++;
        report.sessions++;
        let debuggerSilent = false;
        let checkedBounded = 0;
        for (let n = 0; n < perSession && more();) {
          if (!alive() || link.closed || link.ended) break;
          if (link.boundedCount > checkedBounded) {
            // One request left unanswered is not a silent debugger: the session goes on while it answers threads and a stack.
            checkedBounded = link.boundedCount;
            if (checkedBounded >= MAX_BOUNDED_PER_SESSION || !(await debuggerAnswers(link, boundMs + probeMs))) {
              debuggerSilent = true;
              break;
            }
          }
          if (link.pending.size >= window) {
            await link.nextAnswer(100);
            overdue();
            continue;
          }
          const input = inputs.next(link.ids);
          recent.push(input.bytes);
          if (recent.length > KEEP_FOR_CRASH) recent = recent.slice(-KEEP_FOR_CRASH / 2);
          await link.write(input.bytes, input.requests);
          report.requestsSent += input.requests.length;
          n++;
          report.inputs++;
          stats.inputs++;
          if (n % checkpointEvery === 0) await checkpoint();
        }
        // Every request in flight is answered: by the debugger, or by kmirror-dap at its bound.
        for (const [seq, command] of await link.settle(overdueMs)) fail(report.unanswered, `${program.name}: ${command} (seq ${seq}) not answered within ${overdueMs} ms`);
        await checkpoint();
        if (alive() && link.closed) fail(report.unanswered, `${program.name}: kmirror-dap closed the session's connection (no disconnect was sent)`);
        const silent = [...link.bounded.values()].reduce((a, b) => a + b, 0);
        for (const [command, count] of link.bounded) report.bounded[command] = (report.bounded[command] ?? 0) + count;
        stats.bounded += silent;
        if (debuggerSilent && link.firstBounded !== undefined && report.silentAfter.length < 100) report.silentAfter.push(`${program.name}: ${link.firstBounded}`);
        if (debuggerSilent) report.sessionEnds.debuggerSilent++;
        else if (link.ended) report.sessionEnds.programEnded++;
        else report.sessionEnds.done++;
      }
      report.requestsAnswered += link.answeredCount;
      if (alive()) await endSession(link, (['disconnect', 'terminate-then-disconnect', 'drop'] as const)[Math.floor(ends() * 3)]!, probeMs, (d) => fail(report.unanswered, `${program.name}: ${d}`));
      else link.destroy();
      const left = await waitGone([...pids], goneTimeoutMs);
      report.processesChecked += pids.size;
      if (left.length) {
        fail(report.leftovers, `${program.name}: still running ${goneTimeoutMs} ms after the session ended: ${left.map((p) => `${p.pid} ${p.cmdline.slice(0, 120)}`).join('; ')}`);
        killLeftovers(left.map((p) => p.pid));
      }
    }
  };
  await Promise.all(Array.from({ length: opts.lanes ?? 1 }, (_, k) => lane(k)));
  sampleRss();
  killed.add(proc!);
  bystander.destroy();
  proc!.kill('SIGKILL');
  await once(proc!, 'exit').catch(() => {});
  report.durationMs = Date.now() - started;
  return report;
}

/** initialize → launch (with the answer bound) → breakpoint → configurationDone → stopped; true, or why not. */
async function launchToBreakpoint(link: LiveLink, program: LiveProgram, marker: string, answerTimeoutMs: number, timeoutMs: number): Promise<true | string> {
  if (!(await link.request('initialize', { adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' }, timeoutMs))) return 'no answer to initialize';
  const initialized = link.waitEvent('initialized', timeoutMs);
  const stopped = link.waitEvent('stopped', timeoutMs);
  // Not awaited before configurationDone: debugpy answers launch only after it.
  const launched = link.request('launch', { type: 'kmirror', request: 'launch', ...program.launch, answerTimeoutMs, env: { KM_FOREVER: '1', KM_GREETING: 'fuzz', [marker.split('=')[0]!]: marker.split('=')[1]! } }, timeoutMs);
  if (!(await initialized)) return `no initialized event (launch: ${JSON.stringify(await launched)?.slice(0, 300)})`;
  await link.request('setBreakpoints', { source: { path: program.source }, breakpoints: [{ line: program.lines[0] }] }, timeoutMs);
  await link.request('configurationDone', undefined, timeoutMs);
  const response = await launched;
  if (response?.success !== true) return `launch failed: ${JSON.stringify(response)?.slice(0, 300)}`;
  const event = await stopped;
  if (!event) return 'never stopped at the breakpoint';
  const threads = await link.request('threads', undefined, timeoutMs);
  const threadId = (event.body as { threadId?: number } | undefined)?.threadId ?? (threads?.body?.threads as Array<{ id: number }> | undefined)?.[0]?.id;
  const frames = await link.request('stackTrace', { threadId, startFrame: 0, levels: 20 }, timeoutMs);
  const frameId = (frames?.body?.stackFrames as Array<{ id: number }> | undefined)?.[0]?.id;
  if (frameId !== undefined) await link.request('scopes', { frameId }, timeoutMs);
  return true;
}

/** Whether the debugger itself still answers `threads` and a stack (not kmirror-dap at its bound). */
async function debuggerAnswers(link: LiveLink, timeoutMs: number): Promise<boolean> {
  const answered = (m: Awaited<ReturnType<LiveLink['request']>>): boolean => m !== undefined && !(m.success === false && BOUNDED.test(String(m.message)));
  const threads = await link.request('threads', undefined, timeoutMs);
  if (!answered(threads)) return false;
  const threadId = (threads?.body?.threads as Array<{ id: number }> | undefined)?.[0]?.id;
  return threadId === undefined || answered(await link.request('stackTrace', { threadId, startFrame: 0, levels: 1 }, timeoutMs));
}

/** kmirror-dap's disconnect waits up to 5 s for the debugger's, then stops every process (2 s grace). */
const DISCONNECT_SLACK_MS = 10_000;

async function endSession(link: LiveLink, end: End, timeoutMs: number, fail: (detail: string) => void): Promise<void> {
  if (end === 'drop') {
    link.destroy();
    return;
  }
  if (end === 'terminate-then-disconnect' && !(await link.request('terminate', {}, timeoutMs))) fail('terminate got no answer');
  // {} leaves it to the default (a launched debuggee is terminated), the other says so.
  if (!(await link.request('disconnect', end === 'disconnect' ? {} : { terminateDebuggee: true }, timeoutMs + DISCONNECT_SLACK_MS))) fail('disconnect got no answer');
  const closed = await Promise.race([link.whenClosed().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs))]);
  if (!closed) fail(`the connection was still open ${timeoutMs} ms after the disconnect`);
  link.destroy();
}
