import { describe, expect, it } from 'vitest';
import { describeRequest, findOverlap } from './filter-overlap.js';

describe('findOverlap', () => {
  it('finds no overlap between filters on different values of one header', () => {
    expect(findOverlap({ headerFilter: '^x-user: alice$' }, { headerFilter: '^x-user: bob$' })).toBeUndefined();
    expect(findOverlap({ headerFilter: 'x-user: a' }, { headerFilter: 'x-user: b' })).toBeUndefined();
    expect(findOverlap({ pathFilter: '^/api/' }, { pathFilter: '^/admin/' })).toBeUndefined();
  });

  it('finds a request both match, and names it', () => {
    const wide = findOverlap({ headerFilter: '^x-user: alice$' }, { headerFilter: '^x-user: .*' });
    expect(wide && describeRequest(wide)).toBe('GET / with x-user: alice');
    expect(findOverlap({ headerFilter: 'x-user: a' }, { headerFilter: 'x-user: a' })).toBeDefined();
    // Different parts of the request: a request with both is matched by both.
    const mixed = findOverlap({ headerFilter: '^x-user: alice$' }, { pathFilter: '^/api/v1$' });
    expect(mixed && describeRequest(mixed)).toBe('GET /api/v1 with x-user: alice');
    expect(findOverlap({ methodFilter: '^post$' }, { anyOf: [{ pathFilter: '^/x$' }, { methodFilter: 'POST' }] })).toBeDefined();
  });

  it('is repeatable', () => {
    const a = { headerFilter: 'x-user: [a-c]+' };
    const b = { headerFilter: 'x-user: b' };
    expect(findOverlap(a, b)).toEqual(findOverlap(a, b));
  });
});
