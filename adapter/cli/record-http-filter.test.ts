import { describe, expect, it } from 'vitest';
import { parseHttpFilterFlags } from './record-http-filter.js';

const head = (method: string, url: string, ...headers: string[]) => ({ method, url, rawHeaders: headers });

describe('kmirror record --http-filter', () => {
  it('is absent without a flag', () => {
    expect(parseHttpFilterFlags({})).toBeUndefined();
  });

  it('takes a header regex over "Name: value" lines', () => {
    const f = parseHttpFilterFlags({ filter: 'x-user: a$' });
    expect(f?.filter).toEqual({ headerFilter: 'x-user: a$' });
    expect(f?.matches(head('GET', '/', 'x-user', 'a'))).toBe(true);
    expect(f?.matches(head('GET', '/', 'x-user', 'b'))).toBe(false);
    expect(f?.matches(head('GET', '/'))).toBe(false);
  });

  it('ANDs --http-filter-path and --http-filter-method (case-insensitive) with the header filter', () => {
    const f = parseHttpFilterFlags({ filter: 'x-user: a', path: '^/api/', method: 'post' });
    expect(f?.label).toBe('x-user: a and path ^/api/ and method post');
    expect(f?.matches(head('POST', '/api/x', 'x-user', 'a'))).toBe(true);
    expect(f?.matches(head('GET', '/api/x', 'x-user', 'a'))).toBe(false);
    expect(f?.matches(head('POST', '/web', 'x-user', 'a'))).toBe(false);
    expect(parseHttpFilterFlags({ path: '^/api/' })?.matches(head('GET', '/api/1'))).toBe(true);
  });

  it('takes the JSON form of the config http_filter', () => {
    const f = parseHttpFilterFlags({ filter: '{"any_of":[{"header_filter":"x-user: a"},{"path_filter":"^/debug"}]}' });
    expect(f?.filter).toEqual({ anyOf: [{ headerFilter: 'x-user: a' }, { pathFilter: '^/debug' }] });
    expect(f?.matches(head('GET', '/debug'))).toBe(true);
    expect(f?.matches(head('GET', '/', 'x-user', 'ab'))).toBe(true);
    expect(f?.matches(head('GET', '/', 'x-user', 'b'))).toBe(false);
  });

  it('refuses invalid regexes naming the pattern and the position, and bad JSON naming the key', () => {
    expect(() => parseHttpFilterFlags({ filter: 'x-user: (a' })).toThrow(/--http-filter\.header_filter: invalid regex at position 10 \(Unterminated group\):\n {2}x-user: \(a\n {12}\^/);
    expect(() => parseHttpFilterFlags({ path: '*x' })).toThrow(/--http-filter\.path_filter: invalid regex at position 1 \(Nothing to repeat\)/);
    expect(() => parseHttpFilterFlags({ filter: '{"all_of":[{"method_filter":"GET"},{"path_filter":"a)"}]}' }))
      .toThrow(/--http-filter\.all_of\[1\]\.path_filter: invalid regex at position 1/);
    expect(() => parseHttpFilterFlags({ filter: '{"header_filter": 3}' })).toThrow(/http_filter\.header_filter.*string/);
    expect(() => parseHttpFilterFlags({ filter: '{"heder_filter":"x"}' })).toThrow(/unknown key "http_filter\.heder_filter" is not an http_filter key/);
    expect(() => parseHttpFilterFlags({ filter: '{"header_filter":' })).toThrow(/--http-filter: not valid JSON/);
    expect(() => parseHttpFilterFlags({ filter: '{}' })).toThrow(/--http-filter: empty filter/);
    expect(() => parseHttpFilterFlags({ filter: ' ' })).toThrow(/empty filter/);
  });
});
