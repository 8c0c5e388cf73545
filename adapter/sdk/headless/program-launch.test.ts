import { describe, expect, it } from 'vitest';
import { programLaunch } from './program-launch.js';

describe('programLaunch', () => {
  it.each([
    [['node', 'app.js', '-p', '1'], { program: 'app.js', args: ['-p', '1'], debugger: 'node' }],
    [['/usr/bin/node20', 'dist/a.mjs'], { program: 'dist/a.mjs', args: [], debugger: 'node' }],
    [['python3', 'app.py', 'x'], { program: 'app.py', args: ['x'], debugger: 'python' }],
    [['/usr/bin/python3.11', 'app.py'], { program: 'app.py', args: [], debugger: 'python' }],
    [['go', 'run', './cmd/server', '-addr', ':80'], { program: './cmd/server', args: ['-addr', ':80'], debugger: 'go' }],
    [['./bin/server', '--x'], { program: './bin/server', args: ['--x'] }],
  ])('%j', (argv, expected) => {
    expect(programLaunch(argv)).toEqual(expected);
  });

  it('lets --debugger override the guess', () => {
    expect(programLaunch(['./a.out'], 'lldb')).toEqual({ program: './a.out', args: [], debugger: 'lldb' });
  });

  it.each([
    [['node'], /"node" needs a script/],
    [['python3', '-m', 'http.server'], /interpreter option "-m" before the script is not supported/],
    [['go', 'build', '.'], /go run PACKAGE/],
    [['go', 'run', '-race', '.'], /no build flags/],
  ])('rejects %j', (argv, message) => {
    expect(() => programLaunch(argv)).toThrow(message);
  });
});
