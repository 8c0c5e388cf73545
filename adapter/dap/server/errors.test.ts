import { describe, expect, it } from 'vitest';
import { DapError, DapErrorCode, isDapError, withTimeout } from './errors.js';

describe('DapError', () => {
  it('has unique codes', () => {
    const codes = Object.values(DapErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
  });
  it('is recognised by brand and maps to its numeric id', () => {
    const e = new DapError('BAD_LAUNCH_FIELD', 'x');
    expect(isDapError(e)).toBe(true);
    expect(isDapError(new Error('x'))).toBe(false);
    expect(e.id).toBe(5003);
  });
  it('withTimeout rejects with TIMEOUT', async () => {
    await expect(withTimeout(new Promise(() => {}), 10, 'op')).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});
