// `kmirror-dap run`'s loop (runHeadless) against a real debugger — the debugpy adapter, spawned on
// stdio the way the CLI spawns kmirror-dap: printed values, --json lines, --count, --timeout, exit codes.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseRunArgs, type RunOptions } from '../headless/run-args.js';
import { runHeadless } from '../headless/run-headless.js';
import { captureOutput } from './captured-output.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const debugpyAdapter = { command: '/usr/bin/python3', args: ['-m', 'debugpy.adapter'] };

async function run(args: string[], adapter: { command: string; args?: string[] } = debugpyAdapter) {
  const io = captureOutput();
  const opts = parseRunArgs(['--target', 'pid/1', '--cwd', fixtures, ...args]) as RunOptions;
  const code = await runHeadless(opts, { stdout: io.stdout, stderr: io.stderr, adapter });
  return { code, out: io.out(), err: io.err() };
}

describe('runHeadless against the debugpy adapter', () => {
  it('prints the values at each hit and exits with the program exit code', async () => {
    const r = await run(['--break', 'loop.py:7', '--print', 'item["square"]', '--print', 'i', '--', 'python3', 'loop.py']);
    expect(r.out).toContain('hit 1 at loop.py:7 in <module>\n  item["square"] = 0\n  i = 0\n');
    expect(r.out).toContain('hit 3 at loop.py:7 in <module>\n  item["square"] = 4\n  i = 2\n');
    expect(r.out).toContain('total 5'); // the program's stdout is forwarded in text mode
    expect(r.err).toContain('program exited with code 3 after 3 hits');
    expect(r.code).toBe(3);
  });

  it('--json writes only JSON lines to stdout, --when filters, and a bad expression is reported per value', async () => {
    const r = await run(['--json', '--break', 'loop.py:7', '--when', 'i >= 1', '--print', 'item', '--print', 'missing_name', '--', 'python3', 'loop.py']);
    const lines = r.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ event: 'hit', hit: 1, line: 7, file: `${fixtures}loop.py`, values: { item: "{'index': 1, 'square': 1}" } });
    expect((lines[0]?.errors as Record<string, string>).missing_name).toMatch(/missing_name/);
    expect(lines[1]).toMatchObject({ event: 'hit', hit: 2, values: { item: "{'index': 2, 'square': 4}" } });
    expect(lines[2]).toEqual({ event: 'end', reason: 'exited', exitCode: 3, programExitCode: 3, hits: 2 });
    expect(r.err).toContain('total 5'); // program output moved to stderr
    expect(r.code).toBe(3);
  });

  it('--log: a logpoint prints its message (on stderr, never in the --json lines) without stopping', async () => {
    const r = await run(['--json', '--log', 'loop.py:7:square={item["square"]}', '--', 'python3', 'loop.py']);
    expect(r.err).toMatch(/square=0\n[^]*square=1\n[^]*square=4\n/);
    expect(r.out.trim()).toBe(JSON.stringify({ event: 'end', reason: 'exited', exitCode: 3, programExitCode: 3, hits: 0 }));
    expect(r.code).toBe(3);
  });

  it('--count stops the program after N hits and exits 0', async () => {
    const r = await run(['--json', '--count', '2', '--break', 'sleeper.py:7', '--print', 'n', '--', 'python3', 'sleeper.py']);
    const lines = r.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => (l.values as Record<string, string> | undefined)?.n ?? l.event)).toEqual(['1', '2', 'end']);
    expect(lines[2]).toEqual({ event: 'end', reason: 'count', exitCode: 0, hits: 2 });
    expect(r.code).toBe(0);
  });

  it('--timeout stops a program that never hits and exits 124', async () => {
    const r = await run(['--timeout', '2', '--break', 'sleeper.py:9', '--print', 'n', '--', 'python3', 'sleeper.py']);
    expect(r.err).toContain('stopped the program at the --timeout after 0 hits (exit 124)');
    expect(r.code).toBe(124);
  });

  it('a program that fails to start exits with its (non-zero) code and its message', async () => {
    const r = await run(['--json', '--timeout', '30', '--break', 'x.py:1', '--print', 'n', '--', 'python3', 'no-such-script.py']);
    expect(r.code).not.toBe(0);
    expect(JSON.parse(r.out.trim())).toMatchObject({ event: 'end', reason: 'exited', exitCode: r.code });
    expect(r.err).toMatch(/no-such-script\.py/);
  });

  it('an adapter that cannot start exits 1 with the reason', async () => {
    const r = await run(['--json', '--break', 'x.py:1', '--print', 'n', '--', 'python3', 'loop.py'], { command: '/nonexistent/kmirror-dap' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out.trim())).toEqual({
      event: 'end', reason: 'error', exitCode: 1, hits: 0,
      message: 'launch failed: cannot start the debug adapter /nonexistent/kmirror-dap: spawn /nonexistent/kmirror-dap ENOENT',
    });
    expect(r.err).toContain('kmirror-dap run: launch failed: cannot start the debug adapter');
  });
});
