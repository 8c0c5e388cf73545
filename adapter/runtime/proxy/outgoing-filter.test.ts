import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../config/policy.js';
import { OutgoingFilter } from './outgoing-filter.js';

function filterFor(remote: string[]): OutgoingFilter {
  return new OutgoingFilter(resolvePolicy({ feature: { network: { outgoing: { filter: { remote } } } } }).outgoing);
}

describe('OutgoingFilter hostname rules', () => {
  it('a short service name matches the name the resolver asked for with a search domain', () => {
    const f = filterFor(['udp-logger']);
    f.recordName('udp-logger.shop.svc.cluster.local', '10.0.0.7', true);
    f.recordName('udp-logger.shop.svc.cluster.local', '10.0.0.7', false);
    expect(f.remote('udp', '10.0.0.7', 514)).toBe(true);
    expect(f.remote('udp', '10.0.0.8', 514)).toBe(false);
  });

  it('a name only in an answer (after a CNAME) matches as a suffix, not as a prefix', () => {
    const f = filterFor(['db']);
    f.recordName('db.internal.example', '10.0.0.9', false);
    expect(f.remote('tcp', '10.0.0.9', 5432)).toBe(false);
    f.recordName('db.shop.svc.cluster.local', '10.0.0.9', true);
    expect(f.remote('tcp', '10.0.0.9', 5432)).toBe(true);
  });

  it('a full name still matches the answer, and its subdomains', () => {
    const f = filterFor(['example.com']);
    f.recordName('api.example.com', '192.0.2.1');
    expect(f.remote('tcp', '192.0.2.1', 443)).toBe(true);
  });
});
