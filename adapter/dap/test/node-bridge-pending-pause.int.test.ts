// The Node bridge when requests meet a pause they did not expect (found by bench/fuzz-dap-live.ts):
// `pause`, `evaluate`, `pause` sent together while the program ran wedged Node's inspector for good
// (nothing answered, not even continue); an evaluate the program paused inside (a pending pause, a
// breakpoint in the code it calls) was answered only after a continue. A real program under the
// real inspector through kmirror-dap and DebugClient: every request is answered, clearly, and the
// session keeps working.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { breakLine, connectClient, startServer, type TestServer } from './harness.js';
import { waitGone } from './process-tree.js';

const PROGRAM_SOURCE = `// kmirror test program: idle between timer ticks, and a global function for evaluations to call.
globalThis.work = function work(n) {
  const doubled = n * 2; // WORK
  return doubled;
};
let ticks = 0;
function tick() {
  ticks++; // TICK
  console.log(\`tick \${ticks}\`);
}
setInterval(tick, 50);
`;

/** Bound for a request that never comes back (a failure, not a measurement). */
const ANSWER_BOUND_MS = 10_000;

let server: TestServer;
let dir: string;
let program: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kmirror-pending-pause-'));
  program = join(dir, 'app.js');
  writeFileSync(program, PROGRAM_SOURCE);
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Outcome = { ok: true; body: Record<string, unknown> } | { ok: false; message: string };

/** A request's answer, success or refusal (DebugClient rejects on success:false); bounded, as DebugClient's requests are not. */
async function outcome(request: Promise<DebugProtocol.Response>): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const unanswered = new Promise<Outcome>((resolve) => { timer = setTimeout(() => resolve({ ok: false, message: `no answer within ${ANSWER_BOUND_MS} ms` }), ANSWER_BOUND_MS); });
  const answered = request.then((r): Outcome => ({ ok: true, body: (r.body ?? {}) as Record<string, unknown> }), (e: Error): Outcome => ({ ok: false, message: e.message }));
  try {
    return await Promise.race([answered, unanswered]);
  } finally {
    clearTimeout(timer);
  }
}

function outputMatching(dc: DebugClient, pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const listener = (e: DebugProtocol.OutputEvent): void => {
      if (!pattern.test(e.body.output)) return;
      dc.removeListener('output', listener);
      resolve(e.body.output);
    };
    dc.on('output', listener);
  });
}

/** Launched, stopped once at TICK, breakpoints cleared and continued: the program runs. Returns its pid. */
async function running(dc: DebugClient): Promise<number> {
  const line = breakLine(program, 'TICK');
  const launched = dc.waitForEvent('process').then((e) => (e.body as { systemProcessId: number }).systemProcessId);
  await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await Promise.all([
    dc.waitForEvent('initialized').then(() => dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line }] })).then(() => dc.configurationDoneRequest()),
    dc.launchRequest({ type: 'kmirror', request: 'launch', program } as DebugProtocol.LaunchRequestArguments),
    dc.assertStoppedLocation('breakpoint', { path: program, line }),
  ]);
  await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [] });
  await dc.continueRequest({ threadId: 1 });
  return launched;
}

async function topFrame(dc: DebugClient): Promise<DebugProtocol.StackFrame> {
  return (await dc.stackTraceRequest({ threadId: 1, startFrame: 0, levels: 20 })).body.stackFrames[0]!;
}

function session(name: string, body: (dc: DebugClient) => Promise<void>): void {
  it(name, { timeout: 45_000 }, async () => {
    const dc = await connectClient(server.port, ANSWER_BOUND_MS);
    try {
      await body(dc);
    } finally {
      await dc.stop();
    }
  });
}

