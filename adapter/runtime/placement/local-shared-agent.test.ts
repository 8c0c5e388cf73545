import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localAgentKey, localRunDir, openSharedLocalAgent, sweepStaleLocalAgents } from './local-shared-agent.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'kmirror-run-')); process.env.KMIRROR_RUN_DIR = dir; });
afterEach(() => { delete process.env.KMIRROR_RUN_DIR; rmSync(dir, { recursive: true, force: true }); });

describe('joining the local agent of a target', () => {
  it('keys targets by name, pid targets also by the process start time', () => {
    expect(localRunDir()).toBe(dir);
    expect(localAgentKey({ kind: 'netns', name: 'demo/x' })).toBe('netns-demo_x');
    expect(localAgentKey({ kind: 'pid', pid: process.pid })).toMatch(new RegExp(`^pid-${process.pid}-[1-9]\\d*$`));
  });

  it('refuses a running agent of another protocol version, naming both versions', async () => {
    // A live pid (ours) that announces protocol 99 in its state file.
    writeFileSync(join(dir, 'agent-netns-demo.json'), JSON.stringify({ pid: process.pid, port: 1, token: 't', protocol: 99, target: 'netns/demo', startedAtMs: 1 }));
    await expect(openSharedLocalAgent({ target: { kind: 'netns', name: 'demo' }, timeoutMs: 2_000 }))
      .rejects.toThrow('the running kmirror agent for netns/demo (pid ' + process.pid + ') speaks tunnel protocol 99, this kmirror speaks 1');
  });

  it('sweeps the state and log of agents that died without cleaning up, and keeps live ones', async () => {
    const deadPid = spawnSync('true').pid!; // exited and reaped: no such process now
    const state = (pid: number): string => JSON.stringify({ pid, port: 1, token: 't', protocol: 1, target: 'netns/x', startedAtMs: 1 });
    writeFileSync(join(dir, 'agent-netns-dead.json'), state(deadPid));
    writeFileSync(join(dir, 'agent-netns-dead.log'), '');
    writeFileSync(join(dir, 'agent-netns-live.json'), state(process.pid));
    await sweepStaleLocalAgents(dir);
    expect(existsSync(join(dir, 'agent-netns-dead.json'))).toBe(false);
    expect(existsSync(join(dir, 'agent-netns-dead.log'))).toBe(false);
    expect(existsSync(join(dir, 'agent-netns-live.json'))).toBe(true);
  });
});
