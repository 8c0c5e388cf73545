// The configuration turned into the session's policy, with defaults filled in: what the local
// proxy and the layer apply. mirrord's defaults where kmirror has the feature (fs mode "read",
// outgoing TCP+UDP on, DNS on, env on, incoming mirror).
import type { HttpFilter } from '#proto/runtime/types.js';
import { ConfigError } from './errors.js';
import type { FsMode, HttpFilterConfig, IncomingConfig, KmirrorConfig, PatternList } from './types.js';

export interface OutgoingRule {
  transport?: 'tcp' | 'udp';
  /** IPv4/IPv6 network in CIDR form, or a hostname (lower case), or undefined for any. */
  cidr?: { address: string; prefix: number; family: 4 | 6 };
  hostname?: string;
  port?: number;
}

export interface SessionPolicy {
  target?: string;
  namespace?: string;
  kubeContext?: string;
  env: { enabled: boolean; include: string[]; exclude: string[]; override: Record<string, string>; envFile?: string };
  fs: { mode: FsMode; readWrite: string[]; readOnly: string[]; local: string[]; notFound: string[]; mapping: Array<[string, string]> };
  outgoing: { tcp: boolean; udp: boolean; filter?: { kind: 'local' | 'remote'; rules: OutgoingRule[] }; unixStreams: string[] };
  dns: { enabled: boolean };
  incoming: {
    mode: 'off' | 'mirror' | 'steal';
    ports?: number[];
    ignorePorts: number[];
    /** local port -> remote port */
    portMapping: Map<number, number>;
    httpFilter?: HttpFilter;
    httpFilterPorts?: number[];
    ignoreLocalhost: boolean;
  };
  skipProcesses: string[];
  /** uname()/gethostname() answer the target's hostname. */
  hostname: boolean;
}

/** Build tools whose system calls never go to the target (skip_build_tools, default on). */
export const BUILD_TOOLS = [
  'go', 'gcc', 'g++', 'cc', 'c++', 'cc1', 'cc1plus', 'as', 'ld', 'ld.bfd', 'ld.gold', 'collect2', 'clang', 'clang++',
  'make', 'cmake', 'ninja', 'cargo', 'rustc', 'javac', 'mvn', 'gradle', 'git', 'compile', 'link', 'asm', 'cgo', 'vet',
];

/** The debuggers: they run under the layer when wrapped, but only their debuggee is changed. */
export const DEBUGGERS = ['dlv', 'gdb', 'lldb', 'lldb-server', 'lldb-dap', 'lldb-vscode', 'netcoredbg'];

export function patterns(list: PatternList | undefined): string[] {
  if (list === undefined) return [];
  const items = typeof list === 'string' ? list.split(';') : list;
  return items.map((p) => p.trim()).filter(Boolean);
}

function parseOutgoingRule(text: string, key: string): OutgoingRule {
  const rule: OutgoingRule = {};
  let rest = text.trim();
  const proto = /^(tcp|udp):\/\//i.exec(rest);
  if (proto?.[1]) { rule.transport = proto[1].toLowerCase() as 'tcp' | 'udp'; rest = rest.slice(proto[0].length); }
  let host = rest;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  const port = /^(.*):(\d+)$/.exec(rest);
  if (v6) { host = v6[1] ?? ''; if (v6[2]) rule.port = Number(v6[2]); }
  else if (port && !rest.slice(0, rest.lastIndexOf(':')).includes(':')) { host = port[1] ?? ''; rule.port = Number(port[2]); }
  if (rule.port !== undefined && !(rule.port >= 1 && rule.port <= 65535)) throw new ConfigError(key, `${key}: bad port in "${text}"`);
  if (host) {
    const [addr = '', prefixText] = host.split('/');
    const family = /^\d+\.\d+\.\d+\.\d+$/.test(addr) ? 4 : addr.includes(':') ? 6 : 0;
    if (family) {
      const prefix = prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new ConfigError(key, `${key}: bad prefix in "${text}"`);
      rule.cidr = { address: addr, prefix, family };
    } else if (prefixText !== undefined) {
      throw new ConfigError(key, `${key}: "${text}" is neither an address/prefix nor a hostname`);
    } else {
      rule.hostname = addr.toLowerCase();
    }
  }
  return rule;
}

