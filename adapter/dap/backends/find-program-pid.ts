// The layer launcher stays as the supervisor and runs the program as its child, so a debugger
// that attaches needs the pid of the process (among the spawned one and its descendants) whose
// executable is the program, once it has exec'd.
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { DapError } from '../common/errors.js';

function exeOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined; // gone, or not ours to read
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Polls until `rootPid` or a descendant runs `program`; DapError TIMEOUT after `timeoutMs`. */
export async function findProgramPid(rootPid: number, program: string, timeoutMs = 10_000, intervalMs = 1): Promise<number> {
  const wanted = realpathSync(program);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const queue = [rootPid];
    while (queue.length) {
      const pid = queue.shift()!; // non-empty: checked by the loop condition
      if (exeOf(pid) === wanted) return pid;
      queue.push(...childrenOf(pid));
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new DapError('TIMEOUT', `the program ${program} did not start under the kmirror layer within ${timeoutMs} ms`);
}

/** Polls until `pid` is in a plain stop with no tracer (the layer's hold at exec has completed),
 * so that a debugger can attach; DapError TIMEOUT after `timeoutMs`. */
export async function waitUntilHeld(pid: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let status = '';
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      throw new DapError('BACKEND_FAILED', `the program (pid ${pid}) exited before the debugger could attach`);
    }
    if (/^State:\s+T \(stopped\)/m.test(status) && /^TracerPid:\s+0$/m.test(status)) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new DapError('TIMEOUT', `the program (pid ${pid}) was not held at start within ${timeoutMs} ms`);
}
