import { describe, expect, it } from 'vitest';
import { missingBpfCapability } from './capabilities.js';

describe('missingBpfCapability', () => {
  it('accepts CAP_BPF + CAP_NET_ADMIN, and CAP_SYS_ADMIN in place of CAP_BPF', () => {
    expect(missingBpfCapability('CapEff:\t0000008000001000\n')).toBeUndefined();
    expect(missingBpfCapability('CapEff:\t0000000000201000\n')).toBeUndefined();
    expect(missingBpfCapability('CapEff:\t000001fffeffffff\n')).toBeUndefined();
  });

  it('names what is missing', () => {
    expect(missingBpfCapability('CapEff:\t0000000000001000\n')).toBe('CAP_BPF');
    expect(missingBpfCapability('CapEff:\t0000008000000000\n')).toBe('CAP_NET_ADMIN');
    expect(missingBpfCapability('Name:\tnode\n')).toMatch(/unreadable/);
  });
});

describe('MissingCapabilityService', () => {
  it('refuses subscriptions with NOT_SUPPORTED naming the capability', async () => {
    const { MissingCapabilityService } = await import('./capabilities.js');
    const err = await new MissingCapabilityService('CAP_BPF').subscribe({ port: 80, mode: 'steal', transport: 'tcp' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_SUPPORTED', message: expect.stringMatching(/tcp\/80 \(steal\): this agent lacks CAP_BPF/) });
  });
});
