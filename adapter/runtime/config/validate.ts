// Validates a parsed configuration object against the shape of KmirrorConfig (types.ts): wrong
// types and values throw a ConfigError naming the key; unknown keys (mirrord features kmirror
// does not have, typos) become warnings, so a mirrord.json keeps working.
import { ConfigError } from './errors.js';
import { keyHint } from './key-hint.js';
import { normalizeMirrordValues } from './mirrord-values.js';
import type { KmirrorConfig } from './types.js';

/** The shape of an accepted value (exported for the key list, config-keys.ts). */
export type Shape =
  | { kind: 'string' | 'boolean' | 'number' | 'port' | 'patterns' | 'stringMap' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'object'; fields: Record<string, Shape> }
  | { kind: 'array'; of: Shape }
  | { kind: 'pair'; of: Shape }
  | { kind: 'oneOf'; options: Shape[] };

const s = (kind: 'string' | 'boolean' | 'number' | 'port' | 'patterns' | 'stringMap'): Shape => ({ kind });
const obj = (fields: Record<string, Shape>): Shape => ({ kind: 'object', fields });
const oneOf = (...options: Shape[]): Shape => ({ kind: 'oneOf', options });
const enumOf = (...values: string[]): Shape => ({ kind: 'enum', values });

const httpFilter: Shape = obj({});
Object.assign(httpFilter, obj({
  header_filter: s('string'), path_filter: s('string'), method_filter: s('string'),
  all_of: { kind: 'array', of: httpFilter }, any_of: { kind: 'array', of: httpFilter },
  ports: { kind: 'array', of: s('port') },
}));

const FS_MODES = ['local', 'localwithoverrides', 'read', 'write'] as const;
const INCOMING_MODES = ['off', 'mirror', 'steal'] as const;

export const CONFIG_SHAPE: Shape = obj({
  target: oneOf(s('string'), obj({ path: s('string'), namespace: s('string') })),
  kube_context: s('string'),
  skip_processes: s('patterns'),
  skip_build_tools: s('boolean'),
  agent: obj({
    namespace: s('string'), image: s('string'), image_pull_policy: enumOf('Always', 'IfNotPresent', 'Never'), ttl: s('number'), ephemeral: s('boolean'),
    log_level: enumOf('error', 'warn', 'info', 'debug', 'trace'), startup_timeout: s('number'),
  }),
  debugger: obj({ image: s('string'), image_pull_policy: enumOf('Always', 'IfNotPresent', 'Never') }),
  feature: obj({
    copy_target: oneOf(s('boolean'), obj({ scale_down: s('boolean') })),
    env: oneOf(s('boolean'), obj({ include: s('patterns'), exclude: s('patterns'), override: s('stringMap'), env_file: s('string') })),
    fs: oneOf(s('boolean'), enumOf(...FS_MODES), obj({
      mode: enumOf(...FS_MODES), read_write: s('patterns'), read_only: s('patterns'),
      local: s('patterns'), not_found: s('patterns'), mapping: s('stringMap'),
    })),
    network: oneOf(s('boolean'), obj({
      incoming: oneOf(enumOf(...INCOMING_MODES), obj({
        mode: enumOf(...INCOMING_MODES), ports: { kind: 'array', of: s('port') },
        ignore_ports: { kind: 'array', of: s('port') },
        port_mapping: { kind: 'array', of: { kind: 'pair', of: s('port') } },
        http_filter: httpFilter, ignore_localhost: s('boolean'),
      })),
      outgoing: oneOf(s('boolean'), obj({
        tcp: s('boolean'), udp: s('boolean'), ignore_localhost: s('boolean'), unix_streams: s('patterns'),
        filter: obj({ local: s('patterns'), remote: s('patterns') }),
      })),
      dns: oneOf(s('boolean'), obj({ enabled: s('boolean') })),
    })),
    hostname: s('boolean'),
  }),
});

function describe(shape: Shape): string {
  switch (shape.kind) {
    case 'patterns': return 'a string or an array of strings';
    case 'stringMap': return 'an object of string values';
    case 'port': return 'a port number (1-65535)';
    case 'enum': return `one of ${shape.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'object': return 'an object';
    case 'array': return 'an array';
    case 'pair': return 'a [local, remote] pair of ports';
    case 'oneOf': return shape.options.map(describe).join(' or ');
    default: return `a ${shape.kind}`;
  }
}

/** Checks `value` at `key`; returns the first error message, or null. Unknown keys go to `unknown`. */
function check(shape: Shape, value: unknown, key: string, unknown: string[]): string | null {
  const isPort = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
  switch (shape.kind) {
    case 'string': return typeof value === 'string' ? null : `${key} must be ${describe(shape)}`;
    case 'boolean': return typeof value === 'boolean' ? null : `${key} must be ${describe(shape)}`;
    case 'number': return typeof value === 'number' && Number.isFinite(value) ? null : `${key} must be ${describe(shape)}`;
    case 'port': return isPort(value) ? null : `${key} must be ${describe(shape)}, got ${JSON.stringify(value)}`;
    case 'patterns':
      return typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string')) ? null : `${key} must be ${describe(shape)}`;
    case 'stringMap':
      return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')
        ? null : `${key} must be ${describe(shape)}`;
    case 'enum': return typeof value === 'string' && shape.values.includes(value) ? null : `${key} must be ${describe(shape)}, got ${JSON.stringify(value)}`;
    case 'pair':
      return Array.isArray(value) && value.length === 2 && value.every(isPort) ? null : `${key} must be ${describe(shape)}, got ${JSON.stringify(value)}`;
    case 'array': {
      if (!Array.isArray(value)) return `${key} must be ${describe(shape)}`;
      for (const [i, item] of value.entries()) {
        const e = check(shape.of, item, `${key}[${i}]`, unknown);
        if (e) return e;
      }
      return null;
    }
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${key || 'the configuration'} must be an object`;
      for (const [k, v] of Object.entries(value)) {
        const path = key ? `${key}.${k}` : k;
        const field = shape.fields[k];
        if (!field) { unknown.push(path); continue; }
        if (v === null || v === undefined) continue;
        const e = check(field, v, path, unknown);
        if (e) return e;
      }
      return null;
    }
    case 'oneOf': {
      // Pick the option whose JSON type matches, so the error speaks about the right shape.
      const type = Array.isArray(value) ? 'array' : typeof value;
      const match = shape.options.find((o) =>
        (o.kind === 'object' && type === 'object') || (o.kind === 'boolean' && type === 'boolean') ||
        ((o.kind === 'string' || o.kind === 'enum') && type === 'string'));
      return match ? check(match, value, key, unknown) : `${key} must be ${describe(shape)}`;
    }
  }
}

/** Returns the config typed, plus one warning per unknown key; throws ConfigError when invalid. */
export function validateConfig(original: unknown, source = 'configuration'): { config: KmirrorConfig; warnings: string[] } {
  const unknown: string[] = [];
  const { value, warnings: rewritten } = normalizeMirrordValues(original, source);
  const error = check(CONFIG_SHAPE, value, '', unknown);
  if (error) {
    const key = /^([\w.[\]]+) /.exec(error)?.[1] ?? '';
    throw new ConfigError(key, `${source}: ${error}`);
  }
  const warnings = unknown.map((k) => {
    const meant = keyHint(k, CONFIG_SHAPE);
    const hint = meant ? `; ${meant}` : '';
    return `${source}: unknown key "${k}" is ignored (not a kmirror setting${hint})`;
  }).concat(rewritten);
  // Checked above against CONFIG_SHAPE, which mirrors KmirrorConfig.
  return { config: value as KmirrorConfig, warnings };
}
