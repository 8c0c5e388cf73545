// The CDP client against a local WebSocket peer that answers only what the test says: the write
// order that keeps Node's inspector from wedging (nothing behind a command that may pause inside,
// until the pause is reported), and deadlines that name the command.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { CdpClient } from './cdp-client.js';

interface Received { id: number; method: string }

async function peer(): Promise<{ client: CdpClient; received: Received[]; next(): Promise<Received>; socket: WebSocket; close(): Promise<void> }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  const received: Received[] = [];
  let read = 0;
  let waiter: (() => void) | undefined;
  const accepted = once(server, 'connection') as Promise<[WebSocket]>;
  const client = await CdpClient.connect(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { log() {} }, 5_000, undefined, 300);
  const [socket] = await accepted;
  socket.on('message', (d) => {
    const m = JSON.parse(d.toString()) as Received;
    received.push(m);
    waiter?.();
  });
  /** The next command the peer received (in order, none skipped). */
  const next = async (): Promise<Received> => {
    while (read >= received.length) await new Promise<void>((resolve) => { waiter = resolve; });
    return received[read++]!; // read < length
  };
  return {
    client, received, socket, next,
    close: async () => { client.close(); server.close(); },
  };
}

const answer = (socket: WebSocket, id: number, result: object = {}): void => socket.send(JSON.stringify({ id, result }));
const event = (socket: WebSocket, method: string, params: object = {}): void => socket.send(JSON.stringify({ method, params }));

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('CDP client write order', () => {
  it('writes nothing behind an evaluate of a running program until it is answered or the program pauses', async () => {
    const p = await peer();
    cleanup = p.close;
    const pause = p.client.send('Debugger.pause');
    const evaluate = p.client.send('Runtime.evaluate', { expression: '1' });
    const second = p.client.send('Debugger.pause');
    expect((await p.next()).method).toBe('Debugger.pause');
    expect((await p.next()).method).toBe('Runtime.evaluate');
    answer(p.socket, 1);
    await pause;
    // The program pauses inside the evaluate: the held pause goes out now.
    event(p.socket, 'Debugger.paused', { callFrames: [], reason: 'other' });
    expect(await p.next()).toMatchObject({ method: 'Debugger.pause', id: 3 });
    expect(p.client.isPaused).toBe(true);
    answer(p.socket, 3);
    await second;
    // Paused: an evaluate cannot pause again, so nothing waits behind it.
    // Left unanswered: failed when the test closes the client.
    p.client.send('Runtime.evaluate', { expression: '2' }).catch(() => undefined);
    p.client.send('Debugger.getScriptSource', { scriptId: '1' }).catch(() => undefined);
    expect((await p.next()).method).toBe('Runtime.evaluate');
    expect((await p.next()).method).toBe('Debugger.getScriptSource');
    // The evaluate the program paused inside is answered once it resumes.
    event(p.socket, 'Debugger.resumed');
    answer(p.socket, 2, { result: { type: 'number', value: 1 } });
    expect(await evaluate).toEqual({ result: { type: 'number', value: 1 } });
  });

  it('holds commands behind a resume until it is answered', async () => {
    const p = await peer();
    cleanup = p.close;
    event(p.socket, 'Debugger.paused', { callFrames: [], reason: 'other' });
    await new Promise((resolve) => p.client.once('Debugger.paused', resolve));
    const resumed = p.client.send('Debugger.resume');
    const evaluate = p.client.send('Runtime.evaluate', { expression: '1' });
    expect((await p.next()).method).toBe('Debugger.resume');
    // Still held: only the resume was written.
    expect(p.received.map((m) => m.method)).toEqual(['Debugger.resume']);
    answer(p.socket, 1);
    await resumed;
    expect((await p.next()).method).toBe('Runtime.evaluate');
    answer(p.socket, 2, { result: { type: 'undefined' } });
    await evaluate;
    expect(p.received.map((m) => m.method)).toEqual(['Debugger.resume', 'Runtime.evaluate']);
  });
});

describe('CDP client deadlines', () => {
  it('fails an unanswered command naming it; what waited behind it goes out then', async () => {
    const p = await peer();
    cleanup = p.close;
    const evaluate = p.client.send('Runtime.evaluate', { expression: 'while (true) {}' });
    const held = p.client.send('Debugger.setBreakpointByUrl', { url: 'file:///x.js', lineNumber: 1 }).then(() => 'answered', (e: Error) => e.message);
    expect((await p.next()).method).toBe('Runtime.evaluate');
    await expect(evaluate).rejects.toThrow(/did not answer Runtime\.evaluate within 300 ms/);
    expect((await p.next()).method).toBe('Debugger.setBreakpointByUrl');
    expect(await held).toMatch(/did not answer Debugger\.setBreakpointByUrl within 300 ms/);
  });

  it('fails every waiting command at once when closed, naming it', async () => {
    const p = await peer();
    cleanup = p.close;
    const evaluate = p.client.send('Runtime.evaluate', { expression: '1' }).then(() => 'answered', (e: Error) => e.message);
    const held = p.client.send('Debugger.pause').then(() => 'answered', (e: Error) => e.message);
    await p.next();
    p.client.close();
    expect(await evaluate).toMatch(/closed before it answered Runtime\.evaluate/);
    expect(await held).toMatch(/closed before it answered Debugger\.pause/);
    await expect(p.client.send('Debugger.resume')).rejects.toThrow(/connection is closed \(Debugger\.resume\)/);
  });
});
