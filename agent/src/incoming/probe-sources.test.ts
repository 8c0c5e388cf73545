import { describe, expect, it } from 'vitest';
import { defaultGateways, resolveProbeSources } from './probe-sources.js';

const TABLE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0100DA0A\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t0000DA0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
`;

describe('probe sources', () => {
  it('reads the default gateway from a /proc/net/route table', () => {
    expect(defaultGateways(TABLE)).toEqual(['10.218.0.1']);
  });

  it('ignores tables without a default route', () => {
    expect(defaultGateways(TABLE.split('\n').filter((l) => !l.includes('0003')).join('\n'))).toEqual([]);
  });

  it('expands "gateway" and keeps literal sources, without duplicates', () => {
    expect(resolveProbeSources(['10.0.0.5', 'gateway', '10.218.0.1'], () => TABLE)).toEqual(['10.0.0.5', '10.218.0.1']);
  });

  it('keeps the literal sources when the route table cannot be read', () => {
    expect(resolveProbeSources(['fd00::5', 'gateway'], () => { throw new Error('no process'); })).toEqual(['fd00::5']);
  });
});
