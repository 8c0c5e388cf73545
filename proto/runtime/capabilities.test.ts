import { describe, expect, it } from 'vitest';
import { BASE_CAPABILITIES, CAPABILITIES, INCOMING_CAPABILITIES, TRACE_CAPABILITIES, hasCapability } from './capabilities.js';

describe('capabilities', () => {
  it('declares every announced name once', () => {
    const announced = [...BASE_CAPABILITIES, ...INCOMING_CAPABILITIES, ...TRACE_CAPABILITIES];
    expect(new Set(announced).size).toBe(announced.length);
    expect(announced.sort()).toEqual(Object.keys(CAPABILITIES).sort());
  });

  it('reads a HelloAck list and a session set alike', () => {
    expect(hasCapability({ capabilities: ['tcp', 'steal'] }, 'steal')).toBe(true);
    expect(hasCapability({ capabilities: ['tcp', 'steal'] }, 'steal-http-filter')).toBe(false);
    expect(hasCapability({ capabilities: new Set(['mirror']) }, 'mirror')).toBe(true);
    expect(hasCapability({ capabilities: new Set<string>() }, 'tcp')).toBe(false);
  });
});
