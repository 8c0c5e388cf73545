// Runs `kmirror exec` as a mirrord user would: a `.kmirror.json` in a fresh working directory
// (picked up as the default config), the built CLI, a real program. To completion (`execToEnd`)
// or as a long-running process whose output lines a test waits for (`startExec`).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../build-apps.js';
import { runToEnd } from '../target-fixture.js';

export const KMIRROR_CLI = join(repoRoot, 'dist/kmirror.js');

/** A working directory (under `base`, default the temp dir) holding `.kmirror.json` with `config`; remove it with `rmSync(dir, …)`. */
export function configDir(config: object, base = tmpdir()): string {
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, 'kmirror-parity-'));
  writeFileSync(join(dir, '.kmirror.json'), JSON.stringify(config));
  return dir;
}

/** `target` undefined: no --target flag (the config's `target` is used). */
export interface ExecOptions { target: string | undefined; config: object; argv: string[]; env?: Record<string, string>; timeoutMs?: number; cwdBase?: string }

const targetFlag = (o: ExecOptions): string[] => (o.target === undefined ? [] : ['--target', o.target]);

export async function execToEnd(o: ExecOptions): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  const dir = configDir(o.config, o.cwdBase);
  try {
    return await runToEnd({ command: process.execPath, args: [KMIRROR_CLI, 'exec', ...targetFlag(o), '--', ...o.argv], env: { ...process.env, ...o.env } as Record<string, string> },
      { cwd: dir, timeoutMs: o.timeoutMs ?? 60_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface RunningExec {
  child: ChildProcess;
  stdout: string[];
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern` (rejects when the process exits first or after `ms`). */
  waitLine(pattern: RegExp, ms?: number): Promise<string>;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export function startExec(o: ExecOptions): RunningExec {
  const dir = configDir(o.config, o.cwdBase);
  const child = spawn(process.execPath, [KMIRROR_CLI, 'exec', ...targetFlag(o), '--', ...o.argv],
    { cwd: dir, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    for (const w of [...waiters]) if (w.re.test(l)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(l); }
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => { rmSync(dir, { recursive: true, force: true }); r(c); }));
  return {
    child, stdout: lines, stderr: () => err, exited,
    waitLine(re, ms = 30_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line ${re} within ${ms} ms; stderr:\n${err}`)), ms);
        waiters.push({ re, resolve: (l) => { clearTimeout(timer); resolve(l); } });
        void exited.then((c) => { clearTimeout(timer); reject(new Error(`kmirror exec exited (${c}) before ${re}; stderr:\n${err}`)); });
      });
    },
    /** SIGTERM to kmirror (it ends the program and its session cleanly), SIGKILL to the group after 15 s. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 15_000);
        await exited;
        clearTimeout(timer);
      }
      await exited;
    },
  };
}
