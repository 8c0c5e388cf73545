import { describe, expect, it } from 'vitest';
import { COMMANDS } from './index.js';

describe('kmirror command table', () => {
  it('has unique names, each with a summary and usage', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of COMMANDS) {
      expect(c.summary.length).toBeGreaterThan(10);
      expect(c.usage).toMatch(/usage: kmirror/);
    }
    expect(names).toEqual(expect.arrayContaining(['agent', 'probe', 'demo']));
  });
});
