// Where the tunnel's domain form departs from the generator's defaults (proto/codegen/domain-codegen.mjs).
export const TUNNEL_CONVENTIONS = {
  optional: {
    DnsQuery: ['server'],           // absent: the target's first nameserver
    Subscribe: ['httpFilter', 'record'], // absent: steal every connection; no recording
    Subscribed: ['listen'],         // absent: the agent reports no listener (mirror)
    FileOpen: ['write', 'create', 'truncate', 'append', 'exclusive', 'createMode'], // absent: read-only
    HttpFilter: '*',                // a filter sets only the parts it matches on
    Hello: ['user', 'host', 'startedAtMs', 'clientPid'], // absent: an older client (no identity)
    HelloAck: ['sessionId'],        // absent: an older agent (one session only)
    FsResult: ['statfs'],           // only the answer to FsStatfsRequest has one
    TraceStart: ['filter'],         // absent: everything in the target
    TraceEvent: ['tcp', 'dns', 'exec', 'open'], // the `event` oneof: exactly one is set
  },
  enums: {
    ErrorCode: { form: 'name' },    // TunnelError.code carries the proto names ('NOT_FOUND')
    FileType: { rename: { REGULAR: 'file' } },
  },
};
