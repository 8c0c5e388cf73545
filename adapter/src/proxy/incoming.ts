// Incoming traffic: when the program listens on a port, subscribe the matching target port at
// the agent (mirror or steal) and deliver each connection to the program's real local port.
// port_mapping maps the program's local port to the target port it stands for. Steal pipes both
// ways; mirror feeds the copy in and discards the program's answers.
import { connect } from 'node:net';
import type { SessionPolicy } from '../config/policy.js';
import type { AgentSession, IncomingConnection, Subscription } from '../tunnel/agent-session.js';

export interface IncomingStatus { port: number; localPort: number; mode: string; transport: string; state: 'subscribing' | 'active' | 'failed' | 'closed'; connections: number; error?: string }

export class IncomingService {
  private readonly subs = new Map<string, { status: IncomingStatus; sub?: Subscription }>();

  constructor(
    private readonly agent: () => AgentSession | undefined,
    private readonly policy: SessionPolicy['incoming'],
    private readonly log: (level: 'info' | 'warn', message: string) => void,
  ) {}

  /** The program listens on `localPort` (bound to `address`). */
  onListen(transport: 'tcp' | 'udp', localPort: number, address: string): void {
    const p = this.policy;
    if (p.mode === 'off') return;
    const remotePort = p.portMapping.get(localPort) ?? localPort;
    if (p.ports && !p.ports.includes(remotePort)) return;
    if (p.ignorePorts.includes(remotePort)) return;
    if (p.ignoreLocalhost && /^(127\.|::1$|::ffff:127\.)/.test(address)) return;
    const key = `${transport}/${remotePort}`;
    if (this.subs.has(key)) return;
    const agent = this.agent();
    if (!agent) return;
    const status: IncomingStatus = { port: remotePort, localPort, mode: p.mode, transport, state: 'subscribing', connections: 0 };
    const entry: { status: IncomingStatus; sub?: Subscription } = { status };
    this.subs.set(key, entry);
    const httpFilter = p.mode === 'steal' && p.httpFilter && (!p.httpFilterPorts || p.httpFilterPorts.includes(remotePort)) ? p.httpFilter : undefined;
    agent.subscribe({ port: remotePort, mode: p.mode, transport, ...(httpFilter ? { httpFilter } : {}) }, (conn) => {
      status.connections++;
      this.deliver(conn, localPort, address);
    }).then((sub) => {
      entry.sub = sub;
      status.state = 'active';
      this.log('info', `${p.mode} of target port ${remotePort}/${transport} → local port ${localPort}`);
      sub.on('closed', (reason: string) => { status.state = 'closed'; status.error = reason; });
    }, (err: Error) => {
      status.state = 'failed';
      status.error = err.message;
      this.log('warn', `cannot ${p.mode} target port ${remotePort}/${transport}: ${err.message}`);
    });
  }

  private deliver(conn: IncomingConnection, localPort: number, address: string): void {
    const host = address === '' || address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address;
    const local = connect({ port: localPort, host, allowHalfOpen: true });
    conn.pipe(local);
    if (conn.mode === 'steal') local.pipe(conn);
    else local.resume();   // mirror: the program's answers go nowhere
    local.on('error', () => conn.destroy());
    conn.on('error', () => local.destroy());
    conn.on('close', () => local.end());
  }

  status(): IncomingStatus[] {
    return [...this.subs.values()].map((e) => ({ ...e.status }));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.subs.values()].map((e) => e.sub?.close()));
    this.subs.clear();
  }
}
