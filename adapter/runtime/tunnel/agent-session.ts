// Workstation client API of the tunnel: one AgentSession per agent connection. The session owns
// a WebSocket (or a pre-opened byte stream such as a Kubernetes port-forward), multiplexes streams
// over it and exposes the agent's services as typed calls. Errors thrown are TunnelError with
// `.code` = the proto ErrorCode name.
import { openClientSession } from './client-session.js';
import type { AgentSession, ConnectAgentOptions } from './session-types.js';

export type * from './session-types.js';
export { TunnelError, isTunnelError } from '#proto/runtime/errors.js';

/** Connects to an agent, runs the handshake and returns the session (TunnelError on failure). */
export function connectAgent(opts: ConnectAgentOptions): Promise<AgentSession> {
  return openClientSession(opts);
}
