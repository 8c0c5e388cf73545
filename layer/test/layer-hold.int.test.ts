// Hold at exec (KMIRROR_LAYER_HOLD_AT_EXEC=1, layer/src/exec_hold.c): the program is stopped at
// its first instruction — nothing of it has run, not even the dynamic loader — with no tracer
// left, so a debugger can attach; SIGCONT (or the debugger) lets it run.
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const layerBin = fileURLToPath(new URL('../../build/layer/kmirror-layer', import.meta.url));

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('kmirror-layer hold at exec', () => {
  it('leaves the program stopped before its first instruction, untraced, until SIGCONT', async () => {
    const child = spawn(layerBin, ['--', '/bin/echo', 'ran-after-continue'], {
      env: { ...process.env, KMIRROR_LAYER_HOLD_AT_EXEC: '1', KMIRROR_LAYER_LOG: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const pid = await until('the program to exec', () => {
        const [p] = children(child.pid ?? 0);
        try {
          return p !== undefined && readlinkSync(`/proc/${p}/exe`) === '/usr/bin/echo' ? p : undefined;
        } catch {
          return undefined;
        }
      });
      const status = await until('a plain stop without tracer', () => {
        const s = readFileSync(`/proc/${pid}/status`, 'utf8');
        return /^State:\s+T \(stopped\)/m.test(s) && /^TracerPid:\s+0$/m.test(s) ? s : undefined;
      });
      expect(status).toMatch(/^TracerPid:\s+0$/m);
      // Nothing of the program ran: no loader mapped yet, no output.
      expect(readFileSync(`/proc/${pid}/maps`, 'utf8')).not.toMatch(/libc\.so/);
      expect(stdout).toBe('');
      process.kill(pid, 'SIGCONT');
      expect(await exited).toBe(0);
      expect(stdout).toBe('ran-after-continue\n');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('reports a program that cannot start, with its exit status, when holding', async () => {
    const child = spawn(layerBin, ['--', '/nonexistent/program'], {
      env: { ...process.env, KMIRROR_LAYER_HOLD_AT_EXEC: '1', KMIRROR_LAYER_LOG: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(127);
    expect(stderr).toContain('cannot run /nonexistent/program');
  });
});
