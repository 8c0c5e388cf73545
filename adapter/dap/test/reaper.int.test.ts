// kmirror-reaper on its own, driven by a stand-in owner process that speaks its protocol: when the
// owner is SIGKILLed, every process it owns ends with its descendants, also one that left the
// session (setsid) and one that is stopped; a process the owner forgot (`-PID`) is left alone.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { descendants, killLeftovers, processInfo, waitGone } from './process-tree.js';

const REAPER = join(fileURLToPath(new URL('../../../', import.meta.url)), 'build/reaper/kmirror-reaper');

// The owner: starts the reaper and two process trees, owns one, owns and then forgets the other.
const OWNER = `
const { spawn } = require('node:child_process');
const reaper = spawn(process.env.REAPER, [], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
const tree = spawn('sh', ['-c', 'sleep 1000 & setsid sleep 1001 & (sleep 1002 & wait) & sleep 1003 & s=$!; until grep -q ^sleep /proc/$s/comm; do :; done; kill -STOP $s; wait'], { detached: true, stdio: 'ignore' });
const forgotten = spawn('sleep', ['1004'], { detached: true, stdio: 'ignore' });
reaper.stdin.write('+' + tree.pid + '\\n+' + forgotten.pid + '\\n-' + forgotten.pid + '\\n');
console.log(JSON.stringify({ reaper: reaper.pid, tree: tree.pid, forgotten: forgotten.pid }));
setInterval(() => {}, 1000);
`;

let leftovers: number[] = [];
beforeAll(() => {
  if (!existsSync(REAPER)) throw new Error(`build first (bash scripts/build.sh): missing ${REAPER}`);
});
afterEach(() => {
  killLeftovers(leftovers);
  leftovers = [];
});

it('ends the owned processes, their descendants and session when the owner is SIGKILLed', { timeout: 30_000 }, async () => {
  const owner = spawn(process.execPath, ['-e', OWNER], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, REAPER } });
  const [line] = (await once(createInterface({ input: owner.stdout! }), 'line')) as [string];
  const pids = JSON.parse(line) as { reaper: number; tree: number; forgotten: number };
  leftovers = [owner.pid!, pids.reaper, pids.tree, pids.forgotten];
  // Wait (bounded) until the shell has started its four sleeps.
  const deadline = Date.now() + 10_000;
  let tree = descendants(pids.tree);
  while (tree.filter((p) => p.cmdline.startsWith('sleep')).length < 4 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    tree = descendants(pids.tree);
  }
  leftovers.push(...tree.map((p) => p.pid));
  expect(tree.map((p) => p.cmdline)).toEqual(expect.arrayContaining(['sleep 1000', 'sleep 1001', 'sleep 1002', 'sleep 1003']));

  owner.kill('SIGKILL');
  expect(await waitGone([pids.tree, ...tree.map((p) => p.pid), pids.reaper], 10_000)).toEqual([]);
  expect(processInfo(pids.forgotten)?.cmdline).toBe('sleep 1004');
});
