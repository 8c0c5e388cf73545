// The path rules the layer applies on its own (sent in HelloAck), built from the fs policy.
// Order matters, first match wins: not_found, local, read_write, read_only (the user's lists),
// the DNS files (remote when DNS is on), the default local list (system and toolchain paths, the
// session's working directory), then the mode's default. Patterns are POSIX extended regexes on
// the C side and JS regexes here; the defaults use the common subset.
import type { SessionPolicy } from '../config/policy.js';

export type PathAction = 'local' | 'remote' | 'not_found';
export interface PathRule { pattern: string; action: PathAction; readOnly: boolean; explicit: boolean }

export const DNS_FILES = ['^/etc/resolv\\.conf$', '^/etc/hosts$', '^/etc/hostname$'];

/** System, toolchain and scratch paths that are always the workstation's in read/write modes. */
export const DEFAULT_LOCAL = [
  '^/proc(/|$)', '^/sys(/|$)', '^/dev(/|$)', '^/usr(/|$)', '^/lib(/|$)', '^/lib32(/|$)', '^/lib64(/|$)',
  '^/libx32(/|$)', '^/bin(/|$)', '^/sbin(/|$)', '^/opt(/|$)', '^/etc(/|$)', '^/tmp(/|$)', '^/var/tmp(/|$)',
  '^/var/lib(/|$)', '^/var/cache(/|$)', '^/var/log(/|$)', '^/run(/|$)', '^/nix(/|$)', '^/snap(/|$)',
  '^/home(/|$)', '^/root(/|$)', '\\.so(\\.[0-9]+)*$', '/node_modules/', '/__pycache__/', '\\.pyc$',
];

function escapeRegex(text: string): string {
  return text.replace(/[.[\]()*+?{}|\\^$]/g, '\\$&');
}

export function buildPathRules(policy: SessionPolicy, cwd: string): { rules: PathRule[]; defaultAction: PathAction } {
  const fs = policy.fs;
  const rules: PathRule[] = [];
  const add = (list: string[], action: PathAction, readOnly: boolean, explicit: boolean): void => {
    for (const pattern of list) rules.push({ pattern, action, readOnly, explicit });
  };
  add(fs.notFound, 'not_found', false, true);
  add(fs.local, 'local', false, true);
  // fs.mapping: a mapped path is the target's (under its new name, path-mapping.ts); written there only in `write` mode.
  if (fs.mode !== 'local') add(fs.mapping.map(([from]) => from), 'remote', fs.mode !== 'write', true);
  if (fs.mode !== 'local') {
    add(fs.readWrite, 'remote', false, true);
    add(fs.readOnly, 'remote', true, true);
  }
  if (policy.dns.enabled) add(DNS_FILES, 'remote', true, false);
  const remoteDefault = fs.mode === 'read' || fs.mode === 'write';
  if (remoteDefault) {
    add(DEFAULT_LOCAL, 'local', false, false);
    if (cwd !== '/') add([`^${escapeRegex(cwd)}(/|$)`], 'local', false, false);
  }
  return { rules, defaultAction: remoteDefault ? 'remote' : 'local' };
}

/** The rule a path matches (JS regex), for the proxy's own decisions on a request. */
export function matchRule(rules: PathRule[], path: string): PathRule | undefined {
  return rules.find((r) => {
    try {
      return new RegExp(r.pattern).test(path);
    } catch {
      return false;  // an invalid pattern was reported when the config was loaded
    }
  });
}
