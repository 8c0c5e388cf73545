import { describe, expect, it } from 'vitest';
import { ptraceRefusal } from './pod-security-ptrace.js';

describe('ptraceRefusal', () => {
  it('allows SYS_PTRACE in a privileged or unlabelled namespace', () => {
    expect(ptraceRefusal('dev', 'privileged')).toBeUndefined();
    expect(ptraceRefusal('dev', undefined)).toBeUndefined();
  });
  it('refuses baseline and restricted, naming the level and what to do', () => {
    for (const level of ['baseline', 'restricted'] as const) {
      const msg = ptraceRefusal('shop', level);
      expect(msg).toMatch(new RegExp(`namespace shop enforces Pod Security level "${level}"`));
      expect(msg).toMatch(/SYS_PTRACE/);
      expect(msg).toMatch(/kubectl label namespace shop pod-security\.kubernetes\.io\/enforce=privileged --overwrite/);
      expect(msg).toMatch(/"debugger": "node"/);
    }
  });
});