describe('Node bridge: requests that meet a pending pause', () => {
  // The wedge needs the pause to land inside the evaluation with the second pause queued behind it
  // in the inspector: sent just after a timer tick (the program then idles), it did so by round 2.
  session('pause, evaluate, pause sent together while running, round after round: all answered, then the session goes on', async (dc) => {
    await running(dc);
    for (let round = 0; round < 8; round++) {
      const ticked = outputMatching(dc, /^tick \d+/);
      if (round > 0) expect((await outcome(dc.continueRequest({ threadId: 1 }))).ok).toBe(true);
      await ticked;
      const stopped = dc.waitForEvent('stopped');
      const [pause, evaluated, pauseAgain] = await Promise.all([
        outcome(dc.pauseRequest({ threadId: 1 })),
        outcome(dc.evaluateRequest({ expression: '1 + 1', context: 'repl' })),
        outcome(dc.pauseRequest({ threadId: 1 })),
      ]);
      expect([round, pause.ok, pauseAgain.ok]).toEqual([round, true, true]);
      // The pause lands inside the evaluation, or (a timer tick first) before it: either way it is answered.
      expect(evaluated.ok ? evaluated.body.result : evaluated.message).toMatch(/^2$|^evaluate: the program paused inside "1 \+ 1"/);
      expect((await stopped).body.reason).toBe('pause');
    }
    const [breakpoints, top] = await Promise.all([
      outcome(dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line: breakLine(program, 'WORK') }] })),
      topFrame(dc),
    ]);
    expect(breakpoints).toMatchObject({ ok: true, body: { breakpoints: [{ verified: true }] } });
    expect(top.name).toBeTruthy();
    await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [] });
    expect((await outcome(dc.continueRequest({ threadId: 1 }))).ok).toBe(true);
    expect((await dc.evaluateRequest({ expression: 'work(5)', context: 'repl' })).body.result).toBe('10');
  });

  session('an evaluate that hits a breakpoint in the code it calls is answered at the stop; stepping there works; its value comes on continue', async (dc) => {
    await running(dc);
    const work = breakLine(program, 'WORK');
    await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line: work }] });
    const stopped = dc.waitForEvent('stopped');
    const evaluated = outcome(dc.evaluateRequest({ expression: 'work(21)', context: 'repl' }));
    expect((await stopped).body.reason).toBe('breakpoint');
    expect(await evaluated).toMatchObject({ ok: false, message: expect.stringMatching(/the program paused inside "work\(21\)".*printed to the debug console/) });
    const frames = (await dc.stackTraceRequest({ threadId: 1, startFrame: 0, levels: 20 })).body.stackFrames;
    expect(frames[0]).toMatchObject({ name: 'work', line: work });
    // Called from the evaluated code (below it, whatever the program ran when the evaluation came in).
    expect(frames[1]!.source?.name).toMatch(/^kmirror-evaluate-\d+$/);
    expect((await dc.evaluateRequest({ expression: 'n', frameId: frames[0]!.id, context: 'repl' })).body.result).toBe('21');
    // Requests that used to wait behind the evaluation: answered while it is paused inside.
    const [breakpoints, pause, global] = await Promise.all([
      outcome(dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [] })),
      outcome(dc.pauseRequest({ threadId: 1 })),
      outcome(dc.evaluateRequest({ expression: 'typeof work', context: 'repl' })),
    ]);
    expect(breakpoints.ok && pause.ok).toBe(true);
    expect(global).toMatchObject({ ok: true, body: { result: '"function"' } });
    const stepped = dc.waitForEvent('stopped');
    await dc.nextRequest({ threadId: 1 });
    expect((await stepped).body.reason).toBe('step');
    const top = await topFrame(dc);
    expect(top.line).toBe(work + 1);
    expect((await dc.evaluateRequest({ expression: 'doubled', frameId: top.id, context: 'watch' })).body.result).toBe('42');
    const printed = outputMatching(dc, /"work\(21\)" finished: 42/);
    await dc.continueRequest({ threadId: 1 });
    await printed;
    expect((await dc.evaluateRequest({ expression: 'work(2)', context: 'repl' })).body.result).toBe('4');
  });

  session('while running, steps, continue and frames are refused clearly; pause while stopped changes nothing', async (dc) => {
    await running(dc);
    for (const command of ['next', 'stepIn', 'stepOut', 'continue']) {
      expect(await outcome(dc.customRequest(command, { threadId: 1 }))).toEqual({ ok: false, message: `${command}: the program is running; pause it first` });
    }
    expect(await outcome(dc.stackTraceRequest({ threadId: 1 }))).toMatchObject({ ok: false, message: expect.stringMatching(/program is running/) });
    expect(await outcome(dc.evaluateRequest({ expression: 'ticks', frameId: 1, context: 'watch' }))).toMatchObject({ ok: false, message: expect.stringMatching(/frame 1 is not valid \(the program is running\)/) });
    // Found by the fuzz: an evaluate without an expression ran "undefined" and crashed kmirror-dap when it finished.
    expect(await outcome(dc.customRequest('evaluate', { context: 'repl' }))).toEqual({ ok: false, message: 'evaluate: "expression" must be a string (got undefined)' });
    const stopped = dc.waitForEvent('stopped');
    await dc.pauseRequest({ threadId: 1 });
    expect((await stopped).body.reason).toBe('pause');
    const before = await topFrame(dc);
    expect((await outcome(dc.pauseRequest({ threadId: 1 }))).ok).toBe(true);
    expect(await topFrame(dc)).toEqual(before);
    expect(await outcome(dc.customRequest('evaluate', { expression: 7, frameId: before.id }))).toEqual({ ok: false, message: 'evaluate: "expression" must be a string (got number)' });
    // The next stop is the breakpoint's: the pause while stopped left nothing armed.
    const tick = breakLine(program, 'TICK');
    await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line: tick }] });
    const next = dc.waitForEvent('stopped');
    await dc.continueRequest({ threadId: 1 });
    expect((await next).body.reason).toBe('breakpoint');
  });

  session('disconnect while an evaluate is paused inside: both answered, the program is gone', async (dc) => {
    const pid = await running(dc);
    await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line: breakLine(program, 'WORK') }] });
    const stopped = dc.waitForEvent('stopped');
    const evaluated = outcome(dc.evaluateRequest({ expression: 'work(1)', context: 'repl' }));
    const late = outcome(dc.evaluateRequest({ expression: 'work(3)', context: 'repl' }));
    await stopped;
    const disconnected = outcome(dc.disconnectRequest({ terminateDebuggee: true }));
    expect((await disconnected).ok).toBe(true);
    expect(await evaluated).toMatchObject({ ok: false });
    // Written while paused inside the first one: answered (it cannot pause again), or refused as the session ended.
    const lateAnswer = await late;
    expect(lateAnswer.ok ? 'answered' : lateAnswer.message).toMatch(/^answered$|closed|ended/);
    expect(await waitGone([pid], ANSWER_BOUND_MS)).toEqual([]);
  });
});
