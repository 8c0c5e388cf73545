// Parsers for the target's /etc/resolv.conf and /etc/hosts (the subset resolvers agree on:
// nameserver, search/domain, options ndots/timeout/attempts; hosts lines with aliases).
import net from 'node:net';

export interface ResolvConf {
  nameservers: string[];
  search: string[];
  ndots: number;
  timeoutMs: number;
  attempts: number;
}

export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], search: [], ndots: 1, timeoutMs: 5000, attempts: 2 };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...args] = line.split(/\s+/);
    if (key === 'nameserver' && args[0] && net.isIP(args[0].replace(/%.*$/, ''))) conf.nameservers.push(args[0].replace(/%.*$/, ''));
    else if (key === 'search' || key === 'domain') conf.search = args.filter(Boolean).map((d) => d.replace(/\.$/, ''));
    else if (key === 'options') {
      for (const opt of args) {
        const [name, value] = opt.split(':');
        const n = Number(value);
        if (name === 'ndots' && Number.isFinite(n)) conf.ndots = Math.min(15, Math.max(0, n));
        if (name === 'timeout' && Number.isFinite(n) && n > 0) conf.timeoutMs = Math.min(30, n) * 1000;
        if (name === 'attempts' && Number.isFinite(n) && n > 0) conf.attempts = Math.min(5, n);
      }
    }
  }
  return conf;
}

/** name (lower case) → addresses, in file order. */
export function parseHosts(text: string): Map<string, string[]> {
  const hosts = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const [address, ...names] = raw.replace(/#.*$/, '').trim().split(/\s+/);
    if (!address || !net.isIP(address)) continue;
    for (const name of names) {
      const key = name.toLowerCase().replace(/\.$/, '');
      const list = hosts.get(key) ?? [];
      if (!list.includes(address)) list.push(address);
      hosts.set(key, list);
    }
  }
  return hosts;
}

/** The names to try for `name`, in resolver order (ndots and search list). */
export function candidateNames(name: string, conf: ResolvConf): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = name.split('.').length - 1;
  const searched = conf.search.map((d) => `${name}.${d}`);
  return dots >= conf.ndots ? [name, ...searched] : [...searched, name];
}
