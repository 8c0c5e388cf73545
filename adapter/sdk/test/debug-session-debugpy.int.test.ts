// The headless API's DAP client logic against a real adapter: debugpy's, spawned on stdio the way
// the API spawns kmirror-dap (the start sequence, conditional breakpoints, evaluate, continue, exit code).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { debugSession } from '../api/index.js';

const python = '/usr/bin/python3'; // Debian's python3-debugpy lives in the system interpreter
const program = fileURLToPath(new URL('./fixtures/loop.py', import.meta.url));
const debugpyAdapter = { command: python, args: ['-m', 'debugpy.adapter'] };

describe('debugSession against the debugpy adapter', () => {
  it('iterates over breakpoint stops, evaluates, continues and reports the exit code', async () => {
    const output: string[] = [];
    const session = await debugSession({
      adapter: debugpyAdapter,
      launch: { type: 'python', program, console: 'internalConsole' },
      breakpoints: [{ file: program, line: 7 }],
      onOutput: (category, text) => category === 'stdout' && output.push(text),
    });
    expect(session.breakpoints).toHaveLength(1);
    expect(session.breakpoints[0]?.verified).toBe(true);
    const seen: string[] = [];
    for await (const stop of session) {
      expect(stop.reason).toBe('breakpoint');
      expect(stop.file).toBe(program);
      expect(stop.line).toBe(7);
      expect(stop.breakpoints).toEqual([{ file: program, line: 7 }]);
      seen.push(await stop.evaluate('item["square"]'));
    }
    expect(seen).toEqual(['0', '1', '4']);
    expect(await session.ended).toEqual({ reason: 'exited', exitCode: 3 });
    expect(output.join('')).toContain('total 5');
  });

  it('honours a condition', async () => {
    const session = await debugSession({
      adapter: debugpyAdapter,
      launch: { type: 'python', program, console: 'internalConsole' },
      breakpoints: [{ file: program, line: 7, condition: 'i == 2' }],
    });
    const values: string[] = [];
    for await (const stop of session) values.push(await stop.evaluate('item'));
    expect(values).toEqual(["{'index': 2, 'square': 4}"]);
    expect((await session.ended).exitCode).toBe(3);
  });

  it('close() at a stop terminates the debuggee and ends the session', async () => {
    const session = await debugSession({
      adapter: debugpyAdapter,
      launch: { type: 'python', program, console: 'internalConsole' },
      breakpoints: [{ file: program, line: 7 }],
    });
    for await (const stop of session) {
      expect(await stop.evaluate('i')).toBe('0');
      break;
    }
    const end = await session.close();
    expect(end.exitCode).not.toBe(3); // never reached sys.exit(3)
  });

  it('fails with the adapter message when the launch is refused', async () => {
    await expect(
      debugSession({
        adapter: debugpyAdapter,
        launch: { type: 'python', program: '/nonexistent/kmirror-missing.py', console: 'internalConsole' },
        launchTimeoutMs: 20_000,
      }),
    ).rejects.toThrow(/kmirror-missing\.py|No such file|does not exist|exited/i);
  });

  it('fails clearly when the adapter command does not exist', async () => {
    await expect(
      debugSession({ adapter: { command: '/nonexistent/kmirror-dap' }, launch: { program } }),
    ).rejects.toThrow(/cannot start the debug adapter \/nonexistent\/kmirror-dap/);
  });
});
