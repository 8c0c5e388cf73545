// The feature names an agent announces in HelloAck.capabilities: one declared list for both sides.
// The tunnel only ever grows, so a newer client may meet an older agent: a client checks the
// capability before using a feature that agent may lack, instead of relying on the agent to
// notice a field it does not know (an older agent would silently ignore an http_filter and steal
// every request).

/** Every capability with what it lets a client use. */
export const CAPABILITIES = {
  tcp: 'outgoing TCP connections from inside the target (TcpConnect)',
  udp: 'UDP sockets inside the target (UdpOpen)',
  dns: 'name resolution and DNS queries as the target sees them (ResolveRequest, DnsQuery)',
  files: 'files inside the target root (FileOpen, FileStatRequest, FileReaddir)',
  env: "the target process's environment (EnvRequest)",
  'unix-connect': 'Unix stream sockets inside the target root (UnixConnect)',
  'fs-mutate': 'mkdir, unlink, rmdir, rename and statfs inside the target root (FsMkdir, FsRemove, FsRename, FsStatfsRequest)',
  mirror: 'a copy of incoming TCP connections (Subscribe, mode MIRROR)',
  steal: 'incoming TCP connections redirected to the client (Subscribe, mode STEAL)',
  'steal-http-filter': 'steal of only the HTTP requests matching Subscribe.http_filter',
  'steal-udp': 'incoming UDP datagrams redirected to the client (Subscribe, transport UDP)',
  'mirror-udp': 'a copy of incoming UDP datagrams (Subscribe, mode MIRROR, transport UDP)',
  sessions: 'several sessions on one agent: SessionsRequest, SubscriptionWarning, refusals naming the other session',
  record: "both directions of mirrored TCP connections, the target's answers included (Subscribe.record, Recorded* frames)",
  trace: 'eBPF trace gadgets scoped to the target: tcp, dns, exec, open (TraceStart)',
  snapshot: "the target's processes and sockets, read from /proc (SnapshotRequest)",
  'node-inspector': "a Node process's inspector opened by SIGUSR1 and held by one attach session (InspectorOpen)",
  'process-hold': 'a process of the target checked for a debugger kind (Go, Python) and held by one attach session (ProcessHold)',
} as const;

export type Capability = keyof typeof CAPABILITIES;

/** What every agent serves from inside the target's network namespace and root. */
export const BASE_CAPABILITIES = ['tcp', 'udp', 'dns', 'files', 'env', 'sessions', 'fs-mutate', 'unix-connect', 'snapshot', 'node-inspector', 'process-hold'] as const satisfies readonly Capability[];
/** What an agent that can load its BPF programs adds (incoming traffic). */
export const INCOMING_CAPABILITIES = ['mirror', 'steal', 'steal-http-filter', 'steal-udp', 'mirror-udp', 'record'] as const satisfies readonly Capability[];

/** What an agent adds when it can load the trace gadgets (BPF capabilities and kernel BTF). */
export const TRACE_CAPABILITIES = ['trace'] as const satisfies readonly Capability[];

/** True when the peer's handshake (HelloAck, or a session's set) announced `capability`. */
export function hasCapability(peer: { readonly capabilities: readonly string[] | ReadonlySet<string> }, capability: Capability): boolean {
  const caps = peer.capabilities;
  return Array.isArray(caps) ? caps.includes(capability) : (caps as ReadonlySet<string>).has(capability);
}
