// The workstation side of kmirror-reaper (kmirror-reaper.c, beside this file): starts one reaper
// per process, lazily, and reports each owned child to it ("+PID" / "-PID" lines on its stdin).
// When this process ends however it ends, the kernel closes that pipe and the reaper ends every
// owned process with its descendants and session. Without the binary, `available` stays false
// and the owner falls back to killing process groups from its own 'exit' handler, which a SIGKILL
// or an abort never runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** KMIRROR_REAPER_BIN, else kmirror-reaper beside the bundle (dist/) or build/reaper/ upward from here. */
export function findReaperBinary(): string | undefined {
  if (process.env.KMIRROR_REAPER_BIN) return process.env.KMIRROR_REAPER_BIN;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    for (const p of [join(dir, 'kmirror-reaper'), join(dir, 'build/reaper/kmirror-reaper')]) if (existsSync(p)) return p;
    if (dirname(dir) === dir) return undefined;
  }
}

export class ReaperClient {
  private child: ChildProcess | undefined;
  private started = false;
  private broken = false;

  constructor(private readonly onProblem: (message: string) => void = () => {}) {}

  /** True while a reaper is running and has accepted every report so far. */
  get available(): boolean {
    return this.child !== undefined && !this.broken;
  }

  own(pid: number): void {
    this.write(`+${pid}\n`);
  }

  forget(pid: number): void {
    this.write(`-${pid}\n`);
  }

  private write(line: string): void {
    this.start();
    if (this.broken || !this.child?.stdin) return;
    this.child.stdin.write(line);
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    const binary = findReaperBinary();
    if (!binary) {
      this.fail('kmirror-reaper not found (run scripts/build.sh or set KMIRROR_REAPER_BIN): processes started here are not ended if this process is killed');
      return;
    }
    // Own session (detached): a terminal's Ctrl-C to this process group must not end the reaper too.
    const child = spawn(binary, [], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    child.once('error', (e) => this.fail(`kmirror-reaper (${binary}) cannot run: ${e.message}`));
    child.once('exit', (code, signal) => this.fail(`kmirror-reaper exited (${code ?? signal})`));
    child.stdin?.on('error', (e) => this.fail(`kmirror-reaper stdin: ${e.message}`));
    // Neither the reaper nor its pipe keeps this process alive.
    child.unref();
    if (child.stdin instanceof Socket) child.stdin.unref();
    this.child = child;
  }

  private fail(message: string): void {
    if (this.broken) return;
    this.broken = true;
    this.onProblem(message);
  }
}
