// The layer launcher stays as the supervisor and runs the program as its child, so a debugger
// that attaches needs the pid of the process (among the spawned one and its descendants) whose
// executable is the program, once it has exec'd.
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { DapError } from '../dap/errors.js';

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
