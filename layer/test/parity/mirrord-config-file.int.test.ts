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

function projectWith(relPath: string, config: object = INCLUDE_FIRST): string {
  const dir = mkdtempSync(join(tmpdir(), 'kmirror-mirrord-project-'));
  dirs.push(dir);
  mkdirSync(join(dir, relPath, '..'), { recursive: true });
  writeFileSync(join(dir, relPath), JSON.stringify(config));
  return dir;
}

async function run(cwd: string, env: Record<string, string> = {}, program = PROGRAM): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runToEnd({ command: process.execPath, args: [KMIRROR_CLI, 'exec', '--target', `pid/${targetPid}`, '--', process.execPath, '-e', program], env: { ...process.env, ...env } as Record<string, string> },
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

  it("mirrord's documented complete config (RUST_LOG log level, mirrord's agent image, keys kmirror lacks) starts with warnings", async () => {
    // Trimmed from mirrord's configuration reference ("Complete config.json"); --target overrides its pod.
    const complete = {
      accept_invalid_certificates: false, skip_processes: 'ide-debugger', target: { path: 'pod/bear-pod', namespace: 'default' },
      agent: { log_level: 'mirrord=debug,warn', json_log: false, image: 'ghcr.io/metalbear-co/mirrord:latest', image_pull_policy: 'IfNotPresent', ttl: 30, startup_timeout: 360 },
      feature: {
        env: { include: 'MIRRORD_FAKE_VAR_FIRST;PUBLIC_ENV', override: { LOCAL_BEAR: 'panda' }, mapping: { '.+_TIMEOUT': '1000' } },
        fs: { mode: 'write', read_write: '.+\\.json', read_only: ['.+\\.yaml'], local: ['.+\\.js', '.+\\.mjs'] },
        network: {
          incoming: { mode: 'steal', http_filter: { header_filter: 'host: api\\..+' }, port_mapping: [[7777, 8888]], ignore_localhost: false, ignore_ports: [9999, 10000] },
          outgoing: { tcp: true, udp: true, filter: { local: ['tcp://1.1.1.0/24:1337', '1.1.5.0/24', 'google.com', ':53'] }, unix_streams: 'bear.+' },
          dns: { enabled: true, filter: { local: ['1.1.5.0/24'] } },
        },
      },
      operator: true, telemetry: true,
    };
    const r = await run(projectWith('.mirrord/mirrord.json', complete), {}, 'console.log(process.env.MIRRORD_FAKE_VAR_FIRST, process.env.MIRRORD_FAKE_VAR_SECOND, process.env.LOCAL_BEAR)');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('mirrord.is.running undefined panda');
    expect(r.stderr).toContain('agent.log_level "mirrord=debug,warn" is a RUST_LOG filter');
    expect(r.stderr).toContain('agent.image "ghcr.io/metalbear-co/mirrord:latest" is mirrord\'s agent');
    expect(r.stderr).toContain('unknown key "feature.network.dns.filter" is ignored');
  });
});
