// Whether this agent can load and attach BPF programs: CAP_BPF (or CAP_SYS_ADMIN) plus
// CAP_NET_ADMIN in the effective set (notes/platform.md §1). An ephemeral agent without them
// still serves outgoing traffic, DNS, files and env; steal/mirror then answer NOT_SUPPORTED.
import { readFileSync } from 'node:fs';
import { TunnelError } from '#proto/runtime/errors.js';
import { UnsupportedIncomingTrafficService, type IncomingSubscription, type SubscribeRequest } from './service.js';

const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n;
const CAP_BPF = 39n;

/** Names the missing capability, or undefined when BPF traffic capture is possible. */
export function missingBpfCapability(status = readFileSync('/proc/self/status', 'utf8')): string | undefined {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (!hex) return 'CapEff unreadable in /proc/self/status';
  const eff = BigInt(`0x${hex}`);
  const has = (cap: bigint): boolean => (eff & (1n << cap)) !== 0n;
  if (!has(CAP_BPF) && !has(CAP_SYS_ADMIN)) return 'CAP_BPF';
  if (!has(CAP_NET_ADMIN)) return 'CAP_NET_ADMIN';
  return undefined;
}

/** Incoming traffic on an agent without the BPF capabilities: refused with the reason. */
export class MissingCapabilityService extends UnsupportedIncomingTrafficService {
  constructor(private readonly missing: string) {
    super();
  }
  override async subscribe(req: SubscribeRequest): Promise<IncomingSubscription> {
    throw new TunnelError('NOT_SUPPORTED', `subscribe ${req.transport}/${req.port} (${req.mode}): this agent lacks ${this.missing} (steal and mirror need CAP_BPF and CAP_NET_ADMIN)`);
  }
}
