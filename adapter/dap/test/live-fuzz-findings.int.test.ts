// Regression cases of the live-debugger fuzz (bench/fuzz-dap-live.ts): requests that made debugpy
// stop answering every later request of its session — ids of the wrong type, setBreakpoints
// without a source path, requests behind a capability debugpy does not announce. Each must now
// be answered with a clear refusal, and the session must go on answering (threads, stackTrace).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { breakLine, connectClient, FIXTURES, launchToBreakpoint, startServer, type TestServer } from './harness.js';

const PY = join(FIXTURES, 'py/app.py');
let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

const cases: Array<{ command: string; args: Record<string, unknown>; refusal: RegExp }> = [
  { command: 'scopes', args: { frameId: true }, refusal: /"frameId" must be an integer/ },
  { command: 'setBreakpoints', args: { source: { sourceReference: 77 }, breakpoints: [] }, refusal: /debugpy sets breakpoints by file path only/ },
  { command: 'setBreakpoints', args: { source: {}, breakpoints: [{ line: 3 }] }, refusal: /by file path only/ },
  { command: 'source', args: { sourceReference: null }, refusal: /"sourceReference" must be an integer/ },
  { command: 'cancel', args: { requestId: 3 }, refusal: /does not announce supportsCancelRequest/ },
  { command: 'configurationDone', args: {}, refusal: /configurationDone was already sent/ },
  { command: 'setFunctionBreakpoints', args: { breakpoints: { command: [1] } }, refusal: /"breakpoints" must be an array/ },
  { command: 'loadedSources', args: {}, refusal: /does not announce supportsLoadedSourcesRequest/ },
  { command: 'stepBack', args: { threadId: 1 }, refusal: /does not announce supportsStepBack/ },
  { command: 'reverseContinue', args: { threadId: 1 }, refusal: /does not announce supportsStepBack/ },
  { command: 'terminateThreads', args: { threadIds: [1] }, refusal: /does not announce supportsTerminateThreadsRequest/ },
];

describe('debugpy session after a request that used to hang it', () => {
  it.each(cases)('$command $args: refused, and the session still answers', { timeout: 60_000 }, async ({ command, args, refusal }) => {
    const dc: DebugClient = await connectClient(server.port);
    try {
      const line = breakLine(PY);
      await launchToBreakpoint(dc, { type: 'kmirror', request: 'launch', program: PY, env: { KM_FOREVER: '1' } }, { path: PY, line });
      const response = await dc.customRequest(command, args).then(() => undefined, (e: Error) => e.message);
      expect(response).toMatch(refusal);
      const threads = await dc.threadsRequest();
      const threadId = threads.body.threads[0]!.id;
      const st = await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 });
      expect(st.body.stackFrames[0]!.line).toBe(line);
    } finally {
      await dc.stop();
    }
  });
});

describe('debugpy session with the program running', () => {
  it('refuses exceptionInfo (debugpy held it and everything after it), then pauses', { timeout: 60_000 }, async () => {
    const dc: DebugClient = await connectClient(server.port);
    try {
      const line = breakLine(PY);
      await launchToBreakpoint(dc, { type: 'kmirror', request: 'launch', program: PY, env: { KM_FOREVER: '1' } }, { path: PY, line });
      const threadId = (await dc.threadsRequest()).body.threads[0]!.id;
      await dc.setBreakpointsRequest({ source: { path: PY }, breakpoints: [] });
      await Promise.all([dc.waitForEvent('continued'), dc.continueRequest({ threadId })]);
      const refused = await dc.customRequest('exceptionInfo', { threadId }).then(() => undefined, (e: Error) => e.message);
      expect(refused).toMatch(/program is running/);
      await Promise.all([dc.waitForEvent('stopped'), dc.pauseRequest({ threadId })]);
      expect((await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 })).body.stackFrames.length).toBe(1);
    } finally {
      await dc.stop();
    }
  });
});
