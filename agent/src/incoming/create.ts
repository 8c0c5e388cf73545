// Composition point for incoming traffic: the agent's main calls this once. Steal and mirror are
// backed by eBPF (./ebpf-service.ts). Probe sources (the node address kubelet probes come from)
// are read from KMIRROR_PROBE_SOURCES, a comma-separated list of addresses or CIDR prefixes, where
// "gateway" stands for the target's default gateways (./probe-sources.ts).
import type { Logger } from '../log.js';
import type { AgentTarget } from '../target/target.js';
import type { NetnsSockets } from '../netns/sockets.js';
import type { IncomingTrafficService } from './service.js';
import { MissingCapabilityService, missingBpfCapability } from './capabilities.js';
import { EbpfIncomingTrafficService } from './ebpf-service.js';
import { resolveProbeSources, routeTableOf } from './probe-sources.js';

export interface IncomingContext {
  target: AgentTarget;
  log: Logger;
  /** Socket creation inside the target's netns (listeners for steal, passthrough connects). */
  sockets: NetnsSockets;
  /** Overrides KMIRROR_PROBE_SOURCES. */
  probeSources?: string[];
}

export async function createIncomingTrafficService(ctx: IncomingContext): Promise<IncomingTrafficService> {
  const missing = missingBpfCapability();
  if (missing) {
    ctx.log.warn('incoming', `steal and mirror unavailable: ${missing} missing`, { missing });
    return new MissingCapabilityService(missing);
  }
  const fromEnv = (process.env.KMIRROR_PROBE_SOURCES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return new EbpfIncomingTrafficService({ sockets: ctx.sockets, log: ctx.log, probeSources: resolveProbeSources(ctx.probeSources ?? fromEnv, routeTableOf(ctx.target.pid)) });
}
