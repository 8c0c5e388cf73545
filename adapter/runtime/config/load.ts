// Finds and reads the configuration: `-f FILE` when given, else the file named by mirrord's
// MIRRORD_CONFIG_FILE variable, else `.kmirror.json` in the working directory, else mirrord's
// project file `.mirrord/mirrord.json` (where its IDE extensions keep it), so a project set up for
// mirrord works unchanged. A missing named file, invalid JSON or a bad value is a ConfigError
// before anything starts.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './errors.js';
import type { KmirrorConfig } from './types.js';
import { validateConfig } from './validate.js';

export const DEFAULT_CONFIG_FILE = '.kmirror.json';
export const MIRRORD_CONFIG_ENV = 'MIRRORD_CONFIG_FILE';
export const MIRRORD_PROJECT_FILE = '.mirrord/mirrord.json';

export interface LoadedConfig {
  config: KmirrorConfig;
  /** The file read, if any. */
  file?: string;
  warnings: string[];
}

/** Parses and validates configuration text; `source` names it in errors. */
export function parseConfig(text: string, source: string): LoadedConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('', `${source}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return { ...validateConfig(value, source), file: source };
}

/** Loads `file` (required to exist), the MIRRORD_CONFIG_FILE one (required too), or the first
 * of `.kmirror.json` and `.mirrord/mirrord.json` in `cwd` (optional: {} when neither exists). */
export function loadConfig(opts: { file?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): LoadedConfig {
  const cwd = opts.cwd ?? process.cwd();
  const fromEnv = (opts.env ?? process.env)[MIRRORD_CONFIG_ENV];
  const named = opts.file ?? (fromEnv ? fromEnv : undefined);
  let path: string;
  if (named !== undefined) {
    path = resolve(cwd, named);
    if (!existsSync(path)) throw new ConfigError('', `config file ${path}${opts.file ? '' : ` (from ${MIRRORD_CONFIG_ENV})`} does not exist`);
  } else {
    const found = [DEFAULT_CONFIG_FILE, MIRRORD_PROJECT_FILE].map((f) => resolve(cwd, f)).find((f) => existsSync(f));
    if (found === undefined) return { config: {}, warnings: [] };
    path = found;
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('', `cannot read config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseConfig(text, path);
}
