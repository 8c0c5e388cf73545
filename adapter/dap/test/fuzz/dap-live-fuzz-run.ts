// Drives a `kmirror-dap --port` process through fuzzed sessions that each have a live debugger:
// every session launches a real program (the Node bridge and debugpy in turn), stops at a
// breakpoint, then gets seeded live-state inputs (dap-live-fuzz-inputs.ts) in batches. After each
// batch every well-formed request must have been answered exactly once (after a continue, when the
// program paused inside an evaluate), a probe on the session and
// one from a bystander client must be answered, everything written must be valid DAP; RSS and the
// process tree under kmirror-dap are sampled. Each session ends with a disconnect, a terminate then
// disconnect, or a dropped connection, and every process that ran under it must then be gone.
// A kmirror-dap exit is a crash (batch saved to `crashDir`, process restarted, run goes on).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { prng } from '#test/fuzz/prng.js';
import { descendants, killLeftovers, waitGone } from '../process-tree.js';
import type { FuzzFailure } from './dap-fuzz-run.js';
import { rssKb } from './dap-fuzz-run.js';
import { LiveFuzzInputs } from './dap-live-fuzz-inputs.js';
import { LiveLink } from './dap-live-link.js';

export interface LiveProgram {
  /** Backend name for the report ('node', 'python'). */
  name: string;
  /** Launch arguments (program, debugger, …); env KM_FOREVER is added so it never ends by itself. */
  launch: Record<string, unknown>;
  source: string;
  /** Breakpoint line first, then other lines worth setting breakpoints on. */
  lines: number[];
}

export interface LiveFuzzOptions {
  bundle: string;
  programs: LiveProgram[];
  seed: number;
  inputs: number;
  inputsPerSession?: number;
  batch?: number;
  answerTimeoutMs?: number;
  startTimeoutMs?: number;
  goneTimeoutMs?: number;
  crashDir?: string;
  /** Extra environment for kmirror-dap (e.g. KMIRROR_DAP_LOG, KMIRROR_DAP_LOG_LEVEL=debug to see the debugger traffic). */
  env?: Record<string, string>;
  onSession?(report: LiveFuzzReport): void;
}

export interface LiveFuzzReport {
  seed: number;
  inputs: number;
  sessions: number;
  durationMs: number;
  crashes: FuzzFailure[];
  /** kmirror-dap's own answers missing: a probe, the bystander, a disconnect, a closed connection. */
  unanswered: FuzzFailure[];
  /** Requests kmirror-dap forwarded to the debugger and the debugger never answered (the session is then left). */
  debuggerSilent: FuzzFailure[];
  invalid: FuzzFailure[];
  /** Processes still alive after their session ended. */
  leftovers: FuzzFailure[];
  /** Sessions whose program never stopped at the breakpoint (no inputs sent to them). */
  setupFailures: FuzzFailure[];
  requestsAnswered: number;
  processesChecked: number;
  perProgram: Record<string, { sessions: number; inputs: number }>;
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
    { name: 'python', launch: { program: py }, source: py, lines: lines(py) },
  ];
}

type End = 'disconnect' | 'terminate-then-disconnect' | 'drop';

