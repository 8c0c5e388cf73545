// The target's environment as the local program gets it (feature.env): include/exclude patterns
// with * wildcards, then overrides. Variables that describe the workstation itself (PATH, HOME,
// the shell, the dynamic loader) are never taken from the target unless listed in include.
import type { SessionPolicy } from '../config/policy.js';

export const WORKSTATION_ONLY_VARS = ['PATH', 'HOME', 'PWD', 'OLDPWD', 'SHLVL', 'SHELL', 'TERM', 'USER', 'LOGNAME', 'HOSTNAME', '_', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'TMPDIR'];

function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

export function filterTargetEnv(remote: Record<string, string>, policy: SessionPolicy['env']): Record<string, string> {
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
  return { ...out, ...policy.override };
}
