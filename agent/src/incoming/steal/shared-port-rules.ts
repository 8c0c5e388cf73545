// The rules between sessions that steal one TCP port of a shared agent:
//   - any number of HTTP-filtered steals share a port; a request goes to the first subscribed
//     route whose filter matches, and a request matching none goes to the target's own process;
//   - an unfiltered steal owns its port alone: it is refused while filters share the port, and
//     a filter is refused while an unfiltered steal holds it — both refusals name the other
//     session (user@host, session number, pid, start time);
//   - two filters that can both match one request are reported to both sessions when the
//     second subscribes, with an example request and who gets such requests.
import { TunnelError } from '#proto/runtime/errors.js';
import type { FilterRoute } from '../http/filtered-connection.js';
import { filterText } from '../http/filter.js';
import { describeRequest, findOverlap } from '../http/filter-overlap.js';
import type { IncomingSink, SubscriberSession } from '../service.js';

/** The subscriptions stealing one TCP port. */
export interface PortSteal {
  unfiltered?: { sink: IncomingSink; streams: Set<import('node:stream').Duplex>; session?: SubscriberSession };
  filtered: FilterRoute[];
  release: () => void;
}

const nameOf = (s: SubscriberSession | undefined): string => s?.label ?? 'another session';

function owners(routes: readonly FilterRoute[]): string {
  const labels = [...new Set(routes.map((r) => nameOf(r.session)))];
  return labels.join(', ');
}

/** Throws ALREADY_EXISTS when the new steal cannot share the port with what holds it now. */
export function checkStealAllowed(port: number, entry: PortSteal | undefined, filtered: boolean): void {
  if (!entry) return;
  if (entry.unfiltered) {
    throw new TunnelError('ALREADY_EXISTS', `steal tcp/${port}: the port is already stolen without an HTTP filter by ${nameOf(entry.unfiltered.session)}; `
      + 'a steal without a filter takes every request, so no other steal can share the port until it ends');
  }
  if (!filtered && entry.filtered.length > 0) {
    throw new TunnelError('ALREADY_EXISTS', `steal tcp/${port}: the port is shared by HTTP filters of ${owners(entry.filtered)}; `
      + 'a steal without a filter would take their requests: set an http_filter to share the port');
  }
}

/**
 * Tells both sessions about each earlier route whose filter can match a request the new one also
 * matches. The earlier route keeps such requests (first subscribed wins).
 */
export function reportOverlaps(port: number, earlier: readonly FilterRoute[], added: FilterRoute): number {
  let found = 0;
  for (const route of earlier) {
    if (route === added) continue;
    const example = findOverlap(route.filter, added.filter);
    if (!example) continue;
    found++;
    const req = describeRequest(example);
    const mine = filterText(added.filter);
    const theirs = filterText(route.filter);
    added.sink.warn?.(`steal tcp/${port}: your http_filter ${mine} and the http_filter ${theirs} of ${nameOf(route.session)} can both match one request `
      + `(e.g. ${req}); such requests go to ${nameOf(route.session)}, which subscribed first (first subscribed wins)`, route.session?.id ?? 0);
    route.sink.warn?.(`steal tcp/${port}: the http_filter ${mine} of ${nameOf(added.session)}, subscribed after yours ${theirs}, can match the same request `
      + `(e.g. ${req}); such requests stay with you (first subscribed wins)`, added.session?.id ?? 0);
  }
  return found;
}
