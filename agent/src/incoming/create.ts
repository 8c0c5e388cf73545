// Composition point for incoming traffic: the agent's main calls this once. The traffic engineer
// replaces the body with the eBPF-backed service (steal/mirror); the default says NOT_SUPPORTED.
import type { Logger } from '../log.js';
import type { AgentTarget } from '../target/target.js';
import type { NetnsSockets } from '../netns/sockets.js';
import { UnsupportedIncomingTrafficService, type IncomingTrafficService } from './service.js';

export interface IncomingContext {
  target: AgentTarget;
  log: Logger;
  /** Socket creation inside the target's netns (listeners for steal, passthrough connects). */
  sockets: NetnsSockets;
}

export async function createIncomingTrafficService(ctx: IncomingContext): Promise<IncomingTrafficService> {
  return new UnsupportedIncomingTrafficService();
}
