// Which outgoing destinations go through the target (feature.network.outgoing.filter). Hostname
// rules match the names the program resolved through the target's DNS (recorded by the DNS
// relay), since the layer only sees addresses. A resolver expands a short name (`udp-logger`)
// with the target's search list before asking, so a rule also matches a name that was asked
// for as `<rule>.<search domain>` — the name the program itself used.
import { BlockList, isIPv4 } from 'node:net';
import type { OutgoingRule, SessionPolicy } from '../config/policy.js';

export class OutgoingFilter {
  private readonly namesByAddress = new Map<string, Set<string>>();
  /** Names as the resolver asked for them (the question), by answered address. */
  private readonly askedByAddress = new Map<string, Set<string>>();

  constructor(private readonly policy: SessionPolicy['outgoing']) {}

  /** Remembers that `name` resolved to `address` (from a DNS answer); `asked`: the question's name. */
  recordName(name: string, address: string, asked = false): void {
    const map = asked ? this.askedByAddress : this.namesByAddress;
    let names = map.get(address);
    if (!names) map.set(address, (names = new Set()));
    names.add(name.toLowerCase().replace(/\.$/, ''));
  }

  private hostnameMatches(hostname: string, address: string): boolean {
    const answered = [...this.namesByAddress.get(address) ?? [], ...this.askedByAddress.get(address) ?? []];
    if (answered.some((n) => n === hostname || n.endsWith(`.${hostname}`))) return true;
    return [...this.askedByAddress.get(address) ?? []].some((n) => n.startsWith(`${hostname}.`));
  }

  private matches(rule: OutgoingRule, transport: 'tcp' | 'udp', address: string, port: number): boolean {
    if (rule.transport && rule.transport !== transport) return false;
    if (rule.port !== undefined && rule.port !== port) return false;
    if (rule.cidr) {
      const list = new BlockList();
      const type = rule.cidr.family === 4 ? 'ipv4' : 'ipv6';
      list.addSubnet(rule.cidr.address, rule.cidr.prefix, type);
      return list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
    }
    if (rule.hostname) return this.hostnameMatches(rule.hostname, address);
    return true;
  }

  /** True when the destination is reached through the target. */
  remote(transport: 'tcp' | 'udp', address: string, port: number): boolean {
    if (transport === 'tcp' ? !this.policy.tcp : !this.policy.udp) return false;
    const filter = this.policy.filter;
    if (!filter) return true;
    const hit = filter.rules.some((r) => this.matches(r, transport, address, port));
    return filter.kind === 'remote' ? hit : !hit;
  }
}
