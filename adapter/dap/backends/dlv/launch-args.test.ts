import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dlvAttachArgs, dlvLaunchArgs, parseDlvListenLine } from './launch-args.js';

describe('dlv launch translation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'km-dlv-'));
  writeFileSync(join(dir, 'go.mod'), 'module x\n');
  writeFileSync(join(dir, 'app'), 'binary');

  it('debugs a package directory with dlvCwd and an output binary', () => {
    const a = dlvLaunchArgs({ request: 'launch', program: dir, env: { A: '1' } }, '/tmp/out');
    expect(a).toMatchObject({ mode: 'debug', program: dir, dlvCwd: dir, output: '/tmp/out', cwd: dir, env: { A: '1' }, stopOnEntry: false });
  });
  it('execs a binary and passes debugger-specific fields through', () => {
    const a = dlvLaunchArgs({ request: 'launch', program: join(dir, 'app'), args: ['x'], ...{ showGlobalVariables: true } }, '/tmp/out');
    expect(a).toMatchObject({ mode: 'exec', program: join(dir, 'app'), args: ['x'], showGlobalVariables: true });
    expect(a).not.toHaveProperty('dlvCwd');
    expect(a).not.toHaveProperty('target');
  });
  it('attaches locally by pid', () => {
    expect(dlvAttachArgs({ request: 'launch', program: 'x', target: 'pid/1' }, 42)).toEqual({ mode: 'local', processId: 42, stopOnEntry: false });
  });
  it('parses the listen line', () => {
    expect(parseDlvListenLine('DAP server listening at: 127.0.0.1:44433\n')).toEqual({ host: '127.0.0.1', port: 44433 });
    expect(parseDlvListenLine('DAP server listening at: [::1]:5')).toEqual({ host: '::1', port: 5 });
    expect(parseDlvListenLine('nothing')).toBeUndefined();
  });
});
