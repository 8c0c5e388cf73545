import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function project(files: Record<string, object>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kmirror-load-'));
  dirs.push(dir);
  for (const [name, value] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), JSON.stringify(value));
  }
  return dir;
}

describe('loadConfig: where the file is found', () => {
  it("reads mirrord's project file .mirrord/mirrord.json when there is no .kmirror.json", () => {
    const cwd = project({ '.mirrord/mirrord.json': { target: 'pod/a' } });
    const loaded = loadConfig({ cwd, env: {} });
    expect(loaded.config.target).toBe('pod/a');
    expect(loaded.file).toBe(join(cwd, '.mirrord/mirrord.json'));
  });

  it('.kmirror.json wins over .mirrord/mirrord.json; MIRRORD_CONFIG_FILE over both; -f over all', () => {
    const cwd = project({ '.kmirror.json': { target: 'pod/k' }, '.mirrord/mirrord.json': { target: 'pod/m' }, 'other.json': { target: 'pod/e' }, 'f.json': { target: 'pod/f' } });
    expect(loadConfig({ cwd, env: {} }).config.target).toBe('pod/k');
    expect(loadConfig({ cwd, env: { MIRRORD_CONFIG_FILE: 'other.json' } }).config.target).toBe('pod/e');
    expect(loadConfig({ cwd, file: 'f.json', env: { MIRRORD_CONFIG_FILE: 'other.json' } }).config.target).toBe('pod/f');
  });

  it('a MIRRORD_CONFIG_FILE that does not exist is an error naming the variable; no file at all is {}', () => {
    const cwd = project({});
    expect(() => loadConfig({ cwd, env: { MIRRORD_CONFIG_FILE: 'gone.json' } })).toThrow(`config file ${join(cwd, 'gone.json')} (from MIRRORD_CONFIG_FILE) does not exist`);
    expect(loadConfig({ cwd, env: {} })).toEqual({ config: {}, warnings: [] });
  });
});
