// Where kubelet probe connections come from, so a steal never takes them from the original app.
// KMIRROR_PROBE_SOURCES lists addresses or CIDR prefixes; the word "gateway" stands for the
// target's default IPv4 gateways, read from /proc/<pid>/net/route. On bridge CNIs (the project's
// test cluster, flannel, kindnet, ...) the kubelet's probes reach the pod from the node's address
// on the pod bridge — the pod's gateway — rather than from status.hostIP.
import { readFileSync } from 'node:fs';

/** Default-route gateways in a /proc/net/route table (hex, host byte order of x86: little-endian). */
export function defaultGateways(routeTable: string): string[] {
  const gateways: string[] = [];
  for (const line of routeTable.split('\n').slice(1)) {
    const [, destination, gateway, , , , , mask] = line.trim().split(/\s+/);
    if (destination !== '00000000' || mask !== '00000000' || !gateway || gateway === '00000000') continue;
    const n = Number.parseInt(gateway, 16);
    if (Number.isNaN(n)) continue;
    gateways.push([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.'));
  }
  return [...new Set(gateways)];
}

/** Expands the probe-source list: literal entries stay, "gateway" becomes the target's gateways. */
export function resolveProbeSources(specs: readonly string[], readRoutes: () => string): string[] {
  const out: string[] = [];
  for (const spec of specs) {
    if (spec !== 'gateway') out.push(spec);
    else {
      try {
        out.push(...defaultGateways(readRoutes()));
      } catch {
        // No route table (netns target without a process): only the literal sources apply.
      }
    }
  }
  return [...new Set(out)];
}

/** The target's route table, read through a process inside its network namespace. */
export function routeTableOf(pid: number | undefined): () => string {
  return () => {
    if (pid === undefined) throw new Error('no target process');
    return readFileSync(`/proc/${pid}/net/route`, 'utf8');
  };
}
