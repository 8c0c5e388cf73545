// Which outgoing destinations go through the target (feature.network.outgoing.filter). Hostname
// rules match the names the program resolved through the target's DNS (recorded by the DNS
// relay), since the layer only sees addresses.
import { BlockList, isIPv4 } from 'node:net';
import type { OutgoingRule, SessionPolicy } from '../config/policy.js';

export class OutgoingFilter {
  private readonly namesByAddress = new Map<string, Set<string>>();

  constructor(private readonly policy: SessionPolicy['outgoing']) {}

  /** Remembers that `name` resolved to `address` (from a DNS answer). */
  recordName(name: string, address: string): void {
    let names = this.namesByAddress.get(address);
    if (!names) this.namesByAddress.set(address, (names = new Set()));
    names.add(name.toLowerCase().replace(/\.$/, ''));
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
    if (rule.hostname) {
      const names = this.namesByAddress.get(address);
      return !!names && [...names].some((n) => n === rule.hostname || n.endsWith(`.${rule.hostname}`));
    }
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
