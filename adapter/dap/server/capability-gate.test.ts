import { describe, expect, it } from 'vitest';
import { unannouncedCapability } from './capability-gate.js';

describe('unannouncedCapability', () => {
  it('refuses a gated request the debugger did not announce', () => {
    expect(unannouncedCapability('loadedSources', { supportsModulesRequest: true }, 'python'))
      .toBe('loadedSources: python does not support it (it does not announce supportsLoadedSourcesRequest)');
    expect(unannouncedCapability('stepBack', { supportsStepBack: false }, 'go')).toMatch(/supportsStepBack/);
  });
  it('lets announced and ungated requests through', () => {
    expect(unannouncedCapability('loadedSources', { supportsLoadedSourcesRequest: true }, 'python')).toBeUndefined();
    expect(unannouncedCapability('stackTrace', {}, 'python')).toBeUndefined();
    expect(unannouncedCapability('toString', {}, 'python')).toBeUndefined();
  });
});
