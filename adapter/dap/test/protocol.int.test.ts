// Bad input and failures through a raw DAP client: every case gets an error response (or a
// console message for frames that carry no request), nothing hangs, and the adapter stays usable.
import { readFileSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { breakLine, useFixturesAndServer } from './harness.js';
import { RawClient } from './raw-client.js';

const ctx = useFixturesAndServer();

async function initialized(): Promise<RawClient> {
  const c = await RawClient.connect(ctx.server.port);
  const r = await c.request('initialize', { adapterID: 'kmirror' });
  expect(r.success).toBe(true);
  return c;
}

function errorOf(r: { success?: boolean; message?: string }): string {
  expect(r.success).toBe(false);
  return r.message ?? '';
}

describe('kmirror-dap protocol errors', () => {
  it('reports malformed frames and keeps serving', { timeout: 20_000 }, async () => {
    const c = await RawClient.connect(ctx.server.port);
    c.writeRaw('Garbage-Header: 1\r\n\r\n');
    c.writeRaw('Content-Length: 9\r\n\r\n{not json');
    const note = await c.waitEvent('output');
    expect(note.body?.output).toMatch(/ignored malformed message/);
    expect(c.received.filter((m) => m.event === 'output')).toHaveLength(2);
    c.sendMessage({ seq: 7, type: 'request' });
    const bad = await c.waitFor((m) => m.type === 'response' && m.request_seq === 7, 5_000, 'response to a request without command');
    expect(errorOf(bad)).toMatch(/malformed DAP message/);
    expect((await c.request('initialize', { adapterID: 'kmirror' })).success).toBe(true);
    c.close();
  });

  it('answers unknown commands and requests in the wrong state', { timeout: 20_000 }, async () => {
    const c = await RawClient.connect(ctx.server.port);
    expect(errorOf(await c.request('stackTrace', { threadId: 1 }))).toMatch(/send initialize first/);
    expect(errorOf(await c.request('fooBar', {}))).toBe('unsupported request: fooBar');
    await c.request('initialize', { adapterID: 'kmirror' });
    expect(errorOf(await c.request('initialize', { adapterID: 'kmirror' }))).toMatch(/already sent/);
    expect(errorOf(await c.request('threads'))).toMatch(/send launch or attach first/);
    expect(errorOf(await c.request('launch', 'not an object'))).toMatch(/arguments must be an object/);
    c.close();
  });

  it('names the bad launch field', { timeout: 20_000 }, async () => {
    const c = await initialized();
    expect(errorOf(await c.request('launch', {}))).toMatch(/field "program" is required/);
    expect(errorOf(await c.request('launch', { program: ctx.fx.jsSource, args: 'x' }))).toMatch(/field "args": expected an array of strings/);
    expect(errorOf(await c.request('launch', { program: ctx.fx.jsSource, debugger: 'ruby' }))).toMatch(/field "debugger": expected one of go, python, node, lldb, dotnet/);
    expect(errorOf(await c.request('launch', { program: ctx.fx.jsSource, debugger: 'python' }))).toMatch(/field "debugger": "python" cannot debug .*app\.js \(it is a node program\)/);
    expect(errorOf(await c.request('launch', { program: `${ctx.fx.dir}/README` }))).toMatch(/set field "debugger"/);
    expect(errorOf(await c.request('attach', {}))).toMatch(/needs field "processId"/);
    expect(errorOf(await c.request('launch', { program: ctx.fx.jsSource, kmirror: { feature: { fs: { mode: 'sideways' } } } }))).toMatch(/feature\.fs\.mode/);
    // still usable after all those
    expect(errorOf(await c.request('threads'))).toMatch(/launch or attach first/);
    c.close();
  });

  it('names a missing debugger and how to install it', { timeout: 20_000 }, async () => {
    const c = await initialized();
    const msg = errorOf(await c.request('launch', { program: ctx.fx.goBinary, debuggerPath: '/nonexistent/dlv' }));
    expect(msg).toMatch(/Go debugger "dlv" not found .*\/nonexistent\/dlv.*go install github.com\/go-delve\/delve\/cmd\/dlv/);
    const lldb = errorOf(await c.request('launch', { program: ctx.fx.cBinary, debuggerPath: '/nonexistent/lldb-dap' }));
    expect(lldb).toMatch(/LLDB debug adapter .* not found.*apt-get install lldb-15/);
    const net = errorOf(await c.request('launch', { program: `${ctx.fx.dir}/app.dll` }));
    expect(net).toMatch(/netcoredbg.*not found.*github.com\/Samsung\/netcoredbg/);
    c.close();
  });

  it('fails within a bounded time when the target is unreachable', { timeout: 30_000 }, async () => {
    const c = await initialized();
    // The request's own 20 s bound fails the test if the launch hangs; how fast it fails is not asserted.
    const msg = errorOf(await c.request('launch', { program: ctx.fx.jsSource, target: 'pid/999999999', targetTimeoutMs: 5_000 }, 20_000));
    expect(msg).toMatch(/cannot reach target pid\/999999999/);
    c.close();
  });

  it('reports a debugger crash as exited + terminated and keeps serving', { timeout: 60_000 }, async () => {
    const c = await initialized();
    const line = breakLine(ctx.fx.goSource);
    const launched = c.request('launch', { program: ctx.fx.goBinary });
    await c.waitEvent('initialized');
    await c.request('setBreakpoints', { source: { path: ctx.fx.goSource }, breakpoints: [{ line }] });
    await c.request('configurationDone');
    expect((await launched).success).toBe(true);
    await c.waitEvent('stopped');
    const dlv = childrenRunning('dlv');
    expect(dlv.length).toBeGreaterThan(0);
    for (const pid of dlv) process.kill(pid, 'SIGKILL');
    await c.waitEvent('exited', 10_000);
    await c.waitEvent('terminated', 10_000);
    expect(errorOf(await c.request('threads'))).toMatch(/ended/);
    expect((await c.request('disconnect')).success).toBe(true);
    c.close();
    // the server still accepts sessions
    const again = await initialized();
    again.close();
  });
});

/** Pids of this process's descendants whose executable is named `name`. */
function childrenRunning(name: string): number[] {
  const out: number[] = [];
  const queue = [process.pid];
  while (queue.length) {
    const pid = queue.shift()!; // non-empty: loop condition
    let children: number[] = [];
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch { /* process gone */ }
    for (const child of children) {
      try {
        if (readlinkSync(`/proc/${child}/exe`).endsWith(`/${name}`)) out.push(child);
      } catch { /* gone */ }
      queue.push(child);
    }
  }
  return out;
}
