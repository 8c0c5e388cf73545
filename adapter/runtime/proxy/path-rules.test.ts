import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../config/policy.js';
import { buildPathRules, matchRule } from './path-rules.js';

describe('path rules', () => {
  it('read mode: system paths and the working directory local, DNS files and the rest remote', () => {
    const { rules, defaultAction } = buildPathRules(resolvePolicy({}), '/home/dev/app');
    expect(defaultAction).toBe('remote');
    expect(matchRule(rules, '/etc/resolv.conf')?.action).toBe('remote');
    expect(matchRule(rules, '/etc/passwd')?.action).toBe('local');
    expect(matchRule(rules, '/usr/lib/x.so')?.action).toBe('local');
    expect(matchRule(rules, '/home/dev/app/main.go')?.action).toBe('local');
    expect(matchRule(rules, '/var/run/secrets/token')).toBeUndefined();
  });
  it('user lists come first; local mode keeps only the DNS files remote', () => {
    const p = resolvePolicy({ feature: { fs: { mode: 'local', not_found: ['^/secret'], read_only: ['^/app'] } } });
    const { rules, defaultAction } = buildPathRules(p, '/w');
    expect(defaultAction).toBe('local');
    expect(matchRule(rules, '/secret/x')?.action).toBe('not_found');
    expect(matchRule(rules, '/app/config')).toBeUndefined();
    expect(matchRule(rules, '/etc/hosts')?.action).toBe('remote');
  });
  it('localwithoverrides: listed paths remote (explicit)', () => {
    const { rules } = buildPathRules(resolvePolicy({ feature: { fs: { mode: 'localwithoverrides', read_only: '^/app;^/data' } } }), '/w');
    expect(matchRule(rules, '/data/x')).toMatchObject({ action: 'remote', readOnly: true, explicit: true });
  });
});