export async function fuzzLiveSessions(opts: LiveFuzzOptions): Promise<LiveFuzzReport> {
  const perSession = opts.inputsPerSession ?? 2000;
  const batch = opts.batch ?? 50;
  const answerTimeoutMs = opts.answerTimeoutMs ?? 10_000;
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const goneTimeoutMs = opts.goneTimeoutMs ?? 15_000;
  const report: LiveFuzzReport = {
    seed: opts.seed, inputs: 0, sessions: 0, durationMs: 0, crashes: [], unanswered: [], debuggerSilent: [], invalid: [], leftovers: [], setupFailures: [],
    requestsAnswered: 0, processesChecked: 0, perProgram: {}, rssKb: { first: 0, max: 0, last: 0 },
  };
  const started = Date.now();
  const inputs = new LiveFuzzInputs(opts.seed);
  const ends = prng(opts.seed ^ 0x5eed);
  let batchStart = 0;
  let batchBytes: Buffer[] = [];
  const fail = (list: FuzzFailure[], detail: string): void => { if (list.length < 100) list.push({ at: batchStart, detail }); };
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
        writeFileSync(join(opts.crashDir, `crash-live-seed${opts.seed}-at${batchStart}.bin`), Buffer.concat(batchBytes));
      }
    });
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    port = Number(/listening on [\d.]+:(\d+)/.exec(line)?.[1]);
    proc = child;
  };
  const alive = (): boolean => proc.exitCode === null && proc.signalCode === null;
  await startProcess();
  let bystander = await LiveLink.open(port, '', [], onProblem);
  await bystander.request('initialize', { adapterID: 'fuzz-bystander' }, answerTimeoutMs);

  for (let session = 0; report.inputs < opts.inputs; session++) {
    if (!alive()) {
      await startProcess();
      bystander = await LiveLink.open(port, '', [], onProblem);
    }
    const program = opts.programs[session % opts.programs.length]!; // modulo: always an index
    const stats = (report.perProgram[program.name] ??= { sessions: 0, inputs: 0 });
    const pids = new Set<number>();
    // kmirror-reaper is kmirror-dap's own helper (one per process, for its whole life), not the session's.
    const sample = (): void => { for (const p of descendants(proc.pid!)) if (!p.cmdline.includes('kmirror-reaper')) pids.add(p.pid); };
    const link = await LiveLink.open(port, program.source, program.lines, onProblem);
    batchStart = report.inputs;
    const stopped = await launchToBreakpoint(link, program, startTimeoutMs);
    sample();
    if (stopped !== true) {
      fail(report.setupFailures, `${program.name}: ${stopped}`);
    } else {
      stats.sessions++;
      report.sessions++;
      for (let n = 0; n < perSession && report.inputs < opts.inputs && alive() && !link.closed;) {
        batchStart = report.inputs;
        batchBytes = [];
        for (let k = 0; k < batch && n < perSession && report.inputs < opts.inputs; k++, n++, report.inputs++, stats.inputs++) {
          const input = inputs.next(link.ids);
          batchBytes.push(input.bytes);
          await link.write(input.bytes, input.requests);
        }
        const before = link.pending.size;
        let left = await link.settle(answerTimeoutMs);
        if (left.length && !link.closed) {
          // An evaluate that ran into a pending pause waits for the program, as in any debugger:
          // resume it, as a user would on the stopped event, before counting what is unanswered.
          for (const threadId of link.ids.threadIds) await link.request('continue', { threadId }, answerTimeoutMs);
          left = await link.settle(answerTimeoutMs);
        }
        sample();
        if (!alive()) break;
        if (link.closed) {
          fail(report.unanswered, `${program.name}: kmirror-dap closed the session's connection (no disconnect was sent)`);
          break;
        }
        for (const [seq, command] of left.slice(0, 5)) fail(report.debuggerSilent, `${program.name}: ${command} (seq ${seq}) not answered within ${answerTimeoutMs} ms`);
        link.pending.clear();
        report.requestsAnswered += before - left.length;
        if (!(await link.request('kmirror/status', undefined, answerTimeoutMs))) fail(report.unanswered, `${program.name}: the session's probe got no answer`);
        // A debugger that stopped answering stays so: reported once, the next session goes on.
        if (left.length) break;
        if (!(await bystander.request('kmirror/status', undefined, answerTimeoutMs))) fail(report.unanswered, `${program.name}: the bystander client got no answer`);
        const rss = rssKb(proc.pid);
        if (!report.rssKb.first) report.rssKb.first = rss;
        report.rssKb.max = Math.max(report.rssKb.max, rss);
        report.rssKb.last = rss;
      }
    }
    if (alive()) await endSession(link, (['disconnect', 'terminate-then-disconnect', 'drop'] as const)[Math.floor(ends() * 3)]!, answerTimeoutMs, (d) => fail(report.unanswered, `${program.name}: ${d}`));
    else link.destroy();
    const left = await waitGone([...pids], goneTimeoutMs);
    report.processesChecked += pids.size;
    if (left.length) {
      fail(report.leftovers, `${program.name}: still running ${goneTimeoutMs} ms after the session ended: ${left.map((p) => `${p.pid} ${p.cmdline.slice(0, 120)}`).join('; ')}`);
      killLeftovers(left.map((p) => p.pid));
    }
    opts.onSession?.(report);
  }
  killed.add(proc!);
  bystander.destroy();
  proc!.kill('SIGKILL');
  await once(proc!, 'exit').catch(() => {});
  report.durationMs = Date.now() - started;
  return report;
}

/** initialize → launch → breakpoint → configurationDone → stopped; true, or why not. */
async function launchToBreakpoint(link: LiveLink, program: LiveProgram, timeoutMs: number): Promise<true | string> {
  if (!(await link.request('initialize', { adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' }, timeoutMs))) return 'no answer to initialize';
  const initialized = link.waitEvent('initialized', timeoutMs);
  const stopped = link.waitEvent('stopped', timeoutMs);
  // Not awaited before configurationDone: debugpy answers launch only after it.
  const launched = link.request('launch', { type: 'kmirror', request: 'launch', ...program.launch, env: { KM_FOREVER: '1', KM_GREETING: 'fuzz' } }, timeoutMs);
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

async function endSession(link: LiveLink, end: End, timeoutMs: number, fail: (detail: string) => void): Promise<void> {
  if (end === 'drop') {
    link.destroy();
    return;
  }
  if (end === 'terminate-then-disconnect' && !(await link.request('terminate', {}, timeoutMs))) fail('terminate got no answer');
  // {} leaves it to the default (a launched debuggee is terminated), the other says so.
  if (!(await link.request('disconnect', end === 'disconnect' ? {} : { terminateDebuggee: true }, timeoutMs))) fail('disconnect got no answer');
  const closed = await Promise.race([link.whenClosed().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs))]);
  if (!closed) fail(`the connection was still open ${timeoutMs} ms after the disconnect`);
  link.destroy();
}
