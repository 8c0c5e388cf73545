// Regression #21 (items 1 and 4): hostile input to a real kmirror-dap process — the bundle, as
// editors run it — on stdio and on --port. A frame nested 5,000 levels deep once ended the process
// (a debug log line stringified it even with logging off), and a seq of ±1e400 was answered with
// `request_seq: null`. Each input now gets an answer (an error response, or an `output` event when
// the frame carries no request), debug logging stays bounded, and the process keeps serving: the
// same client, a client already connected, and a new one.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleKmirrorDap } from './bundle.js';
import { RawClient } from './raw-client.js';

function frame(json: string): string {
  return `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
}

/** The reported input: no seq, no initialize, just nesting. */
const DEEP_ARRAY = `Content-Length: 10000\r\n\r\n${'['.repeat(5000)}${']'.repeat(5000)}`;
const infiniteSeq = (sign: '' | '-'): string => frame(`{"seq":${sign}1e400,"type":"request","command":"initialize","arguments":{"adapterID":"kmirror"}}`);
const deepLaunch = (seq: number): string =>
  frame(`{"seq":${seq},"type":"request","command":"launch","arguments":{"program":"/nonexistent/app.js","args":${'['.repeat(5000)}${']'.repeat(5000)}}}`);
/** Within the nesting limit but large: the validation message quotes it, bounded. */
const bulkyLaunch = (seq: number): string =>
  frame(`{"seq":${seq},"type":"request","command":"launch","arguments":{"program":"/nonexistent/app.js","args":[${'['.repeat(100)}${']'.repeat(100)},"${'y'.repeat(100_000)}"]}}`);

let bundle: string;
let work: string;
beforeAll(async () => {
  bundle = await bundleKmirrorDap();
  work = mkdtempSync(join(tmpdir(), 'kmirror-dap-hostile-'));
});
afterAll(() => {
  if (bundle) rmSync(dirname(bundle), { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

function startAdapter(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [bundle, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await once(child, 'exit');
}

/** Sends each hostile input and checks its answer. */
async function sendHostileInputs(c: RawClient): Promise<void> {
  c.writeRaw(DEEP_ARRAY);
  const note = await c.waitEvent('output', 10_000);
  expect(note.body?.output).toBe('kmirror-dap: ignored malformed message (frame nested deeper than 128 levels)\n');
  for (const sign of ['', '-'] as const) {
    c.writeRaw(infiniteSeq(sign));
    const r = await c.waitFor((m) => m.type === 'response' && m.command === 'initialize', 10_000, `the answer to seq ${sign}1e400`);
    expect(r).toMatchObject({ request_seq: 0, success: false });
    expect(r.message).toBe(`malformed DAP message: "seq" must be an integer (at most 2^53-1 in size), got ${sign}Infinity`);
  }
  c.writeRaw(deepLaunch(41));
  const deep = await c.waitFor((m) => m.type === 'response' && m.request_seq === 41, 10_000, 'the answer to a deeply nested launch');
  expect(deep).toMatchObject({ command: 'launch', success: false, message: 'malformed DAP message: frame nested deeper than 128 levels' });
}

/** After initialize: a launch whose bad field is huge is refused with a short message. */
async function checkBoundedValidationMessage(c: RawClient): Promise<void> {
  c.writeRaw(bulkyLaunch(42));
  const r = await c.waitFor((m) => m.type === 'response' && m.request_seq === 42, 10_000, 'the answer to a bulky launch');
  expect(r.success).toBe(false);
  expect(r.message).toMatch(/^invalid launch configuration field "args": expected an array of strings, got \[\[\[/);
  expect(r.message!.length).toBeLessThan(400);
}

describe('regression #21: hostile frames to a kmirror-dap process', () => {
  it('on stdio: answers each one and the session goes on', { timeout: 60_000 }, async () => {
    const log = join(work, 'stdio.log');
    const child = startAdapter(['--log', log, '--log-level', 'debug']);
    try {
      const c = RawClient.overStdio(child);
      await sendHostileInputs(c);
      expect((await c.request('initialize', { adapterID: 'kmirror' })).success).toBe(true);
      await checkBoundedValidationMessage(c);
      expect((await c.request('threads')).message).toMatch(/launch or attach first/);
      expect(child.exitCode).toBeNull();
      c.close(); // end of stdin ends the stdio session and the process
      await once(child, 'exit');
      const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
      expect(lines.some((l) => l.includes('frame nested deeper than 128 levels'))).toBe(true);
      // The 100 kB launch request is logged at debug level, clipped.
      expect(lines.some((l) => l.includes('"tag":"dap.receive"') && l.includes('more characters'))).toBe(true);
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(70_000);
    } finally {
      await stop(child);
    }
  });

  it('on --port: one client\'s hostile frames end no session, its own included', { timeout: 60_000 }, async () => {
    const child = startAdapter(['--port', '0', '--log', join(work, 'port.log'), '--log-level', 'debug']);
    const clients: RawClient[] = [];
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => { const m = /listening on 127\.0\.0\.1:(\d+)/.exec(d.toString()); if (m) resolve(Number(m[1])); });
        child.once('exit', (code) => reject(new Error(`kmirror-dap exited ${code}`)));
      });
      const bystander = await RawClient.connect(port);
      const hostile = await RawClient.connect(port);
      clients.push(bystander, hostile);
      expect((await bystander.request('initialize', { adapterID: 'kmirror' })).success).toBe(true);
      await sendHostileInputs(hostile);
      expect((await bystander.request('threads')).message).toMatch(/launch or attach first/);
      expect((await hostile.request('initialize', { adapterID: 'kmirror' })).success).toBe(true);
      await checkBoundedValidationMessage(hostile);
      const next = await RawClient.connect(port);
      clients.push(next);
      expect((await next.request('initialize', { adapterID: 'kmirror' })).success).toBe(true);
      expect(bystander.closed || hostile.closed || next.closed).toBe(false);
      expect(child.exitCode).toBeNull();
    } finally {
      for (const c of clients) c.close();
      await stop(child);
    }
  });
});
