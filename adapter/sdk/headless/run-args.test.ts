import { describe, expect, it } from 'vitest';
import { parseRunArgs, type RunOptions } from './run-args.js';
import { UsageError } from './usage-error.js';

const base = ['--target', 'pid/42', '--break', 'app.py:7', '--print', 'item'];
const parse = (...args: string[]) => parseRunArgs(args) as RunOptions;

describe('parseRunArgs', () => {
  it('parses a full command line', () => {
    const o = parse('--target', 'pod/web', '--break', 'src/app.ts:42', '--when', 'req.url === "/x"', '--break', 'b.ts:3',
      '--print', 'req.headers', '--print', 'n', '--count', '2', '--json', '--timeout', '1.5', '--env', 'A=1=2',
      '--cwd', '/srv', '--config', 'k.json', '--log', 'c.ts:9:got {n}', '--trace', 'dns,tcp', '--trace', 'dns', '--', 'node', 'app.js', '--port', '80');
    expect(o).toEqual({
      target: 'pod/web', configFile: 'k.json', cwd: '/srv', env: { A: '1=2' },
      breakpoints: [
        { file: 'src/app.ts', line: 42, condition: 'req.url === "/x"' },
        { file: 'b.ts', line: 3 },
        { file: 'c.ts', line: 9, logMessage: 'got {n}' },
      ],
      prints: ['req.headers', 'n'], count: 2, timeoutSeconds: 1.5, json: true, trace: ['dns', 'tcp'],
      launch: { program: 'app.js', args: ['--port', '80'], debugger: 'node' },
    });
  });

  it('keeps flags after -- for the program', () => {
    expect(parse(...base, '--', './server', '--json', '--count', 'x').launch).toEqual({ program: './server', args: ['--json', '--count', 'x'] });
  });

  it('returns help', () => {
    expect(parseRunArgs(['--help'])).toBe('help');
    expect(parseRunArgs(['-h'])).toBe('help');
  });

  const bad: Array<[string[], RegExp]> = [
    [['--target', 'pid/1', '--break', 'a.py:1', '--print', 'x'], /missing program/],
    [['--break', 'a.py:1', '--print', 'x', '--', 'python3', 'a.py'], /missing --target/],
    [['--target', 'pid/1', '--print', 'x', '--', 'python3', 'a.py'], /missing --break/],
    [['--target', 'pid/1', '--break', 'a.py:1', '--', 'python3', 'a.py'], /missing --print/],
    [['--target', 'pid/1', '--break', 'a.py', '--print', 'x', '--', 'python3', 'a.py'], /--break expects FILE:LINE.*"a.py"/],
    [['--target', 'pid/1', '--break', 'a.py:0', '--print', 'x', '--', 'python3', 'a.py'], /line number >= 1/],
    [['--target', 'pid/1', '--when', 'x', '--break', 'a.py:1', '--print', 'x', '--', 'python3', 'a.py'], /--when must follow the --break/],
    [[...base, '--when', 'a', '--when', 'b', '--', 'python3', 'a.py'], /two --when conditions/],
    [[...base, '--count', '0', '--', 'python3', 'a.py'], /--count expects a whole number >= 1, got "0"/],
    [[...base, '--count', 'many', '--', 'python3', 'a.py'], /--count expects a whole number/],
    [[...base, '--timeout', '-3', '--', 'python3', 'a.py'], /--timeout/],
    [[...base, '--timeout', 'soon', '--', 'python3', 'a.py'], /--timeout expects a number of seconds > 0, got "soon"/],
    [[...base, '--env', 'NOVALUE', '--', 'python3', 'a.py'], /--env expects NAME=VALUE/],
    [[...base, '--bogus', '--', 'python3', 'a.py'], /Unknown option '--bogus'/],
    [[...base, '--target'], /--target/],
    [[...base, 'python3', 'a.py'], /unexpected argument "python3": put the program to debug after --/],
    [[...base, '--log', 'a.py:3', '--', 'python3', 'a.py'], /--log expects FILE:LINE:MESSAGE/],
    [[...base, '--print', ' ', '--', 'python3', 'a.py'], /--print needs a non-empty value/],
  ];
  it.each(bad)('rejects %j', (args, message) => {
    expect(() => parseRunArgs(args)).toThrow(UsageError);
    expect(() => parseRunArgs(args)).toThrow(message);
  });

  it('checks --debugger against the kinds kmirror-dap gives, and leaves it to kmirror-dap without them', () => {
    const args = [...base, '--debugger', 'ruby', '--', 'x'];
    expect(() => parseRunArgs(args, ['go', 'python'])).toThrow(/--debugger must be one of go, python, got "ruby"/);
    expect((parseRunArgs(args) as RunOptions).launch?.debugger).toBe('ruby');
    expect((parseRunArgs([...base, '--debugger', 'go', '--', 'x'], ['go', 'python']) as RunOptions).launch?.debugger).toBe('go');
  });

  it('--attach: a process in the target, node by default, no program; roots go together', () => {
    const opts = parse('--attach', '--target', 'deploy/web', '--break', 'server.js:7', '--print', 'greeting', '--process-id', '7', '--local-root', '.', '--remote-root', '/app');
    expect(opts.launch).toBeUndefined();
    expect(opts.attach).toEqual({ debugger: 'node', processId: 7, localRoot: '.', remoteRoot: '/app' });
    expect(() => parse('--attach', '--target', 't', '--break', 'a.js:1', '--print', 'x', '--', 'node', 'a.js')).toThrow(/give no program/);
    expect(() => parse('--attach', '--target', 't', '--break', 'a.js:1', '--print', 'x', '--local-root', '.')).toThrow(/go together/);
    expect(() => parse('--target', 't', '--break', 'a.js:1', '--print', 'x', '--process-id', '3', '--', 'node', 'a.js')).toThrow(/go with --attach/);
  });

  it('--non-breaking: snapshots, --print optional', () => {
    const opts = parse('--attach', '--non-breaking', '--target', 'deploy/web', '--break', 'server.js:7');
    expect(opts.nonBreaking).toBe(true);
    expect(opts.prints).toEqual([]);
    expect(parse('--target', 't', '--break', 'a.py:1', '--print', 'x', '--', 'python3', 'a.py').nonBreaking).toBeUndefined();
  });

  it('accepts logpoints alone without --print', () => {
    expect(parse('--target', 't', '--log', 'a.py:2:x={x}', '--', 'python3', 'a.py').prints).toEqual([]);
  });

  it('--replay takes FILE or FILE#ID[,ID…], made absolute', () => {
    const base = ['--target', 'pod/a', '--break', 'a.py:1', '--print', 'x'];
    expect((parseRunArgs([...base, '--replay', '/r/x.kmrec', '--', 'python3', 'a.py']) as RunOptions).replay).toEqual({ file: '/r/x.kmrec', ids: 'all' });
    expect((parseRunArgs([...base, '--replay', '/r/x.kmrec#4, c1', '--', 'python3', 'a.py']) as RunOptions).replay).toEqual({ file: '/r/x.kmrec', ids: ['4', 'c1'] });
    expect(() => parseRunArgs([...base, '--replay', '/r/x.kmrec#', '--', 'python3', 'a.py'])).toThrow('--replay expects FILE or FILE#ID[,ID…], got "/r/x.kmrec#"');
  });
});
