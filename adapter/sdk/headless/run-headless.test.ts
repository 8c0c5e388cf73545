// runHeadless's decisions (exit codes, what is printed where) against a scripted stand-in session:
// pure orchestration logic; the real-debugger paths are in adapter/sdk/test/*.int.test.ts.
import { describe, expect, it } from 'vitest';
import type { DebugSession, DebugSessionOptions, SessionEnd, Stop } from '../api/types.js';
import { parseRunArgs, type RunOptions } from './run-args.js';
import { runHeadless } from './run-headless.js';
import { captureOutput } from '../test/captured-output.js';

interface Seen {
  launch?: DebugSessionOptions;
  closed: number;
  custom: { command: string; args?: unknown }[];
}

interface Script {
  stops: Array<Partial<Stop> & { values?: Record<string, string> }>;
  end: SessionEnd;
  /** Never end by itself (for --timeout and interrupt). */
  hang?: boolean;
  unverified?: boolean;
}

function fakeSession(script: Script, seen: Seen) {
  return async (opts: DebugSessionOptions): Promise<DebugSession> => {
    seen.launch = opts;
    let resolveEnd!: (e: SessionEnd) => void;
    const ended = new Promise<SessionEnd>((r) => (resolveEnd = r));
    const session: DebugSession = {
      breakpoints: (opts.breakpoints ?? []).map((spec) => ({ spec, verified: !script.unverified, message: script.unverified ? 'pending' : undefined })),
      ended,
      async *stops() {
        for (const s of script.stops) {
          yield {
            reason: s.reason ?? 'breakpoint', threadId: 1, frameId: 1, function: 'f', file: '/w/app.py', line: 3, breakpoints: [],
            evaluate: async (e: string) => {
              const v = s.values?.[e];
              if (v === undefined) throw new Error(`DAP evaluate: name '${e}' is not defined`);
              return v;
            },
            continue: async () => {},
          };
        }
        if (script.hang) await ended;
        else resolveEnd(script.end);
      },
      [Symbol.asyncIterator]() { return this.stops(); },
      async customRequest(command: string, args?: unknown) {
        seen.custom.push({ command, args });
        return { host: '127.0.0.1', port: 8080, items: [{ id: '3', label: 'GET /x' }], warnings: [] };
      },
      async close() {
        seen.closed++;
        resolveEnd({ reason: 'closed' });
        return ended;
      },
    };
    return session;
  };
}

async function go(args: string[], script: Script, interrupted?: Promise<void>) {
  const io = captureOutput();
  const seen: Seen = { closed: 0, custom: [] };
  const opts = parseRunArgs(['--target', 'pod/web', '--cwd', '/w', ...args, '--', 'python3', 'app.py']) as RunOptions;
  const code = await runHeadless(opts, { stdout: io.stdout, stderr: io.stderr, interrupted, debugSession: fakeSession(script, seen) });
  return { code, out: io.out(), err: io.err(), seen };
}

describe('runHeadless', () => {
  it('sends the launch the flags describe', async () => {
    const r = await go(['--break', 'app.py:3', '--when', 'x > 1', '--print', 'x', '--env', 'A=1', '--config', 'k.json'],
      { stops: [], end: { reason: 'exited', exitCode: 0 } });
    expect(r.seen.launch?.launch).toEqual({
      request: 'launch', name: 'kmirror-dap run', target: 'pod/web', configFile: 'k.json', debugger: 'python', program: 'app.py',
      args: [], cwd: '/w', env: { A: '1' }, console: 'internalConsole',
    });
    expect(r.seen.launch?.breakpoints).toEqual([{ file: 'app.py', line: 3, condition: 'x > 1' }]);
  });

  it('skips non-breakpoint stops (reporting them), counts hits, warns about unverified breakpoints', async () => {
    const r = await go(['--break', 'app.py:3', '--print', 'x'], {
      unverified: true,
      stops: [{ reason: 'entry' }, { reason: 'exception' }, { values: { x: '1' } }, { reason: 'pause' }, { values: { x: '2' } }],
      end: { reason: 'exited', exitCode: 5 },
    });
    expect(r.out).toBe('hit 1 at app.py:3 in f\n  x = 1\nhit 2 at app.py:3 in f\n  x = 2\n');
    expect(r.err).toContain('breakpoint app.py:3 not verified yet: pending');
    expect(r.err).toContain('stopped (exception) at /w/app.py:3; continuing');
    expect(r.err).not.toContain('(entry)');
    expect(r.err).toContain('program exited with code 5 after 2 hits');
    expect(r.code).toBe(5);
  });

  it('exits 130 when interrupted and closes the session', async () => {
    let interrupt!: () => void;
    const interrupted = new Promise<void>((r) => (interrupt = r));
    const run = go(['--json', '--break', 'app.py:3', '--print', 'x'], { stops: [], end: { reason: 'exited', exitCode: 0 }, hang: true }, interrupted);
    interrupt();
    const r = await run;
    expect(r.code).toBe(130);
    expect(JSON.parse(r.out)).toEqual({ event: 'end', reason: 'interrupted', exitCode: 130, hits: 0 });
    expect(r.seen.closed).toBeGreaterThan(0);
  });

  it('a session that ends without an exit code: 0 when terminated, 1 with the error when the adapter died', async () => {
    expect((await go(['--break', 'app.py:3', '--print', 'x'], { stops: [], end: { reason: 'terminated' } })).code).toBe(0);
    const r = await go(['--json', '--break', 'app.py:3', '--print', 'x'], { stops: [], end: { reason: 'closed', error: 'the debug adapter exited\nboom' } });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ event: 'end', reason: 'error', message: 'the debug session failed: the debug adapter exited\nboom' });
    expect(r.err).toContain('boom');
  });

  it('--replay FILE#IDS asks kmirror-dap to replay those recorded requests once the program runs', async () => {
    const r = await go(['--break', 'app.py:3', '--print', 'x', '--replay', '/rec/failing.kmrec#3,c2'], { stops: [{ values: { x: '1' } }], end: { reason: 'exited', exitCode: 0 } });
    expect(r.seen.custom).toEqual([{ command: 'kmirror/replay', args: { file: '/rec/failing.kmrec', ids: ['3', 'c2'] } }]);
    expect(r.err).toContain('kmirror-dap run: replaying 3 (GET /x) into 127.0.0.1:8080');
    expect(r.out).toContain('hit 1 at app.py:3');
  });
});
