// A target-side server outside Node (python3 recv() in the test namespace) for the agent-death
// tests: Node reports a reset that follows a partial read as a clean end, so only a plain recv()
// loop tells the RST of a dying agent from the FIN of an orderly one. It accepts one connection,
// reads it to its end and reports what it got (length, sha256, 'end' or 'ECONNRESET').
import type { TestNetns } from '#test/harness/netns.js';
import type { Received } from './integrity.js';

const SERVER = `
import hashlib, json, socket, sys
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(('0.0.0.0', 0)); srv.listen(1)
print('ready', srv.getsockname()[1], flush=True)
s, _ = srv.accept()
h, n, told, how = hashlib.sha256(), 0, False, 'end'
while True:
    try:
        b = s.recv(65536)
    except ConnectionResetError:
        how = 'ECONNRESET'; break
    if not b: break
    h.update(b); n += len(b)
    if n >= 1 << 20 and not told:
        told = True; print('1MiB', flush=True)
print(json.dumps({'length': n, 'sha': h.hexdigest() if how == 'end' else '', 'how': how}), flush=True)
`;

export interface RawSink { port: number; midway: Promise<void>; received: Promise<Received> }

/** Starts the server in `ns`; `midway` resolves after 1 MiB, `received` when the connection ended. */
export async function rawSinkServer(ns: TestNetns): Promise<RawSink> {
  const child = ns.spawn('python3', ['-c', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let midway!: () => void;
  let ready!: (port: number) => void;
  const mid = new Promise<void>((resolve) => { midway = resolve; });
  const port = new Promise<number>((resolve, reject) => { ready = resolve; child.once('exit', (code) => reject(new Error(`raw sink server exited (${code}): ${out}`))); });
  const received = new Promise<Received>((resolve, reject) => {
    child.once('exit', () => {
      const last = out.trim().split('\n').pop() ?? '';
      try { resolve(JSON.parse(last) as Received); } catch { reject(new Error(`raw sink server: ${out}`)); }
    });
  });
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /ready (\d+)/.exec(out);
    if (m) ready(Number(m[1]));
    if (out.includes('1MiB')) midway();
  });
  return { port: await port, midway: mid, received };
}
