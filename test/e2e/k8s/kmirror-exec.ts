// Runs `kmirror exec` (dist/kmirror.js, as users do) against a Kubernetes target, in its own
// process group so that the program under it can be killed with it; waits on output lines with
// a deadline. Used by the Kubernetes e2e tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KUBECONFIG_PATH } from '../harness/cluster.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../..');
export const KMIRROR_CLI = join(repoRoot, 'dist/kmirror.js');

export interface ExecRun {
  readonly child: ChildProcess;
  readonly dir: string;
  output(): string;
  /** Resolves when the combined stdout+stderr matches `re`; rejects on exit or after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code (or 128+signal). */
  exited(): Promise<number>;
  /** Signals the whole process group (kmirror and the program under it). */
  kill(signal?: NodeJS.Signals): void;
}

/** Writes `config` as .kmirror.json in a fresh directory and starts `kmirror exec -v -- argv` there. */
export function startKmirrorExec(config: unknown, argv: string[], env: Record<string, string> = {}): ExecRun {
  const dir = mkdtempSync(join(tmpdir(), 'kmirror-e2e-'));
  writeFileSync(join(dir, '.kmirror.json'), JSON.stringify(config));
  const child = spawn(process.execPath, [KMIRROR_CLI, 'exec', '-v', '--', ...argv], {
    cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KUBECONFIG: KUBECONFIG_PATH, ...env },
  });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer): void => { out += chunk.toString(); for (const w of [...waiters]) w(); };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exit = new Promise<number>((res) => child.on('exit', (code, signal) => { res(code ?? 128 + (signal ? 9 : 0)); for (const w of [...waiters]) w(); }));
  return {
    child, dir,
    output: () => out,
    waitFor(re, timeoutMs = 60_000) {
      return new Promise((res, rej) => {
        const timer = setTimeout(() => { waiters.delete(check); rej(new Error(`no output matching ${re} within ${timeoutMs} ms; output:\n${out}`)); }, timeoutMs);
        const check = (): void => {
          const m = re.exec(out);
          if (m) { clearTimeout(timer); waiters.delete(check); res(m); return; }
          if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer); waiters.delete(check);
            rej(new Error(`kmirror exec exited (${child.exitCode ?? child.signalCode}) before ${re}; output:\n${out}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    exited: () => exit,
    kill(signal = 'SIGTERM') {
      try { if (child.pid) process.kill(-child.pid, signal); } catch { /* already gone */ }
    },
  };
}

/** Stops every run in `runs` (SIGTERM, up to 10 s for a clean exit, then SIGKILL), empties it and removes their directories. */
export async function stopRuns(runs: ExecRun[]): Promise<void> {
  for (const run of runs.splice(0)) {
    run.kill('SIGTERM');
    await Promise.race([run.exited(), new Promise((r) => setTimeout(r, 10_000))]);
    run.kill('SIGKILL');
    rmSync(run.dir, { recursive: true, force: true });
  }
}

/** Writes a small local HTTP server that answers JSON (local: true, the pod's MESSAGE) and logs each URL. */
export function writeLocalNodeApp(dir: string): string {
  const file = join(dir, 'local-app.js');
  writeFileSync(file, `const http = require('http');
http.createServer((req, res) => {
  console.log('local got ' + req.url);
  res.end(JSON.stringify({ local: true, url: req.url, message: process.env.MESSAGE }) + '\\n');
}).listen(Number(process.env.PORT || 8080), () => console.log('local listening'));
`);
  return file;
}
