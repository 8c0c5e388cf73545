// Finds and reads the configuration: `-f FILE` when given, else `.kmirror.json` in the working
// directory (optional). A missing -f file, invalid JSON or a bad value is a ConfigError before
// anything starts.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './errors.js';
import type { KmirrorConfig } from './types.js';
import { validateConfig } from './validate.js';

export const DEFAULT_CONFIG_FILE = '.kmirror.json';

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

/** Loads `file` (required to exist) or `.kmirror.json` in `cwd` (optional: {} when absent). */
export function loadConfig(opts: { file?: string; cwd?: string } = {}): LoadedConfig {
  const cwd = opts.cwd ?? process.cwd();
  const path = opts.file ? resolve(cwd, opts.file) : resolve(cwd, DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (opts.file) throw new ConfigError('', `config file ${path} does not exist`);
    return { config: {}, warnings: [] };
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('', `cannot read config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseConfig(text, path);
}
