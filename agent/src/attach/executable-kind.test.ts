import { execPath } from 'node:process';
import { describe, expect, it } from 'vitest';
import { elfSectionNames, isGoSections } from './executable-kind.js';

describe('elfSectionNames', () => {
  it('reads the section names of an ELF file and finds no Go build info in node', async () => {
    const names = await elfSectionNames(execPath);
    expect(names).toContain('.text');
    expect(isGoSections(names)).toBe(false);
  });
  it('gives nothing for a file that is not ELF', async () => {
    expect(await elfSectionNames(new URL(import.meta.url).pathname)).toEqual([]);
  });
  it('calls sections with .go.buildinfo Go', () => {
    expect(isGoSections(['.text', '.go.buildinfo'])).toBe(true);
  });
});