function httpFilter(f: HttpFilterConfig | undefined): HttpFilter | undefined {
  if (!f) return undefined;
  const out: HttpFilter = {};
  if (f.header_filter) out.headerFilter = f.header_filter;
  if (f.path_filter) out.pathFilter = f.path_filter;
  if (f.method_filter) out.methodFilter = f.method_filter;
  if (f.all_of) out.allOf = f.all_of.map((x) => httpFilter(x) ?? {});
  if (f.any_of) out.anyOf = f.any_of.map((x) => httpFilter(x) ?? {});
  return Object.keys(out).length ? out : undefined;
}

/** Fills defaults and normalises shorthand forms (booleans, mode strings). */
export function resolvePolicy(config: KmirrorConfig): SessionPolicy {
  const f = config.feature ?? {};
  const env = f.env === undefined || f.env === true ? {} : f.env === false ? undefined : f.env;
  const fs = f.fs === undefined ? {} : typeof f.fs === 'boolean' ? { mode: f.fs ? 'read' as const : 'local' as const }
    : typeof f.fs === 'string' ? { mode: f.fs } : f.fs;
  const net = f.network === false ? { incoming: 'off' as const, outgoing: false, dns: false } : f.network === true || f.network === undefined ? {} : f.network;
  const inc: IncomingConfig = typeof net.incoming === 'string' ? { mode: net.incoming } : net.incoming ?? {};
  const out = typeof net.outgoing === 'boolean' ? { tcp: net.outgoing, udp: net.outgoing } : net.outgoing ?? {};
  const dns = typeof net.dns === 'boolean' ? { enabled: net.dns } : net.dns ?? {};
  if (out.filter?.local !== undefined && out.filter.remote !== undefined) {
    throw new ConfigError('feature.network.outgoing.filter', 'feature.network.outgoing.filter: give either "local" or "remote", not both');
  }
  const filterKind = out.filter?.local !== undefined ? 'local' : out.filter?.remote !== undefined ? 'remote' : undefined;
  const filterKey = `feature.network.outgoing.filter.${filterKind}`;
  const target = typeof config.target === 'string' ? config.target : config.target?.path;
  const namespace = typeof config.target === 'object' ? config.target.namespace : undefined;
  return {
    ...(target ? { target } : {}),
    ...(namespace ? { namespace } : {}),
    ...(config.kube_context ? { kubeContext: config.kube_context } : {}),
    env: { enabled: env !== undefined, include: patterns(env?.include), exclude: patterns(env?.exclude), override: env?.override ?? {}, ...(env?.env_file ? { envFile: env.env_file } : {}) },
    fs: { mode: fs.mode ?? 'read', readWrite: patterns(fs.read_write), readOnly: patterns(fs.read_only), local: patterns(fs.local), notFound: patterns(fs.not_found), mapping: Object.entries(fs.mapping ?? {}) },
    outgoing: {
      tcp: out.tcp ?? true,
      udp: out.udp ?? true,
      unixStreams: patterns(out.unix_streams),
      ...(filterKind ? { filter: { kind: filterKind, rules: patterns(out.filter?.[filterKind]).map((p) => parseOutgoingRule(p, filterKey)) } } : {}),
    },
    dns: { enabled: dns.enabled ?? true },
    incoming: {
      mode: inc.mode ?? 'mirror',
      ...(inc.ports ? { ports: inc.ports } : {}),
      ignorePorts: inc.ignore_ports ?? [],
      portMapping: new Map((inc.port_mapping ?? []).map(([local, remote]) => [local, remote])),
      ...(httpFilter(inc.http_filter) ? { httpFilter: httpFilter(inc.http_filter) } : {}),
      ...(inc.http_filter?.ports ? { httpFilterPorts: inc.http_filter.ports } : {}),
      ignoreLocalhost: inc.ignore_localhost ?? false,
    },
    skipProcesses: [...patterns(config.skip_processes), ...(config.skip_build_tools === false ? [] : BUILD_TOOLS), ...DEBUGGERS],
    hostname: f.hostname ?? true,
  };
}
