// Domain types of the tunnel, shared by the agent and the workstation side. Business code uses
// these; proto/runtime/codec.ts is the one place that converts them to and from generated types.

export type TrafficMode = 'mirror' | 'steal';
export type Transport = 'tcp' | 'udp';

/** An IP endpoint in textual form (IPv4 or IPv6, no brackets). */
export interface SocketAddr {
  address: string;
  port: number;
}

/** mirrord's http_filter shape: every set field must match; allOf/anyOf nest. Regexes. */
export interface HttpFilter {
  headerFilter?: string;
  pathFilter?: string;
  methodFilter?: string;
  allOf?: HttpFilter[];
  anyOf?: HttpFilter[];
}

export type FileType = 'file' | 'directory' | 'symlink' | 'other' | 'unknown';

/** stat(2) of a path inside the target's root. Sizes and times fit a double (--force-number). */
export interface RemoteStat {
  type: FileType;
  mode: number;
  size: number;
  uid: number;
  gid: number;
  ino: number;
  nlink: number;
  dev: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
}

export interface DirEntry {
  name: string;
  type: FileType;
}

/** The proto ErrorCode names (what TunnelError.code carries). */
export const ERROR_CODES = [
  'ERROR_CODE_UNSPECIFIED', 'BAD_FRAME', 'UNKNOWN_MESSAGE', 'VERSION_MISMATCH', 'UNAUTHENTICATED',
  'PROTOCOL_VIOLATION', 'INVALID_ARGUMENT', 'NOT_FOUND', 'PERMISSION_DENIED', 'ALREADY_EXISTS',
  'CONNECTION_REFUSED', 'HOST_UNREACHABLE', 'TIMED_OUT', 'RESET', 'FLOW_CONTROL', 'UNAVAILABLE',
  'NOT_SUPPORTED', 'INTERNAL', 'NAME_NOT_RESOLVED', 'IS_DIRECTORY',
] as const;
export type ErrorCodeName = (typeof ERROR_CODES)[number];
