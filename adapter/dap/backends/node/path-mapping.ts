// localRoot/remoteRoot: the program in the pod runs from remoteRoot (e.g. /app), the editor's
// checkout is localRoot. Script paths the inspector reports become local; breakpoint paths the
// editor sets become remote. Paths outside the roots are left alone.
import { posix, sep } from 'node:path';

export interface PathMapping {
  toLocal(path: string): string;
  toRemote(path: string): string;
}

export const IDENTITY_MAPPING: PathMapping = { toLocal: (p) => p, toRemote: (p) => p };

function swapRoot(path: string, from: string, to: string): string {
  const root = from.endsWith('/') ? from.slice(0, -1) : from;
  if (path !== root && !path.startsWith(`${root}/`) && !(sep !== '/' && path.startsWith(`${root}${sep}`))) return path;
  const rest = path.slice(root.length).replaceAll(sep, '/');
  return posix.join(to, rest || '/').replace(/(.)\/$/, '$1');
}

export function pathMapping(localRoot: string | undefined, remoteRoot: string | undefined): PathMapping {
  if (!localRoot || !remoteRoot) return IDENTITY_MAPPING;
  return { toLocal: (p) => swapRoot(p, remoteRoot, localRoot), toRemote: (p) => swapRoot(p, localRoot, remoteRoot) };
}
