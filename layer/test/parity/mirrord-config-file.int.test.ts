// A project set up for mirrord keeps its config where mirrord looks for it: `.mirrord/mirrord.json`
// (the IDE extensions' project file) or a file named by MIRRORD_CONFIG_FILE (mirrord's CLI). Run
// there, `kmirror exec` uses it; it used to read only `.kmirror.json`, so the program silently got
// the defaults (here: every target variable instead of the one included). The program is written
// like mirrord's tests/node-e2e/remote_env/test_remote_env_vars_include_works.mjs.
// config-keys: feature.env.include
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, spawnSleepTarget, type TestNetns } from '#test/harness/netns.js';
import { runToEnd } from '../target-fixture.js';
import { KMIRROR_CLI } from './kmirror-exec.js';

let ns: TestNetns;
let targetPid: number;
const dirs: string[] = [];

beforeAll(async () => {
  requireRoot();
  ns = createNetns();
  targetPid = await spawnSleepTarget(ns, { MIRRORD_FAKE_VAR_FIRST: 'mirrord.is.running', MIRRORD_FAKE_VAR_SECOND: '7777' });
});

afterAll(() => ns?.cleanup());
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const PROGRAM = `const ok = process.env.MIRRORD_FAKE_VAR_FIRST === 'mirrord.is.running' && process.env.MIRRORD_FAKE_VAR_SECOND === undefined;
console.log(ok ? 'include works' : 'got ' + JSON.stringify([process.env.MIRRORD_FAKE_VAR_FIRST, process.env.MIRRORD_FAKE_VAR_SECOND]));
process.exit(ok ? 0 : 1);`;

const INCLUDE_FIRST = { feature: { env: { include: 'MIRRORD_FAKE_VAR_FIRST' }, network: { incoming: 'off' } } };

function projectWith(relPath: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kmirror-mirrord-project-'));
  dirs.push(dir);
  mkdirSync(join(dir, relPath, '..'), { recursive: true });
  writeFileSync(join(dir, relPath), JSON.stringify(INCLUDE_FIRST));
  return dir;
}

async function run(cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runToEnd({ command: process.execPath, args: [KMIRROR_CLI, 'exec', '--target', `pid/${targetPid}`, '--', process.execPath, '-e', PROGRAM], env: { ...process.env, ...env } as Record<string, string> },
    { cwd, timeoutMs: 60_000 });
}

describe("mirrord's config file places", () => {
  it('.mirrord/mirrord.json in the working directory is used', async () => {
    const r = await run(projectWith('.mirrord/mirrord.json'));
    expect(r.stdout.trim(), r.stderr).toBe('include works');
    expect(r.code).toBe(0);
  });

  it('MIRRORD_CONFIG_FILE names the file (relative to the working directory)', async () => {
    const r = await run(projectWith('.mirrord/service-a.json'), { MIRRORD_CONFIG_FILE: '.mirrord/service-a.json' });
    expect(r.stdout.trim(), r.stderr).toBe('include works');
    expect(r.code).toBe(0);
  });
});
