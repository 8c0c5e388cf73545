// Domain types of the tunnel, shared by the agent and the workstation side, under the names
// business code uses. They are generated from tunnel.proto by the build (proto/gen/tunnel-messages.ts);
// proto/runtime/codec.ts is the one place that converts them to and from the wire.
export type {
  AddressFamily, DirEntry, FileType, HttpFilter, TrafficMode, Transport,
  ErrorCode as ErrorCodeName,
  FileStat as RemoteStat,
  SocketAddress as SocketAddr,
} from '../gen/tunnel-messages.js';
export type {
  SnapshotKind, SnapshotProcess, SnapshotResult, SnapshotSocket, TraceDns, TraceDnsRecord, TraceEvent, TraceExec, TraceFilter, TraceGadgetStats, TraceOpen,
  TraceProcess, TraceTcp,
} from '../gen/tunnel-messages.js';

/** The proto ErrorCode names (what TunnelError.code carries), indexed by their number. */
export { ERROR_CODE_VALUES as ERROR_CODES, ERROR_CODE_NUMBERS } from '../gen/tunnel-messages.js';
