import { describe, expect, it } from 'vitest';
import { compileHttpFilter, HttpFilterError, type RequestHead } from './filter.js';

const req = (method: string, url: string, headers: Record<string, string> = {}): RequestHead => ({
  method, url, rawHeaders: Object.entries(headers).flat(),
});

describe('compileHttpFilter', () => {
  it('matches a header regex against "Name: value" lines', () => {
    const m = compileHttpFilter({ headerFilter: '^x-user: alice$' });
    expect(m(req('GET', '/', { 'x-user': 'alice' }))).toBe(true);
    expect(m(req('GET', '/', { 'x-user': 'bob' }))).toBe(false);
    expect(m(req('GET', '/'))).toBe(false);
  });

  it('matches header and path case-insensitively, as mirrord ("(?i)pattern"): Go clients send "X-Filter"', () => {
    const header = compileHttpFilter({ headerFilter: 'x-filter: yes' });
    expect(header(req('GET', '/', { 'X-Filter': 'yes' }))).toBe(true);
    expect(header(req('GET', '/', { 'X-Filter': 'no' }))).toBe(false);
    const path = compileHttpFilter({ pathFilter: '^/api/v1' });
    expect(path(req('GET', '/API/V1/users'))).toBe(true);
    expect(path(req('GET', '/api/v2'))).toBe(false);
  });

  it('matches path (with query) and method, method case-insensitively', () => {
    expect(compileHttpFilter({ pathFilter: '^/api/' })(req('GET', '/api/x?y=1'))).toBe(true);
    expect(compileHttpFilter({ pathFilter: '^/api/' })(req('GET', '/health'))).toBe(false);
    expect(compileHttpFilter({ methodFilter: '^post$' })(req('POST', '/'))).toBe(true);
  });

  it('requires every set field to match', () => {
    const m = compileHttpFilter({ pathFilter: '^/api', methodFilter: 'GET' });
    expect(m(req('GET', '/api'))).toBe(true);
    expect(m(req('POST', '/api'))).toBe(false);
  });

  it('nests all_of and any_of', () => {
    const m = compileHttpFilter({
      anyOf: [{ headerFilter: 'x-debug: 1' }, { allOf: [{ pathFilter: '^/v2' }, { methodFilter: 'PUT' }] }],
    });
    expect(m(req('GET', '/', { 'x-debug': '1' }))).toBe(true);
    expect(m(req('PUT', '/v2/item'))).toBe(true);
    expect(m(req('GET', '/v2/item'))).toBe(false);
  });

  it('refuses invalid regexes and empty filters with the field named', () => {
    expect(() => compileHttpFilter({ pathFilter: '(' })).toThrow(HttpFilterError);
    expect(() => compileHttpFilter({ anyOf: [{ headerFilter: '[' }] })).toThrow(/any_of\[0\]\.header_filter/);
    expect(() => compileHttpFilter({})).toThrow(/empty filter/);
  });
});

describe('invalid patterns', () => {
  it('names the pattern and the position where it breaks', () => {
    expect(() => compileHttpFilter({ headerFilter: 'x-user: (a' })).toThrow('http_filter.header_filter: invalid pattern "x-user: (a" at position 10: Unterminated group');
    expect(() => compileHttpFilter({ allOf: [{ pathFilter: '^/[z-a]' }] })).toThrow(/all_of\[0\]\.path_filter: invalid pattern "\^\/\[z-a\]" at position \d+: Range out of order/);
  });
});
