// feature.env under `kmirror exec`: the target (a process in a test namespace) has KMT_* variables,
// the workstation has KMT_LOCAL and its own KMT_LOG; each program prints its KMT_* environment and
// the test compares it with exactly what the setting promises. C (coreutils env), Python, Node and
// static Go read their environment differently (environ, os.environ, process.env, os.Environ).
// config-keys: feature.env, feature.env.include, feature.env.exclude, feature.env.override, feature.env.env_file
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { buildGoStatic } from '../parity/build.js';
import { execToEnd } from '../parity/kmirror-exec.js';
import { startTarget } from '../parity/target.js';

const TARGET_ENV = { KMT_DB_HOST: 'db.target', KMT_DB_PASS: 'secret-target', KMT_API_KEY: 'key-target', KMT_LOG: 'debug-target' };
const WORKSTATION_ENV = { KMT_LOCAL: 'workstation', KMT_LOG: 'workstation' };
let ns: TestNetns;
let targetPid: number;
let goStatic: string;
let envDir: string;
let envFile: string;

beforeAll(async () => {
  requireRoot();
  goStatic = buildGoStatic('cfgprobe');
  envDir = mkdtempSync(join(tmpdir(), 'kmt-cfg-env-'));
  envFile = join(envDir, 'local.env');
  writeFileSync(envFile, '# what a developer keeps locally\nKMT_LOG=from-file\nKMT_FILE_ONLY="two words"\nexport KMT_DB_HOST=db.file\n');
  ns = createNetns();
  targetPid = await startTarget(ns, 'true', TARGET_ENV);
});

afterAll(() => {
  ns?.cleanup();
  if (envDir) rmSync(envDir, { recursive: true, force: true });
});

const programs: Record<string, () => string[]> = {
  'C (env)': () => ['env'],
  Python: () => ['python3', '-c', 'import os\nfor k in sorted(os.environ):\n  print(f"{k}={os.environ[k]}")'],
  Node: () => [process.execPath, '-e', 'for (const k of Object.keys(process.env).sort()) console.log(`${k}=${process.env[k]}`)'],
  'static Go': () => [goStatic, 'env', 'KMT_'],
};

async function kmtEnv(program: string, env: unknown): Promise<Record<string, string>> {
  const argv = programs[program]?.() ?? [];
  const r = await execToEnd({ target: `pid/${targetPid}`, argv, env: WORKSTATION_ENV, config: { feature: { env, network: { incoming: 'off' } } } });
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('KMT_'));
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

const cases: Array<[string, string, unknown, Record<string, string>]> = [
  ['no setting: every target variable, the target wins over the workstation', 'C (env)', undefined,
    { ...TARGET_ENV, KMT_LOCAL: 'workstation' }],
  ['include (";"-separated string with a wildcard): only those come from the target', 'Python', { include: 'KMT_DB_*;KMT_API_KEY' },
    { KMT_DB_HOST: 'db.target', KMT_DB_PASS: 'secret-target', KMT_API_KEY: 'key-target', KMT_LOG: 'workstation', KMT_LOCAL: 'workstation' }],
  ['exclude (list): those keep the workstation value or stay unset', 'Node', { exclude: ['KMT_DB_PASS', 'KMT_LOG'] },
    { KMT_DB_HOST: 'db.target', KMT_API_KEY: 'key-target', KMT_LOG: 'workstation', KMT_LOCAL: 'workstation' }],
  ['override: replaces a target value and adds a variable', 'static Go', { override: { KMT_API_KEY: 'overridden', KMT_NEW: 'added' } },
    { ...TARGET_ENV, KMT_API_KEY: 'overridden', KMT_NEW: 'added', KMT_LOCAL: 'workstation' }],
  ['include, exclude and override together', 'static Go', { include: ['KMT_DB_*', 'KMT_LOG'], exclude: 'KMT_DB_PASS', override: { KMT_DB_HOST: 'db.override' } },
    { KMT_DB_HOST: 'db.override', KMT_LOG: 'debug-target', KMT_LOCAL: 'workstation' }],
  ['feature.env: false: nothing from the target', 'Python', false,
    { KMT_LOG: 'workstation', KMT_LOCAL: 'workstation' }],
  ['feature.env: true: every target variable', 'Node', true,
    { ...TARGET_ENV, KMT_LOCAL: 'workstation' }],
];
// The env file is written in beforeAll: its cases read the path when they run.
const fileCases: Array<[string, string, () => unknown, Record<string, string>]> = [
  ['env_file: its variables win over the target\'s', 'C (env)', () => ({ env_file: envFile }),
    { ...TARGET_ENV, KMT_LOG: 'from-file', KMT_FILE_ONLY: 'two words', KMT_DB_HOST: 'db.file', KMT_LOCAL: 'workstation' }],
  ['env_file with override: the override wins', 'static Go', () => ({ env_file: envFile, override: { KMT_DB_HOST: 'db.override' } }),
    { ...TARGET_ENV, KMT_LOG: 'from-file', KMT_FILE_ONLY: 'two words', KMT_DB_HOST: 'db.override', KMT_LOCAL: 'workstation' }],
];

describe('feature.env gives the program exactly the expected environment', () => {
  for (const [name, program, env, expected] of cases) {
    it(`${name} (${program})`, async () => {
      expect(await kmtEnv(program, env)).toEqual(expected);
    });
  }
  for (const [name, program, env, expected] of fileCases) {
    it(`${name} (${program})`, async () => {
      expect(await kmtEnv(program, env())).toEqual(expected);
    });
  }

  it('env_file that does not exist: an error naming the key, the program never runs', async () => {
    const r = await execToEnd({ target: `pid/${targetPid}`, argv: ['env'], config: { feature: { env: { env_file: join(envDir, 'missing.env') } } } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('feature.env.env_file: cannot read');
    expect(r.stdout).not.toContain('KMT_');
  });
});
