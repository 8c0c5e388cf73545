import { describe, expect, it } from 'vitest';
import { groupByFile, matchStopBreakpoints } from './breakpoints.js';

describe('groupByFile', () => {
  it('resolves relative paths against cwd and keeps order per file', () => {
    const groups = groupByFile(
      [{ file: 'a.py', line: 3 }, { file: '/x/b.go', line: 1 }, { file: './a.py', line: 9 }],
      '/work/app',
    );
    expect([...groups.entries()]).toEqual([
      ['/work/app/a.py', [{ file: 'a.py', line: 3 }, { file: './a.py', line: 9 }]],
      ['/x/b.go', [{ file: '/x/b.go', line: 1 }]],
    ]);
  });
});

describe('matchStopBreakpoints', () => {
  const a = { file: '/app/a.py', line: 3 };
  const b = { file: 'lib/b.py', line: 7 };
  const states = [
    { spec: a, id: 1, verified: true, line: 3 },
    { spec: b, id: 2, verified: true, line: 8 }, // moved by the adapter to the next statement
  ];
  it('prefers the adapter ids', () => {
    expect(matchStopBreakpoints(states, [2], '/elsewhere', 1)).toEqual([b]);
  });
  it('falls back to the (adjusted) file and line', () => {
    expect(matchStopBreakpoints(states, undefined, '/app/a.py', 3)).toEqual([a]);
    expect(matchStopBreakpoints(states, [], '/repo/lib/b.py', 8)).toEqual([b]);
    expect(matchStopBreakpoints(states, undefined, '/repo/lib/b.py', 7)).toEqual([]);
    expect(matchStopBreakpoints(states, undefined, undefined, 3)).toEqual([]);
  });
});
