// A port the kernel picks, for a program that must be told its port up front (it cannot report
// one it picked itself). Tests never use fixed host ports: parallel runs would collide.
import { createServer } from 'node:net';

/** A TCP port free on `host` (all addresses unless told) right now (bound to port 0 there, then released). */
export async function freePort(host = '0.0.0.0'): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, host, resolve);
  });
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
