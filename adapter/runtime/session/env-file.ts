// feature.env.env_file (mirrord's key): a .env file of NAME=VALUE lines, parsed with Node's own
// dotenv parser (util.parseEnv: quotes, comments, `export` prefixes). Read before the session
// starts, so a missing or unreadable file is a configuration error naming the key.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../config/errors.js';

/** The file's variables ({} without a file); `cwd` resolves a relative path. */
export function readEnvFile(file: string | undefined, cwd: string): Record<string, string> {
  if (!file) return {};
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('feature.env.env_file', `feature.env.env_file: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return Object.fromEntries(Object.entries(parseEnv(text)).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
