// The undo path of startDapDebugger with a real process standing in for the debugger (the steps
// that succeed are covered by adapter/dap/test/backends.int.test.ts and target.int.test.ts).
import { describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { BackendContext } from './backend.js';
import type { DebuggerProcess } from './debugger-process.js';
import { startDapDebugger, type DapDebuggerRecipe } from './start-dap-debugger.js';

const ctx = {
  config: { request: 'launch', program: '/bin/true' },
  layer: { active: false },
  processes: { spawnOptions: { detached: false }, own: (child: ChildProcess) => child },
} as unknown as BackendContext; // the failing steps read only these

const recipe = (overrides: Partial<DapDebuggerRecipe>): DapDebuggerRecipe => ({
  name: 'sleeper', executables: ['sleep'], what: 'test debugger', install: 'nothing to install', args: ['60'], adapterID: 'test',
  plan: { layerArgv: (p) => [p], attachArgs: (pid) => ({ pid }), launchArgs: () => ({}) },
  ...overrides,
});

describe('startDapDebugger', () => {
  it('stops the started debugger and cleans up when a later step fails', async () => {
    let started: DebuggerProcess | undefined;
    let cleaned = 0;
    const failing = recipe({
      connect: (dp) => { started = dp; return Promise.reject(new Error('no DAP here')); },
      cleanup: () => { cleaned++; },
    });
    await expect(startDapDebugger(ctx, failing)).rejects.toThrow('no DAP here');
    expect(started?.running).toBe(false);
    expect(cleaned).toBe(1);
  });

  it('names what is missing when the debugger is not found, and still cleans up', async () => {
    let cleaned = 0;
    await expect(startDapDebugger(ctx, recipe({ executables: ['kmirror-no-such-debugger'], cleanup: () => { cleaned++; } })))
      .rejects.toThrow('test debugger not found (looked for kmirror-no-such-debugger on PATH). Install it: nothing to install');
    expect(cleaned).toBe(1);
  });
});
