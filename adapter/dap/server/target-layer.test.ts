import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchSettings, mergeSettings } from './target-layer.js';

describe('kmirror settings of a launch configuration', () => {
  it('merges the inline object over the file, deeply', () => {
    expect(mergeSettings({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2] }, e: 2 })).toEqual({ a: { b: 1, c: [2] }, d: 1, e: 2 });
  });
  it('reads configFile and merges the kmirror field over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'km-settings-'));
    writeFileSync(join(dir, 'k.json'), JSON.stringify({ target: 'pid/1', feature: { env: { include: 'A' } } }));
    const { settings } = launchSettings({ request: 'launch', program: 'x', cwd: dir, configFile: 'k.json', kmirror: { feature: { env: { exclude: 'B' } } } });
    expect(settings).toEqual({ target: 'pid/1', feature: { env: { include: 'A', exclude: 'B' } } });
  });
  it('names the bad key as a launch field error', () => {
    expect(() => launchSettings({ request: 'launch', program: 'x', cwd: tmpdir(), kmirror: { feature: { fs: { mode: 'sideways' as 'read' /* deliberately invalid */ } } } }))
      .toThrow(expect.objectContaining({ code: 'BAD_LAUNCH_FIELD', message: expect.stringMatching(/launch configuration field "kmirror".*feature\.fs\.mode/) }));
  });
  it('fails on a missing configFile', () => {
    expect(() => launchSettings({ request: 'launch', program: 'x', cwd: tmpdir(), configFile: 'nope.json' })).toThrow(/nope\.json does not exist/);
  });
});
