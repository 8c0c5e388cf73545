// The target's environment as the local program gets it (feature.env): include/exclude patterns
// with * wildcards, then overrides. Variables that describe the workstation itself (PATH, HOME,
// the shell, the dynamic loader) are never taken from the target unless listed in include. Then the
// variables of env_file (env-file.ts), then overrides.
import type { SessionPolicy } from '../config/policy.js';

export const WORKSTATION_ONLY_VARS = ['PATH', 'HOME', 'PWD', 'OLDPWD', 'SHLVL', 'SHELL', 'TERM', 'USER', 'LOGNAME', 'HOSTNAME', '_', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'TMPDIR'];

function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

/** `fromFile`: the variables of feature.env.env_file, which win over the target's; overrides win over both. */
export function filterTargetEnv(remote: Record<string, string>, policy: SessionPolicy['env'], fromFile: Record<string, string> = {}): Record<string, string> {
  if (!policy.enabled) return { ...policy.override };
  const include = policy.include.map(wildcard);
  const exclude = policy.exclude.map(wildcard);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(remote)) {
    const included = include.some((r) => r.test(name));
    if (include.length && !included) continue;
    if (!included && WORKSTATION_ONLY_VARS.includes(name)) continue;
    if (exclude.some((r) => r.test(name))) continue;
    out[name] = value;
  }
  return { ...out, ...fromFile, ...policy.override };
}
