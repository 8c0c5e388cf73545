// Command-line mistakes of `kmirror trace` and `kmirror snapshot` are refused before any agent starts.
import { describe, expect, it } from 'vitest';
import { UsageError } from './command.js';
import { processRows, snapshotCommand, socketRows } from './snapshot.js';
import { traceCommand } from './trace.js';

const io = { stdout: () => undefined, stderr: () => undefined };

async function usageError(run: Promise<number>): Promise<string> {
  try {
    await run;
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error('no usage error');
}

describe('kmirror trace command line', () => {
  it('lists the gadgets that exist for an unknown one', async () => {
    expect(await usageError(traceCommand.run(['--target', 'pid/1', 'dns', 'syscalls'], io))).toBe('unknown gadget "syscalls"; gadgets: tcp, dns, exec, open');
    expect(await usageError(traceCommand.run(['--target', 'pid/1'], io))).toBe('no gadget given; gadgets: tcp, dns, exec, open');
  });

  it('shows where a filter is wrong', async () => {
    const message = await usageError(traceCommand.run(['--target', 'pid/1', 'tcp', '--filter', 'port=http'], io));
    expect(message).toBe('--filter: bad filter "port=http" at column 6: port expects a whole number, got "http"\n  port=http\n       ^');
  });

  it('refuses bad numbers and --json with -o', async () => {
    expect(await usageError(traceCommand.run(['--target', 'pid/1', 'tcp', '--count', '0'], io))).toBe('--count expects a positive whole number, got "0"');
    expect(await usageError(traceCommand.run(['--target', 'pid/1', 'tcp', '--json', '-o', 'x.jsonl'], io))).toMatch(/^--json and -o FILE/);
  });

  it('needs a target', async () => {
    expect(await usageError(traceCommand.run(['tcp'], io))).toMatch(/--target is required/);
  });
});

describe('kmirror snapshot', () => {
  it('takes exactly one of processes or sockets', async () => {
    expect(await usageError(snapshotCommand.run(['--target', 'pid/1', 'files'], io))).toBe('give one of processes, sockets, got "files"');
    expect(await usageError(snapshotCommand.run(['--target', 'pid/1'], io))).toBe('give one of processes, sockets');
  });

  it('orders processes by pid and listening sockets first', () => {
    const p = (pid: number, argv: string[]) => ({ pid, ppid: 1, uid: 0, comm: 'x', argv, state: 'S', rssBytes: 2048, startTimeUs: 0 });
    expect(processRows([p(20, ['b']), p(3, [])]).map((r) => [r[0], r[7]])).toEqual([['3', '[x]'], ['20', 'b']]);
    const s = (state: string, port: number) => ({ protocol: 'tcp' as const, ipv6: false, local: { address: '0.0.0.0', port }, remote: { address: '0.0.0.0', port: 0 }, state, uid: 0, inode: 1, pids: [7] });
    expect(socketRows([s('ESTABLISHED', 40000), s('LISTEN', 8080)]).map((r) => [r[1], r[2], r[3]])).toEqual([['LISTEN', '0.0.0.0:8080', '*'], ['ESTABLISHED', '0.0.0.0:40000', '*']]);
  });
});
