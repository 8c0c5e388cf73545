import { describe, expect, it } from 'vitest';
import { candidateNames, parseHosts, parseResolvConf } from './resolv-conf.js';

describe('resolv.conf', () => {
  it('reads nameservers, search list and options', () => {
    const conf = parseResolvConf('# comment\nnameserver 10.96.0.10\nnameserver fe80::1%eth0\nnameserver bogus\nsearch ns.svc.cluster.local svc.cluster.local.\noptions ndots:5 timeout:2 attempts:3\n');
    expect(conf).toEqual({ nameservers: ['10.96.0.10', 'fe80::1'], search: ['ns.svc.cluster.local', 'svc.cluster.local'], ndots: 5, timeoutMs: 2000, attempts: 3 });
  });

  it('tries the search list first for names with fewer dots than ndots', () => {
    const conf = parseResolvConf('search a.local b.local\noptions ndots:2\n');
    expect(candidateNames('db', conf)).toEqual(['db.a.local', 'db.b.local', 'db']);
    expect(candidateNames('db.x.y', conf)).toEqual(['db.x.y', 'db.x.y.a.local', 'db.x.y.b.local']);
    expect(candidateNames('fqdn.', conf)).toEqual(['fqdn']);
  });
});

describe('hosts', () => {
  it('maps every name and alias, case-insensitively, ignoring comments and junk', () => {
    const hosts = parseHosts('127.0.0.1 localhost\n10.0.0.5 Web web.local # x\n::1 localhost ip6-localhost\nnot-an-ip foo\n');
    expect(hosts.get('localhost')).toEqual(['127.0.0.1', '::1']);
    expect(hosts.get('web')).toEqual(['10.0.0.5']);
    expect(hosts.get('web.local')).toEqual(['10.0.0.5']);
    expect(hosts.has('foo')).toBe(false);
  });
});
