import { describe, expect, it } from 'vitest';
import { filterTargetEnv } from './target-env.js';

const remote = { PATH: '/pod/bin', DB_HOST: 'db', DB_USER: 'u', API_KEY: 'k', HOME: '/root' };

describe('target env filter', () => {
  it('takes the target env without the workstation-only variables', () => {
    expect(filterTargetEnv(remote, { enabled: true, include: [], exclude: [], override: {} })).toEqual({ DB_HOST: 'db', DB_USER: 'u', API_KEY: 'k' });
  });
  it('applies include/exclude wildcards and overrides', () => {
    expect(filterTargetEnv(remote, { enabled: true, include: ['DB_*', 'PATH'], exclude: ['DB_USER'], override: { X: '1' } }))
      .toEqual({ DB_HOST: 'db', PATH: '/pod/bin', X: '1' });
  });
  it('disabled: only overrides', () => {
    expect(filterTargetEnv(remote, { enabled: false, include: [], exclude: [], override: { X: '1' } })).toEqual({ X: '1' });
  });
});
