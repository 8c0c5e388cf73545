// The headless CLI (`kmirror-dap run --attach ... --count N --json`) driven the way a user's traffic drives it:
// requests to the attached service go on until it exits (until the breakpoint is placed they pass; the one it
// catches is answered after the detach). Shared by the integration and e2e tests of remote attach.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** One JSON line the CLI printed (`hit`, `snapshot`, ...). */
export interface HeadlessEvent {
  event: string;
  file?: string;
  path?: string;
  seq?: number;
  values?: Record<string, string>;
  scopes?: Array<{ name: string; variables: Array<{ name: string; value: string }> }>;
}

/**
 * Runs `node bundle ...args` in `cwd`, awaiting `poke()` then `pauseMs` in a loop until it exits; returns its exit
 * code and the JSON lines it printed. It is killed when a poke fails.
 */
export async function runWhilePoking(bundle: string, args: string[], cwd: string, poke: () => Promise<unknown>, pauseMs: number): Promise<{ code: number | null; events: HeadlessEvent[] }> {
  const run = spawn(process.execPath, [bundle, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  run.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = once(run, 'exit') as Promise<[number | null]>;
  try {
    let done = false;
    void exited.then(() => { done = true; });
    while (!done) {
      await poke();
      await new Promise((r) => setTimeout(r, pauseMs));
    }
    const [code] = await exited;
    const events = out.split('\n').filter(Boolean).map((l) => {
      try { return JSON.parse(l) as HeadlessEvent; } catch { throw new Error(`kmirror-dap ${args[0]} (exit code ${code}) printed a line that is not JSON: ${l}`); }
    });
    return { code, events };
  } finally {
    run.kill('SIGKILL');
  }
}
