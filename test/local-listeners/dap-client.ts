// A minimal DAP client run as another user by same-user.int.test.ts: initialize → launch (debugpy,
// a program given on the command line) → configurationDone → wait for `terminated`.
// Exit codes: 0 terminated, 3 closed before any response, 4 timed out, 5 connect error.
//   node dap-client.mjs [HOST]:PORT|unix:PATH PROGRAM
import { connect, type Socket } from 'node:net';

const [address = '', program = ''] = process.argv.slice(2);
const socket: Socket = address.startsWith('unix:')
  ? connect(address.slice(5))
  : connect({ host: /^\[(.*)\]:/.exec(address)?.[1] ?? '127.0.0.1', port: Number(address.slice(address.lastIndexOf(':') + 1)) });
let seq = 1;
let responses = 0;
let buffer = Buffer.alloc(0);
const send = (command: string, args: unknown): void => {
  const body = JSON.stringify({ seq: seq++, type: 'request', command, arguments: args });
  socket.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
};
const finish = (code: number, line: string): void => { process.stdout.write(`${line}\n`); process.exit(code); };
setTimeout(() => finish(4, 'timed out'), 30_000).unref();
socket.on('error', (e) => finish(5, `connect error: ${e.message}`));
socket.on('close', () => finish(responses === 0 ? 3 : 6, responses === 0 ? 'closed before any response' : 'closed'));
socket.on('connect', () => send('initialize', { adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' }));
socket.on('data', (d: Buffer) => {
  buffer = Buffer.concat([buffer, d]);
  for (;;) {
    const head = buffer.indexOf('\r\n\r\n');
    if (head < 0) return;
    const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, head).toString())?.[1]);
    if (buffer.length < head + 4 + length) return;
    const msg = JSON.parse(buffer.subarray(head + 4, head + 4 + length).toString()) as { type: string; command?: string; event?: string };
    buffer = buffer.subarray(head + 4 + length);
    if (msg.type === 'response') responses++;
    if (msg.type === 'response' && msg.command === 'initialize') {
      send('launch', { type: 'kmirror', request: 'launch', name: 'marker', debugger: 'python', program, console: 'internalConsole' });
    }
    if (msg.type === 'event' && msg.event === 'initialized') send('configurationDone', {});
    if (msg.type === 'event' && msg.event === 'terminated') {
      send('disconnect', {});
      finish(0, 'terminated');
    }
  }
});
