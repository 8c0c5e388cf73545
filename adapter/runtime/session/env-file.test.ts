import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isConfigError } from '../config/errors.js';
import { readEnvFile } from './env-file.js';
import { filterTargetEnv } from './target-env.js';

const dir = mkdtempSync(join(tmpdir(), 'kmirror-env-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('feature.env.env_file', () => {
  it('reads .env lines (comments, quotes, export) relative to the working directory', () => {
    writeFileSync(join(dir, 'app.env'), '# local settings\nA=1\nB="two words"\nexport C=3\n');
    expect(readEnvFile('app.env', dir)).toEqual({ A: '1', B: 'two words', C: '3' });
    expect(readEnvFile(undefined, dir)).toEqual({});
  });

  it('a missing file is a configuration error naming the key', () => {
    let err: unknown;
    try { readEnvFile('missing.env', dir); } catch (e) { err = e; }
    expect(isConfigError(err) && err.key).toBe('feature.env.env_file');
    expect((err as Error).message).toContain(join(dir, 'missing.env'));
  });

  it('its variables win over the target\'s; overrides win over them', () => {
    const env = filterTargetEnv({ A: 'target', B: 'target', D: 'target' }, { enabled: true, include: [], exclude: [], override: { B: 'override' } }, { A: 'file', B: 'file', C: 'file' });
    expect(env).toEqual({ A: 'file', B: 'override', C: 'file', D: 'target' });
  });
});
