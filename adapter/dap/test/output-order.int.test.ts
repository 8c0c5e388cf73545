// Every output of the program reaches the client before `exited` and `terminated`. A program that
// prints as it exits (Go: the last Printf before main returns; Python: an atexit handler; Node:
// process.on('exit')) is run 50 times per backend; the last line must be in the output events that
// came before the first `exited`/`terminated`, without a target and with a `pid/N` target in a fresh
// network namespace (the program then runs under the layer and kmirror-dap reads its output itself).
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DapClient } from '#sdk/api/dap-client.js';
import { startServer, type TestServer } from './harness.js';
import { createNetns, requireRoot, spawnSleepTarget, type TestNetns } from '#test/harness/netns.js';

const RUNS = 50;
const dir = mkdtempSync(join(tmpdir(), 'kmirror-output-order-'));
let server: TestServer;
let ns: TestNetns;
let target: string;

const programs = {
  go: `package main

import "fmt"

func main() {
	for i := 0; i < 20; i++ {
		fmt.Printf("line %d\\n", i)
	}
	fmt.Printf("LAST-LINE\\n")
}
`,
  python: `import atexit
atexit.register(lambda: print("LAST-LINE", flush=True))
for i in range(20):
    print(f"line {i}", flush=True)
`,
  node: `process.on('exit', () => process.stdout.write('LAST-LINE\\n'));
for (let i = 0; i < 20; i++) console.log('line ' + i);
`,
};

beforeAll(async () => {
  mkdirSync(join(dir, 'go'));
  writeFileSync(join(dir, 'go/main.go'), programs.go);
  writeFileSync(join(dir, 'go/go.mod'), 'module lastline\n\ngo 1.21\n');
  execFileSync('go', ['build', '-o', 'app', '.'], { cwd: join(dir, 'go'), stdio: 'pipe' });
  writeFileSync(join(dir, 'app.py'), programs.python);
  writeFileSync(join(dir, 'app.js'), programs.node);
  server = await startServer();
  // With a target, kmirror-dap reads the program's output itself while the debugger reports the exit.
  requireRoot();
  ns = createNetns();
  target = `pid/${await spawnSleepTarget(ns, {})}`;
}, 120_000);
afterAll(async () => {
  await server?.close();
  ns?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** One session without breakpoints; resolves with the event names (outputs as `output:<text>`) up to `terminated`. */
async function runOnce(program: string, withTarget: boolean): Promise<string[]> {
  const socket = connect({ host: '127.0.0.1', port: server.port });
  await once(socket, 'connect');
  const client = new DapClient(socket, socket, { requestTimeoutMs: 30_000 });
  const seen: string[] = [];
  const terminated = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no terminated within 30 s: ${seen.join(' | ')}`)), 30_000);
    client.on('event', (e: DebugProtocol.Event) => {
      seen.push(e.event === 'output' ? `output:${String((e.body as { output?: string }).output)}` : e.event);
      if (e.event === 'terminated') { clearTimeout(timer); resolve(); }
    });
  });
  try {
    await client.request('initialize', { adapterID: 'kmirror', clientID: 'output-order' });
    const initialized = new Promise<void>((resolve) => client.on('event', (e: DebugProtocol.Event) => { if (e.event === 'initialized') resolve(); }));
    const launched = client.request('launch', { type: 'kmirror', request: 'launch', program, cwd: dir, ...(withTarget ? { target } : {}) });
    await Promise.race([initialized, launched]);
    await client.request('configurationDone', {});
    await launched;
    await terminated;
    await client.request('disconnect', {}).catch(() => undefined); // the session may already be over
    return seen;
  } finally {
    socket.destroy();
  }
}

describe.each([
  { name: 'go (dlv)', program: () => join(dir, 'go/app'), withTarget: false },
  { name: 'go (dlv) with a pid/N target', program: () => join(dir, 'go/app'), withTarget: true },
  { name: 'python (debugpy)', program: () => join(dir, 'app.py'), withTarget: false },
  { name: 'python (debugpy) with a pid/N target', program: () => join(dir, 'app.py'), withTarget: true },
  { name: 'node (bridge)', program: () => join(dir, 'app.js'), withTarget: false },
])('$name', (c) => {
  it(`the last output comes before exited/terminated in ${RUNS} runs`, { timeout: RUNS * 8_000 }, async () => {
    const late: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      const seen = await runOnce(c.program(), c.withTarget);
      const end = seen.findIndex((e) => e === 'exited' || e === 'terminated');
      const before = seen.slice(0, end).filter((e) => e.startsWith('output:')).join('');
      if (!before.includes('LAST-LINE')) late.push(`run ${run}: ${seen.join(' | ')}`);
    }
    expect(late).toEqual([]);
  });
});
