import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, it, vi } from 'vitest';
import { isKmError, KM_ERROR_RANGES, KmError, KmErrorCode, type KmErrorComponent } from './km-error.js';
import { TunnelError } from './errors.js';
import { ERROR_CODES } from './types.js';

const components = Object.keys(KmErrorCode) as KmErrorComponent[];

describe('the error code table', () => {
  it('gives every code a number no other code has', () => {
    const all = components.flatMap((c) => Object.entries(KmErrorCode[c]).map(([name, n]) => ({ code: `${c}.${name}`, n })));
    const byNumber = new Map<number, string[]>();
    for (const { code, n } of all) byNumber.set(n, [...(byNumber.get(n) ?? []), code]);
    expect([...byNumber.values()].filter((codes) => codes.length > 1)).toEqual([]);
  });

  it('keeps each component inside its own range of 100', () => {
    const bases = Object.values(KM_ERROR_RANGES).sort((a, b) => a - b);
    for (let i = 1; i < bases.length; i++) expect(bases[i]! - bases[i - 1]!).toBeGreaterThanOrEqual(100);
    for (const c of components) {
      const base = KM_ERROR_RANGES[c];
      for (const n of Object.values(KmErrorCode[c])) expect(n, c).toSatisfy((v: number) => v >= base && v < base + 100);
    }
  });

  it('numbers the tunnel codes after their proto ErrorCode wire values', () => {
    const proto = protobuf.loadSync(fileURLToPath(new URL('../kmirror/tunnel/v1/tunnel.proto', import.meta.url)));
    const wireValues = proto.lookupEnum('kmirror.tunnel.v1.ErrorCode').values;
    expect(Object.keys(KmErrorCode.tunnel).sort()).toEqual([...ERROR_CODES].sort());
    for (const name of ERROR_CODES) expect(KmErrorCode.tunnel[name], name).toBe(1000 + (wireValues[name] ?? NaN));
  });
});

describe('KmError', () => {
  it('carries component, code, id, message and cause', () => {
    const cause = new Error('ECONNREFUSED');
    const e = new TunnelError('CONNECTION_REFUSED', 'connect 10.0.0.1:80: refused', { cause });
    expect(e).toBeInstanceOf(KmError);
    expect(e).toMatchObject({ name: 'TunnelError', component: 'tunnel', code: 'CONNECTION_REFUSED', id: 1010, message: 'connect 10.0.0.1:80: refused', cause });
  });

  it('is recognised by brand across copies of the module, where instanceof fails', async () => {
    vi.resetModules();
    const copy = await import('./errors.js');
    const foreign = new copy.TunnelError('INTERNAL', 'x');
    expect(foreign instanceof KmError).toBe(false);
    expect(isKmError(foreign)).toBe(true);
    expect(isKmError(new Error('x'))).toBe(false);
    expect(isKmError({ code: 'INTERNAL' })).toBe(false);
  });
});
