// A target process in a test namespace, prepared by a shell snippet (mounts in its own mount
// namespace, files, env): resolves with its pid once the snippet has run.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { TestNetns } from '#test/harness/netns.js';

export async function startTarget(ns: TestNetns, setup: string, env: Record<string, string> = {}): Promise<number> {
  const envArgs = Object.entries(env).map(([k, v]) => `${k}='${v.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = ns.spawn('sh', ['-c', `${setup} && echo ready && exec env ${envArgs} sleep 3600`]);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const ready = new Promise<void>((resolve) => createInterface({ input: child.stdout! }).on('line', (l) => { if (l === 'ready') resolve(); }));
  const failed = once(child, 'exit').then(([code]) => { throw new Error(`target setup exited (${code}): ${err}`); });
  await Promise.race([ready, failed]);
  return child.pid!;
}
