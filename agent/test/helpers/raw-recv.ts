// Readers outside Node (python3 recv()) for the data-integrity and agent-death tests: Node's stream reports a
// reset that follows a partial read as a clean end (libuv short-circuits POLLHUP to EOF), so only a plain recv()
// loop tells the RST of a dying agent from the FIN of an orderly end. One loop, two ends: a client that connects
// and sends a request (rawReceiver), or a server in a test namespace that accepts one connection (rawSinkServer).
// Each reads to the end and reports what it got (length, sha256, 'end' or 'ECONNRESET').
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestNetns } from '#test/harness/netns.js';
import type { Received } from './integrity.js';

// argv: listen SKIP | connect SKIP HOST PORT REQUEST_HEX. The first SKIP bytes read are not counted.
const READER = `
import hashlib, json, socket, sys
mode, skip = sys.argv[1], int(sys.argv[2])
if mode == 'listen':
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(('0.0.0.0', 0)); srv.listen(1)
    print('ready', srv.getsockname()[1], flush=True)
    s, _ = srv.accept()
else:
    s = socket.create_connection((sys.argv[3], int(sys.argv[4])))
    s.sendall(bytes.fromhex(sys.argv[5]))
h, n, told, how = hashlib.sha256(), 0, False, 'end'
while True:
    try:
        b = s.recv(65536)
    except ConnectionResetError:
        how = 'ECONNRESET'; break
    if not b: break
    if skip:
        k = min(skip, len(b)); skip -= k; b = b[k:]
    h.update(b); n += len(b)
    if n >= 1 << 20 and not told:
        told = True; print('1MiB', flush=True)
print(json.dumps({'length': n, 'sha': h.hexdigest() if how == 'end' else '', 'how': how}), flush=True)
`;

export interface RawRead { midway: Promise<void>; received: Promise<Received> }
export interface RawSink extends RawRead { port: number }

/** `midway` resolves after 1 MiB, `received` with the reader's report when it exits. */
function watch(child: ChildProcess, what: string, onOutput: (out: string) => void = () => undefined): RawRead {
  let out = '';
  let midway!: () => void;
  const mid = new Promise<void>((resolve) => { midway = resolve; });
  const received = new Promise<Received>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      onOutput(out);
      if (out.includes('1MiB')) midway();
    });
    child.once('exit', () => {
      const last = out.trim().split('\n').pop() ?? '';
      try { resolve(JSON.parse(last) as Received); } catch { reject(new Error(`${what}: ${out}`)); }
    });
  });
  return { midway: mid, received };
}

/** Connects to `host`:`port`, sends `request` and reads to the end, not counting the first `skip` bytes. */
export function rawReceiver(host: string, port: number, request: Buffer, skip = 0): RawRead {
  const child = spawn('python3', ['-c', READER, 'connect', String(skip), host, String(port), request.toString('hex')], { stdio: ['ignore', 'pipe', 'inherit'] });
  return watch(child, 'raw receiver');
}

/** A server in `ns` on a kernel-picked port that accepts one connection and reads it to the end. */
export async function rawSinkServer(ns: TestNetns): Promise<RawSink> {
  const child = ns.spawn('python3', ['-c', READER, 'listen', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let ready!: (port: number) => void;
  let output = '';
  const port = new Promise<number>((resolve, reject) => {
    ready = resolve;
    child.once('exit', (code) => reject(new Error(`raw sink server exited (${code}): ${output}`)));
  });
  const read = watch(child, 'raw sink server', (out) => {
    output = out;
    const m = /ready (\d+)/.exec(out);
    if (m) ready(Number(m[1]));
  });
  try {
    return { port: await port, ...read };
  } catch (err) {
    read.received.catch(() => undefined); // the exit is the failure to report
    throw err;
  }
}
