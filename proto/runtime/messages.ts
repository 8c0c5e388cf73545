// Domain form of every tunnel message: a discriminated union keyed by `kind` (= the Frame oneof
// case name), generated from tunnel.proto by the build (proto/gen/tunnel-messages.ts). Enums are
// names, bytes are Buffers, 64-bit integers are numbers, addresses are SocketAddr.
export type { Frame, Msg, MsgKind, MsgOf } from '../gen/tunnel-messages.js';
export { MSG_KINDS } from '../gen/tunnel-messages.js';
