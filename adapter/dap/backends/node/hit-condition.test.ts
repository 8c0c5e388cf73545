import { describe, expect, it } from 'vitest';
import { logMessageExpression, parseHitCondition } from './hit-condition.js';

describe('hit conditions', () => {
  it('understands the usual forms', () => {
    expect([1, 2, 3].map(parseHitCondition('2'))).toEqual([false, true, false]);
    expect([1, 2, 3].map(parseHitCondition('>=2'))).toEqual([false, true, true]);
    expect([1, 2, 3, 4].map(parseHitCondition('%2'))).toEqual([false, true, false, true]);
    expect([1, 2].map(parseHitCondition('<2'))).toEqual([true, false]);
  });
  it('rejects garbage with a clear error', () => {
    expect(() => parseHitCondition('often')).toThrow(/invalid hit condition "often"/);
  });
});

describe('logpoint messages', () => {
  it('interpolates braces and escapes template syntax', () => {
    // A literal "$" stays literal; "{y}" is still an interpolation.
    expect(logMessageExpression('count={count} `x` ${y}')).toBe('`count=${count} \\`x\\` \\$${y}`');
    expect(new Function('count', `return ${logMessageExpression('c={count + 1}')}`)(2)).toBe('c=3');
  });
});
