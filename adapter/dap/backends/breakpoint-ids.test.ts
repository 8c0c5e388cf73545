import { describe, expect, it } from 'vitest';
import { BreakpointIds } from './breakpoint-ids.js';

describe('BreakpointIds', () => {
  it('keeps the client ids across attaches that number their breakpoints from 1 again', () => {
    const ids = new BreakpointIds();
    expect([ids.toClient(1, 1), ids.toClient(1, 2), ids.toClient(1, 1)]).toEqual([1, 2, 1]);
    // The second attach set the same two breakpoints again, in the opposite order.
    ids.bind(2, 1, 2);
    ids.bind(2, 2, 1);
    expect([ids.toClient(2, 1), ids.toClient(2, 2)]).toEqual([2, 1]);
    // A breakpoint the client adds later gets an id no earlier breakpoint had.
    expect(ids.toClient(2, 3)).toBe(3);
    expect(ids.fresh()).toBe(4);
  });
});
