import { describe, expect, it } from 'vitest';
import { isConfigError } from './errors.js';
import { parseConfig } from './load.js';
import { resolvePolicy } from './policy.js';
import { validateConfig } from './validate.js';

function errorOf(fn: () => unknown): { key: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isConfigError(err)) return { key: err.key, message: err.message };
    throw err;
  }
  throw new Error('no error');
}

describe('config validation', () => {
  it('accepts a mirrord.json shape', () => {
    const { warnings } = validateConfig({
      target: { path: 'pod/api', namespace: 'dev' },
      feature: {
        env: { include: 'DB_*;API_KEY', override: { A: 'b' } },
        fs: { mode: 'read', read_only: ['^/app/config'] },
        network: {
          incoming: { mode: 'steal', ports: [80], port_mapping: [[9333, 80]], http_filter: { header_filter: '^x-debug: 1$' } },
          outgoing: { filter: { local: ['10.0.0.0/8', ':5432'] } },
          dns: true,
        },
      },
      agent: { ttl: 30, ephemeral: false },
    });
    expect(warnings).toEqual([]);
  });

  it('accepts feature.copy_target as mirrord writes it and names a bad scale_down', () => {
    expect(validateConfig({ debugger: { image: 'r.example/kmirror-debugger:1', image_pull_policy: 'Always' } }).warnings).toEqual([]);
    expect(errorOf(() => validateConfig({ debugger: { image_pull_policy: 'Sometimes' } })).key).toBe('debugger.image_pull_policy');
    expect(validateConfig({ feature: { copy_target: true } }).warnings).toEqual([]);
    expect(validateConfig({ feature: { copy_target: { scale_down: true } } }).warnings).toEqual([]);
    expect(errorOf(() => validateConfig({ feature: { copy_target: { scale_down: 'yes' } } })).key).toBe('feature.copy_target.scale_down');
  });

  it('names the key of a bad value', () => {
    expect(errorOf(() => validateConfig({ feature: { network: { incoming: { port_mapping: [[1, 70000]] } } } }))).toEqual({
      key: 'feature.network.incoming.port_mapping[0]',
      message: 'configuration: feature.network.incoming.port_mapping[0] must be a [local, remote] pair of ports, got [1,70000]',
    });
    expect(errorOf(() => validateConfig({ feature: { fs: 3 } })).key).toBe('feature.fs');
    expect(errorOf(() => validateConfig({ target: 5 })).message).toContain('target must be a string or an object');
  });

  it('warns about unknown keys instead of failing (mirrord features kmirror lacks, typos)', () => {
    const { warnings } = validateConfig({ operator: true, feature: { network: { outgoing: { unix_streams: 'x', unix_stream: 'y' } } } }, 'mirrord.json');
    expect(warnings).toEqual([
      'mirrord.json: unknown key "operator" is ignored (not a kmirror setting)',
      'mirrord.json: unknown key "feature.network.outgoing.unix_stream" is ignored (not a kmirror setting)',
    ]);
  });

  it('names the setting meant when a known key sits in the wrong place (mirrord tests/configs/outgoing_filter_remote.json)', () => {
    const { warnings } = validateConfig({ feature: { network: { outgoing: { remote: ['udp-logger'] }, header_filter: 'x: y' } } }, 'mirrord.json');
    expect(warnings).toEqual([
      'mirrord.json: unknown key "feature.network.outgoing.remote" is ignored (not a kmirror setting; did you mean "feature.network.outgoing.filter.remote"?)',
      'mirrord.json: unknown key "feature.network.header_filter" is ignored (not a kmirror setting; did you mean "feature.network.incoming.http_filter.header_filter"?)',
    ]);
  });

  it('reports invalid JSON with the file name', () => {
    expect(errorOf(() => parseConfig('{ "target": ', '/x/.kmirror.json')).message).toMatch(/^\/x\/\.kmirror\.json: not valid JSON/);
  });
});

describe('policy defaults', () => {
  it('fills mirrord defaults', () => {
    const p = resolvePolicy({});
    expect(p.fs.mode).toBe('read');
    expect(p.outgoing).toEqual({ tcp: true, udp: true, unixStreams: [] });
    expect(p.hostname).toBe(true);
    expect(p.dns.enabled).toBe(true);
    expect(p.env.enabled).toBe(true);
    expect(p.incoming.mode).toBe('mirror');
    expect(p.skipProcesses).toContain('go');
    expect(p.skipProcesses).toContain('dlv');
  });

  it('expands shorthand forms', () => {
    const p = resolvePolicy({ target: 'pid/1', skip_build_tools: false, feature: { fs: false, network: { incoming: 'steal', outgoing: false, dns: false } } });
    expect(p.target).toBe('pid/1');
    expect(p.fs.mode).toBe('local');
    expect(p.incoming.mode).toBe('steal');
    expect(p.outgoing).toEqual({ tcp: false, udp: false, unixStreams: [] });
    expect(p.skipProcesses).not.toContain('go');
  });

  it('parses outgoing filter entries', () => {
    const p = resolvePolicy({ feature: { network: { outgoing: { filter: { remote: ['tcp://10.1.0.0/16:80', 'db.svc', ':53', '[fd00::1]:443'] } } } } });
    expect(p.outgoing.filter).toEqual({
      kind: 'remote',
      rules: [
        { transport: 'tcp', cidr: { address: '10.1.0.0', prefix: 16, family: 4 }, port: 80 },
        { hostname: 'db.svc' },
        { port: 53 },
        { cidr: { address: 'fd00::1', prefix: 128, family: 6 }, port: 443 },
      ],
    });
    expect(errorOf(() => resolvePolicy({ feature: { network: { outgoing: { filter: { local: ['a'], remote: ['b'] } } } } })).key)
      .toBe('feature.network.outgoing.filter');
  });

  it('turns http_filter into the tunnel filter, with its ports', () => {
    const p = resolvePolicy({ feature: { network: { incoming: { mode: 'steal', http_filter: { path_filter: '^/api', any_of: [{ header_filter: '^x-a: 1$' }], ports: [80] } } } } });
    expect(p.incoming.httpFilter).toEqual({ pathFilter: '^/api', anyOf: [{ headerFilter: '^x-a: 1$' }] });
    expect(p.incoming.httpFilterPorts).toEqual([80]);
  });

  it('maps port_mapping local -> remote', () => {
    expect(resolvePolicy({ feature: { network: { incoming: { port_mapping: [[9333, 80]] } } } }).incoming.portMapping.get(9333)).toBe(80);
  });
});
