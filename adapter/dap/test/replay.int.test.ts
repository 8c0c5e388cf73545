// `kmirror/replay` through the Microsoft DebugClient: a recording (made with the recording writer,
// as the capture side makes it) holds a request that failed with 500; replayed into a local Go or
// Python HTTP program running under kmirror-dap, it stops at the breakpoint in the handler with the
// recorded request's values (path, and the redacted Authorization header), and the replay result
// event compares the new answer with the recorded one. Bad arguments get a clear error response.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '#test/harness/free-port.js';
import { http, writeScriptedRecording } from '#runtime/recording/test-recordings.js';
import { connectClient, startServer, type TestServer } from './harness.js';

const HTTP_FIXTURES = fileURLToPath(new URL('../../sdk/test/fixtures/http/', import.meta.url));
let dir: string;
let server: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kmirror-replay-dap-'));
  cpSync(HTTP_FIXTURES, join(dir, 'app'), { recursive: true });
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A recording whose exchange 2 is the failing request: GET /hello/failing-7 answered 500 by the pod. */
async function recordingFor(port: number, name: string): Promise<string> {
  const file = join(dir, `${name}.kmrec`);
  await writeScriptedRecording(file, {
    serverPort: port,
    connections: [
      { segments: [['request', http.get('/hello/fine')], ['response', http.ok('hi fine')]] },
      { segments: [['request', http.get('/hello/failing-7', 'Authorization: Bearer pod-secret\r\n')], ['response', http.ok('upstream died', 500)]] },
    ],
  });
  return file;
}

const languages = [
  { name: 'python', program: () => join(dir, 'app/app.py'), debugger: 'python', line: 11, path: 'self.path', auth: "self.headers['Authorization']" },
  { name: 'go', program: () => join(dir, 'app'), debugger: 'go', line: 15, path: 'r.URL.Path', auth: 'r.Header["Authorization"][0]' },
];

/** Evaluates in the top frame of the thread that stopped (in Go, a goroutine other than the first). */
async function evaluate(dc: DebugClient, threadId: number, expression: string): Promise<string> {
  const frame = (await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 })).body.stackFrames[0]!;
  return (await dc.evaluateRequest({ expression, frameId: frame.id, context: 'repl' })).body.result;
}

describe.each(languages)('kmirror/replay into a $name program under kmirror-dap', (lang) => {
  it('stops at the handler breakpoint with the recorded request, then reports the new answer', { timeout: 120_000 }, async () => {
    const port = await freePort('127.0.0.1');
    const file = await recordingFor(port, lang.name);
    const source = lang.name === 'go' ? join(dir, 'app/main.go') : lang.program();
    const dc = await connectClient(server.port, 60_000);
    try {
      await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
      await Promise.all([
        dc.waitForEvent('initialized').then(() => dc.setBreakpointsRequest({ source: { path: source }, breakpoints: [{ line: lang.line }] }))
          .then(() => dc.configurationDoneRequest()),
        dc.launchRequest({ type: 'kmirror', request: 'launch', program: lang.program(), debugger: lang.debugger, env: { PORT: String(port) } } as never),
      ]);
      await expect(dc.customRequest('kmirror/replay', { file, ids: ['99'] })).rejects.toThrow(/no exchange or connection "99" in the recording/);
      await expect(dc.customRequest('kmirror/replay', { file: join(dir, 'none.kmrec') })).rejects.toThrow(/cannot read recording .*none\.kmrec: no such file/);
      const stopped = dc.waitForEvent('stopped');
      const answer = await dc.customRequest('kmirror/replay', { file, ids: ['2'] });
      expect(answer.body).toEqual({ host: '127.0.0.1', port, items: [{ id: '2', label: 'GET /hello/failing-7' }], warnings: [] });
      const { threadId, reason } = (await stopped).body as { threadId: number; reason: string };
      expect(reason).toBe('breakpoint');
      const top = (await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 })).body.stackFrames[0]!;
      expect([top.source?.path, top.line]).toEqual([source, lang.line]);
      expect(await evaluate(dc, threadId, lang.path)).toContain('/hello/failing-7');
      expect(await evaluate(dc, threadId, lang.auth)).toContain('<redacted by kmirror>');
      const result = dc.waitForEvent('kmirror/replayResult');
      await dc.continueRequest({ threadId });
      expect((await result).body).toMatchObject({ id: '2', recordedStatus: 500, status: 200, match: false, differences: [expect.stringMatching(/^status 500 → 200$/), expect.stringMatching(/^body sha256:/)] });
    } finally {
      await dc.stop();
    }
  });
});

describe('kmirror/replay refusals', () => {
  it('answers with a clear error before launch', { timeout: 30_000 }, async () => {
    const dc = await connectClient(server.port);
    try {
      await dc.initializeRequest({ adapterID: 'kmirror' });
      await expect(dc.customRequest('kmirror/replay', { file: '/nonexistent.kmrec' })).rejects.toThrow(/no program is being debugged yet/);
    } finally {
      await dc.stop();
    }
  });
});
