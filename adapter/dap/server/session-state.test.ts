import { describe, expect, it } from 'vitest';
import { admits, stateAfterEvent, stateAfterRequest } from './session-state.js';

describe('session state gating', () => {
  it('refuses exceptionInfo while the program runs, admits it when stopped', () => {
    expect(admits('running', 'exceptionInfo')).toMatch(/program is running/);
    expect(admits('stopped', 'exceptionInfo')).toBeUndefined();
    expect(admits('configuring', 'exceptionInfo')).toMatch(/launch or attach first/);
  });

  it('counts a stopped session as running from the request that resumes it', () => {
    expect(stateAfterRequest('stopped', 'next')).toBe('running');
    expect(stateAfterRequest('stopped', 'continue')).toBe('running');
    expect(stateAfterRequest('stopped', 'stackTrace')).toBe('stopped');
    expect(stateAfterRequest('launching', 'continue')).toBe('launching');
  });

  it('admits initialize once, then launch', () => {
    expect(admits('initializing', 'initialize')).toBeUndefined();
    expect(admits('configuring', 'initialize')).toMatch(/already/);
    expect(admits('initializing', 'launch')).toMatch(/initialize first/);
    expect(admits('configuring', 'launch')).toBeUndefined();
    expect(admits('running', 'attach')).toMatch(/already in progress/);
  });
  it('sends debugger requests only while a backend exists', () => {
    expect(admits('configuring', 'stackTrace')).toMatch(/launch or attach first/);
    expect(admits('launching', 'setBreakpoints')).toBeUndefined();
    expect(admits('stopped', 'variables')).toBeUndefined();
    expect(admits('terminated', 'threads')).toMatch(/ended/);
  });
  it('always admits disconnect', () => {
    for (const s of ['initializing', 'configuring', 'running', 'terminated'] as const) expect(admits(s, 'disconnect')).toBeUndefined();
  });
  it('follows stopped/continued/terminated', () => {
    expect(stateAfterEvent('running', 'stopped')).toBe('stopped');
    expect(stateAfterEvent('stopped', 'continued')).toBe('running');
    expect(stateAfterEvent('stopped', 'terminated')).toBe('terminated');
    expect(stateAfterEvent('terminated', 'stopped')).toBeUndefined();
    expect(stateAfterEvent('running', 'output')).toBeUndefined();
  });
});
