// Implementation of AgentSession (in progress: the foundation engineer lands it next).
import type { AgentSession, ConnectAgentOptions } from './agent-session.js';
import { TunnelError } from '../../../proto/runtime/errors.js';

export async function openClientSession(opts: ConnectAgentOptions): Promise<AgentSession> {
  throw new TunnelError('NOT_SUPPORTED', `connectAgent ${opts.url}: client session not implemented yet`);
}
