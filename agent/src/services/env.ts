// The target's environment from /proc/<pid>/environ (NUL-separated KEY=VALUE entries).
import { readFile } from 'node:fs/promises';
import { TunnelError } from '#proto/runtime/errors.js';
import type { AgentTarget } from '../target/target.js';
import { toTunnelError } from './errno.js';

export function parseEnviron(raw: Buffer): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const entry of raw.toString('utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) vars[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return vars;
}

/** Reads the target's environment; a netns target has none (NOT_SUPPORTED). */
export async function readTargetEnv(target: AgentTarget): Promise<Record<string, string>> {
  if (!target.environPath) throw new TunnelError('NOT_SUPPORTED', `env: target ${target.spec} is a network namespace, not a process; it has no environment`);
  try {
    return parseEnviron(await readFile(target.environPath));
  } catch (err) {
    throw toTunnelError(err, `env: read ${target.environPath}`);
  }
}
