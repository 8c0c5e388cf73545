import { describe, expect, it } from 'vitest';
import { argumentProblem } from './request-arguments.js';

describe('argumentProblem', () => {
  it('refuses ids that are not integers, at the top level and in source', () => {
    expect(argumentProblem('scopes', { frameId: true })).toBe('scopes: "frameId" must be an integer, not true');
    expect(argumentProblem('stackTrace', { threadId: 1.5 })).toMatch(/"threadId" must be an integer/);
    expect(argumentProblem('variables', { variablesReference: 'x' })).toMatch(/"variablesReference" must be an integer/);
    expect(argumentProblem('source', { source: { sourceReference: {} } })).toMatch(/"source.sourceReference" must be an integer/);
    expect(argumentProblem('source', { sourceReference: null })).toBe('source: "sourceReference" must be an integer, not null');
  });
  it('refuses array fields that are not arrays', () => {
    expect(argumentProblem('setFunctionBreakpoints', { breakpoints: { command: [1] } })).toBe('setFunctionBreakpoints: "breakpoints" must be an array');
    expect(argumentProblem('setExceptionBreakpoints', { filters: 'all' })).toMatch(/"filters" must be an array/);
  });
  it('refuses a source that is not an object, and setBreakpoints without one', () => {
    expect(argumentProblem('setBreakpoints', { source: 'a.py' })).toBe('setBreakpoints: "source" must be an object');
    expect(argumentProblem('setBreakpoints', { breakpoints: [] })).toBe('setBreakpoints: "source" is required');
  });
  it('lets well-formed and absent ids through (a debugger judges unknown ids itself)', () => {
    expect(argumentProblem('scopes', { frameId: 999_999 })).toBeUndefined();
    expect(argumentProblem('evaluate', { expression: 'x' })).toBeUndefined();
    expect(argumentProblem('setBreakpoints', { source: { path: '/a.py' }, breakpoints: [{ line: 3 }] })).toBeUndefined();
  });
});
