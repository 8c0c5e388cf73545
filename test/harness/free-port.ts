// A port the kernel picks, for a program that must be told its port up front (it cannot report
// one it picked itself). Tests never use fixed host ports: parallel runs would collide.
import { createServer } from 'node:net';

/** A TCP port free on all addresses right now (bound to 0.0.0.0:0, then released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '0.0.0.0', resolve);
  });
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
