// For the byte-stream tests (here and in the workstation runtime): a byte stream opened between two in-memory
// tunnel connections the way a real one is (the client allocates the id and sends tcpConnect, the agent accepts),
// with a TunnelByteStream on each end.
import { TunnelByteStream, type ByteStreamOptions } from './byte-stream.js';
import { TunnelConnection, type StreamHandler } from './connection.js';
import { createTransportPair } from './memory-transport.js';
import type { Frame } from './messages.js';

/** A client and an agent connection over an in-memory transport pair. */
export function connectionPair(): { client: TunnelConnection; agent: TunnelConnection } {
  const [x, y] = createTransportPair();
  return { client: new TunnelConnection(x, { role: 'client' }), agent: new TunnelConnection(y, { role: 'agent' }) };
}

/** Opens a stream with `window` bytes each way: [the client's end, the agent's end (`agentOptions` added)]. */
export async function openStreamPair(client: TunnelConnection, agent: TunnelConnection, window: number,
  agentOptions: Partial<ByteStreamOptions> = {}): Promise<[TunnelByteStream, TunnelByteStream]> {
  const accepted = new Promise<Frame>((resolve) => agent.once('stream', resolve));
  const placeholder: StreamHandler = { onMessage: () => undefined, onConnectionClosed: () => undefined };
  const id = client.openStream(placeholder);
  client.send(id, { kind: 'tcpConnect', host: 'x', port: 1, initialWindow: window, timeoutMs: 0 });
  await accepted;
  return [
    new TunnelByteStream(client, id, { sendWindow: window, recvWindow: window }),
    new TunnelByteStream(agent, id, { sendWindow: window, recvWindow: window, ...agentOptions }),
  ];
}
