// Spawning a debugger process: spawn errors become actionable DapErrors, the last stderr lines are
// kept for crash messages, and `stop` ends it (SIGTERM, then SIGKILL after a grace period).
// Every one is owned by kmirror-dap's process lifetime (`owner`), so it also ends when kmirror-dap is killed.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { DapError } from '../common/errors.js';
import type { ProcessOwner } from './contract.js';

const TAIL_BYTES = 4096;

export class DebuggerProcess {
  private tail = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly name: string, readonly child: ChildProcess) {
    child.stderr?.on('data', (d: Buffer) => this.remember(d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Spawns and waits until the OS started it (rejects when the executable cannot be run). */
  static async start(name: string, command: string, args: string[], { owner, ...opts }: SpawnOptions & { owner: ProcessOwner }): Promise<DebuggerProcess> {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...opts, ...owner.spawnOptions });
    const dp = new DebuggerProcess(name, child);
    try {
      await once(child, 'spawn');
      owner.own(child);
    } catch (e) {
      throw new DapError('DEBUGGER_NOT_FOUND', `cannot start ${name} (${command}): ${(e as Error).message}`, { cause: e });
    }
    return dp;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  remember(text: string): void {
    this.tail = (this.tail + text).slice(-TAIL_BYTES);
  }

  stderrTail(): string {
    return this.tail.trim();
  }

  /** Ends the process: SIGTERM, SIGKILL after `graceMs`. Resolves when it is gone. */
  async stop(graceMs = 2000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
