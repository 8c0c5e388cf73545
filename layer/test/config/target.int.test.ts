// The target given in `.kmirror.json` instead of `--target`: as a string and as an object with
// `path`; `--target` wins over the file; a bad target in the file is an error naming it. The
// target process has a variable only it has, which the program (Node) prints.
// config-keys: target, target.path
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { execToEnd } from '../parity/kmirror-exec.js';
import { startTarget } from '../parity/target.js';

const PRINT = [process.execPath, '-e', 'console.log(`marker=${process.env.KMT_TARGET_MARKER}`)'];
let ns: TestNetns;
let first: number;
let second: number;

beforeAll(async () => {
  requireRoot();
  ns = createNetns();
  first = await startTarget(ns, 'true', { KMT_TARGET_MARKER: 'first' });
  second = await startTarget(ns, 'true', { KMT_TARGET_MARKER: 'second' });
});

afterAll(() => ns?.cleanup());

async function marker(target: string | undefined, config: object): Promise<string> {
  const r = await execToEnd({ target, argv: PRINT, config: { ...config, feature: { network: { incoming: 'off' } } } });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('the target from the configuration file', () => {
  it('target as a string', async () => {
    expect(await marker(undefined, { target: `pid/${first}` })).toBe('marker=first');
  });

  it('target.path', async () => {
    expect(await marker(undefined, { target: { path: `pid/${second}` } })).toBe('marker=second');
  });

  it('--target wins over the file', async () => {
    expect(await marker(`pid/${second}`, { target: `pid/${first}` })).toBe('marker=second');
  });

  it('a target path that names no process: an error naming it, the program never runs', async () => {
    const r = await execToEnd({ target: undefined, argv: PRINT, config: { target: { path: 'pid/999999999' } } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('pid/999999999');
    expect(r.stdout).not.toContain('marker=');
  });
});
