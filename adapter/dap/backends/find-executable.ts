// Locates debugger executables on PATH, so a missing one gives an actionable error before spawning.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { DapError } from '../common/errors.js';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first of `names` found (absolute paths as given, others on PATH), or undefined. */
export function findExecutable(names: readonly string[], envPath = process.env.PATH ?? ''): string | undefined {
  for (const name of names) {
    if (isAbsolute(name) || name.includes('/')) {
      if (isExecutable(name)) return name;
      continue;
    }
    for (const dir of envPath.split(delimiter)) {
      if (dir && isExecutable(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

/** Like findExecutable, but throws DEBUGGER_NOT_FOUND naming what was searched and how to install it. */
export function requireExecutable(names: readonly string[], what: string, install: string): string {
  const found = findExecutable(names);
  if (found) return found;
  throw new DapError('DEBUGGER_NOT_FOUND', `${what} not found (looked for ${names.join(', ')} on PATH). Install it: ${install}`);
}
