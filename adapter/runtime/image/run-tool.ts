// Runs one external tool (docker, skopeo, ctr, …) to completion with a deadline, as an ImageError
// when it is missing or fails: the message names the command and ends with the tool's own words.
import { execFile } from 'node:child_process';
import { ImageError } from './image-error.js';

export interface RunToolOptions {
  timeoutMs?: number;
  cwd?: string;
}

const TAIL = 1500;

/** Resolves with stdout; rejects TOOL_MISSING when `cmd` is not on PATH, TOOL_FAILED when it fails. */
export function runTool(cmd: string, args: readonly string[], opts: RunToolOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: opts.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', ...(opts.cwd ? { cwd: opts.cwd } : {}) },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        if (e.code === 'ENOENT') return reject(new ImageError('TOOL_MISSING', `${cmd} is not installed (not found on PATH)`, { cause: err }));
        const why = e.killed ? `timed out after ${opts.timeoutMs ?? 600_000} ms` : `failed (${typeof e.code === 'number' ? `exit code ${e.code}` : e.code ?? 'error'})`;
        const said = `${stderr}${stdout}`.trim().slice(-TAIL);
        reject(new ImageError('TOOL_FAILED', `${cmd} ${args.join(' ')}: ${why}${said ? `: ${said}` : ''}`, { cause: err }));
      });
  });
}

/** True when `cmd args` runs and exits 0 within a few seconds (tool present and working). */
export async function toolAnswers(cmd: string, args: readonly string[]): Promise<{ ok: true } | { ok: false; why: string }> {
  try {
    await runTool(cmd, args, { timeoutMs: 15_000 });
    return { ok: true };
  } catch (err) {
    return { ok: false, why: err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err) };
  }
}
