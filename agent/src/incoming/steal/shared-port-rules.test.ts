import { describe, expect, it } from 'vitest';
import type { FilterRoute } from '../http/filtered-connection.js';
import { compileHttpFilter } from '../http/filter.js';
import type { HttpFilter, IncomingSink } from '../service.js';
import { checkStealAllowed, reportOverlaps, type PortSteal } from './shared-port-rules.js';

const alice = { id: 1, label: 'alice@laptop (session 1, pid 10, since 2026-12-06T10:00:00Z)' };
const bob = { id: 2, label: 'bob@desk (session 2, pid 20, since 2026-12-06T11:00:00Z)' };

function route(filter: HttpFilter, session: typeof alice, warnings: string[]): FilterRoute {
  const sink = { warn: (m: string) => warnings.push(m) } as unknown as IncomingSink;
  return { matcher: compileHttpFilter(filter), filter, sink, streams: new Set(), session };
}

describe('sharing a stolen port between sessions', () => {
  it('refuses a filter on a port stolen without one, naming its session', () => {
    const entry: PortSteal = { unfiltered: { sink: {} as IncomingSink, streams: new Set(), session: alice }, filtered: [], release: () => {} };
    expect(() => checkStealAllowed(8080, entry, true)).toThrow(`steal tcp/8080: the port is already stolen without an HTTP filter by ${alice.label}`);
    expect(() => checkStealAllowed(8080, entry, false)).toThrow(/ALREADY_EXISTS|already stolen/);
  });

  it('refuses an unfiltered steal of a port filters share, naming every filtering session once', () => {
    const entry: PortSteal = { filtered: [route({ headerFilter: 'a' }, alice, []), route({ headerFilter: 'b' }, bob, []), route({ headerFilter: 'c' }, alice, [])], release: () => {} };
    expect(() => checkStealAllowed(8080, entry, false)).toThrow(`steal tcp/8080: the port is shared by HTTP filters of ${alice.label}, ${bob.label}; `);
    expect(() => checkStealAllowed(8080, entry, true)).not.toThrow();
    expect(() => checkStealAllowed(8080, undefined, false)).not.toThrow();
  });

  it('reports an overlap to both sessions, saying who keeps such requests', () => {
    const first: string[] = [];
    const second: string[] = [];
    const earlier = [route({ headerFilter: '^x-user: bob$' }, alice, []), route({ headerFilter: '^x-user: alice$' }, alice, first)];
    const added = route({ headerFilter: '^x-user: a.*' }, bob, second);
    expect(reportOverlaps(8080, earlier, added)).toBe(1);
    expect(second).toEqual([`steal tcp/8080: your http_filter {"header_filter":"^x-user: a.*"} and the http_filter {"header_filter":"^x-user: alice$"} of ${alice.label} can both match one request (e.g. GET / with x-user: alice); such requests go to ${alice.label}, which subscribed first (first subscribed wins)`]);
    expect(first).toEqual([`steal tcp/8080: the http_filter {"header_filter":"^x-user: a.*"} of ${bob.label}, subscribed after yours {"header_filter":"^x-user: alice$"}, can match the same request (e.g. GET / with x-user: alice); such requests stay with you (first subscribed wins)`]);
  });
});
